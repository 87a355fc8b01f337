// A file named in event data, in whatever form a producer wrote it: a bare name (`Foo.jpg`), a prefixed title
// (`File:Foo.jpg`, `Datei:Foo.jpg`, `commons:File:Foo.jpg`), or a URL (feedback 1.0.0 sends
// `https://commons.wikimedia.org/wiki/File:Foo.jpg`; upload.wikimedia.org links appear too). Pure.
import { canonicalFileTitle, decodeTitleEscapes, normalizeFileTitle, stripNamespace } from './file-title.ts';

export type FileReference = { ok: true; name: string } | { ok: false; reason: string };

// Namespaces a title can name that are not the File namespace, in their canonical English form (every wiki knows
// these, whatever its language): a reference in one of them is not a file, however the rest reads.
const OTHER_NAMESPACES: readonly string[] = [
  'Special', 'Talk', 'User', 'User talk', 'Project', 'Project talk', 'Wikipedia', 'Wikipedia talk', 'File talk',
  'Image talk', 'MediaWiki', 'MediaWiki talk', 'Template', 'Template talk', 'Help', 'Help talk', 'Category',
  'Category talk', 'Portal', 'Portal talk', 'Draft', 'Draft talk', 'Module', 'Module talk', 'TimedText',
  'TimedText talk', 'Gadget', 'Gadget talk', 'Topic',
];

// Interwiki prefixes that point at Commons, where suggested images live: `commons:File:Foo.jpg`, `c:File:Foo.jpg`.
const COMMONS_INTERWIKI: readonly string[] = ['commons', 'c'];

const fail = (reason: string): FileReference => ({ ok: false, reason });

/** The title a wiki page URL names: `/wiki/<title>` or `?title=<title>`; null for any other URL. */
function titleOfPageUrl(url: URL): string | null {
  if (url.pathname.startsWith('/wiki/')) return decodeTitleEscapes(url.pathname.slice('/wiki/'.length));
  const title = url.searchParams.get('title');
  return title === null ? null : title;
}

/** The file name of an upload URL: `/<project>/<lang>/a/ab/<name>`, or its thumbnail `.../thumb/a/ab/<name>/<size>`. */
function nameOfUploadUrl(url: URL): string | null {
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  const thumb = segments.indexOf('thumb');
  const name = thumb >= 0 ? segments[thumb + 3] : segments[segments.length - 1];
  return name === undefined || !name.includes('.') ? null : decodeTitleEscapes(name);
}

/**
 * The DB-key file name a reference names, given the File namespace names it may be prefixed with (those of the
 * wiki the event is about: `Datei` on dewiki; `File` and `Image` are always accepted), or why it names no file.
 */
export function fileNameFromReference(raw: string, fileNamespaces: readonly string[]): FileReference {
  let title = raw.trim();
  if (title.length === 0) return fail('is empty');
  if (/^(https?:)?\/\//i.test(title)) {
    let url: URL;
    try {
      url = new URL(title.startsWith('//') ? `https:${title}` : title);
    } catch {
      return fail('is a URL that does not parse');
    }
    if (url.hostname === 'upload.wikimedia.org') {
      const name = nameOfUploadUrl(url);
      return name === null ? fail('is an upload URL that names no file') : named(name, canonicalFileTitle);
    }
    const page = titleOfPageUrl(url);
    if (page === null) return fail('is a URL that names no wiki page');
    title = page;
    const file = stripNamespace(title, fileNamespaces);
    return file === null ? fail('is a URL of a page outside the File namespace') : named(file, canonicalFileTitle);
  }
  const interwiki = stripNamespace(title, COMMONS_INTERWIKI);
  if (interwiki !== null) {
    const file = stripNamespace(interwiki, fileNamespaces);
    return file === null ? fail('is a Commons link to a page outside the File namespace') : named(file);
  }
  const file = stripNamespace(title, fileNamespaces);
  if (file !== null) return named(file);
  if (stripNamespace(title, OTHER_NAMESPACES) !== null) return fail('names a page outside the File namespace');
  // A bare name; file names may contain colons of their own (`Map: Europe.png`).
  return named(title);
}

/** `name` in DB-key form; URL parts arrive decoded already (`canonicalFileTitle`), text still needs decoding. */
function named(name: string, normalize: (name: string) => string | null = normalizeFileTitle): FileReference {
  const normalized = normalize(name);
  return normalized === null ? fail('is not a valid file name') : { ok: true, name: normalized };
}
