// Finds the files a wikitext revision embeds: [[File:...]] links (nested captions included), <gallery> and
// <imagemap> blocks, and file names given to templates. Linear in the input: two passes, no backtracking.
//
// Pass 1 (mask) lists the ranges MediaWiki never renders as wikitext (comments, <nowiki>, <pre>, <math>,
// ...) as blanks, which read as spaces, so offsets stay those of the input, and notes the extension tags whose
// content is wikitext (<ref>, <gallery>, ...). Like MediaWiki's preprocessor it finds a tag's end by the first
// closing tag and treats an unclosed tag as literal text; every search position only moves forward (cached),
// so adversarial input such as `<ref <ref <ref` or `<!--` without end stays linear. Pass 2 (Scanner) walks the
// text once with a stack of open `[[`, `{{`, `{{{` and extension-tag frames, the way the preprocessor pairs
// brackets, jumping over blanks and over text that cannot change the frames with native searches. Neither pass
// copies the whole text: only the link targets and parameters that may name a file are sliced and masked.
//
// Blind spots by nature: images a template builds from other input (or fetches from Wikidata) never appear
// in the wikitext, so an empty result means "no visible embed", which callers should treat as unknown.
import { canonicalFileTitle, decodeTitleEscapes, stripNamespace } from './file-title.ts';
import type { FileNamespaceNames } from './siteinfo.ts';

export type ImageOccurrenceKind = 'link' | 'gallery' | 'imagemap' | 'template-param' | 'template-positional';

export interface ImageOccurrence {
  /** Normalised file name, DB-key form without namespace (`Foo_bar.jpg`). */
  image: string;
  kind: ImageOccurrenceKind;
  /** UTF-16 offset in the wikitext where the embed starts (`[[`, the gallery line, the parameter value). */
  offset: number;
  /** 1-based line of `offset`. */
  line: number;
}

// Extensions MediaWiki accepts for uploads on Wikimedia wikis ($wgFileExtensions), plus a few legacy ones.
// Only bare names passed to templates need one: a link or gallery line says by its syntax that it is a file.
const MEDIA_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'jpe', 'png', 'apng', 'gif', 'svg', 'tif', 'tiff', 'webp', 'xcf', 'bmp', 'ico', 'jp2',
  'pdf', 'djvu', 'djv', 'ogg', 'ogv', 'oga', 'opus', 'spx', 'webm', 'mp3', 'mp4', 'mpg', 'mpeg', 'wav',
  'flac', 'mid', 'midi', 'kar', 'stl', 'svgz',
]);

const MAX_EXTENSION_LENGTH = Math.max(...[...MEDIA_EXTENSIONS].map((extension) => extension.length));

// Content is not wikitext: never parsed for links (MediaWiki core and the extensions on Wikimedia wikis).
const RAW_TAGS: ReadonlySet<string> = new Set([
  'nowiki', 'pre', 'syntaxhighlight', 'source', 'math', 'chem', 'ce', 'score', 'timeline', 'templatedata',
  'templatestyles', 'graph', 'hiero', 'mapframe', 'maplink', 'inputbox', 'categorytree', 'charinsert',
]);
// Content is wikitext parsed on its own: `|` inside does not split an enclosing template's parameters.
const WIKITEXT_TAGS: ReadonlySet<string> = new Set(['ref', 'references', 'gallery', 'imagemap', 'poem', 'indicator']);
// Shown only where the page is transcluded, never on the page itself; may run to the end of the text.
const INCLUDEONLY = 'includeonly';
// The tag names above by length, for knownTagName.
const KNOWN_TAGS_BY_LENGTH: ReadonlyMap<number, readonly string[]> = (() => {
  const byLength = new Map<number, string[]>();
  for (const name of [...RAW_TAGS, ...WIKITEXT_TAGS, INCLUDEONLY]) {
    byLength.set(name.length, [...(byLength.get(name.length) ?? []), name]);
  }
  return byLength;
})();

// Link targets and template values longer than this cannot be file names (titles are at most 255 bytes,
// but entities, percent escapes and padding may make the source longer).
const MAX_NAME_SOURCE = 2048;

// `#REDIRECT [[Target]]` is not an embed even when Target is a file. Canonical plus a few localisations.
const REDIRECT =
  /^\s*#(?:redirect|weiterleitung|redirection|redirección|redirecionamento|перенаправление|перенаправлення|doorverwijzing|przekieruj|rinvia|転送|重定向|تحويل|تغییر_مسیر|تغییرمسیر|yönlendir|ohjaus|omdirigering|přesměruj|aanstuur)\s*:?\s*\[\[/i;

interface Block {
  kind: 'gallery' | 'imagemap';
  start: number;
  end: number;
}

/** Sorted, disjoint `[start, end)` ranges the scanner reads as spaces (see maskedSlice). */
type Blanks = ReadonlyArray<readonly [number, number]>;

interface Mask {
  blanks: Array<[number, number]>;
  /** Extension elements with wikitext content, `<` to after the closing tag, in order of start. */
  regions: Array<{ start: number; end: number }>;
  blocks: Block[];
}

/** Next position of a fixed needle at or after `from`; remembers the answer while queries move forward. */
function forwardSearch(find: (from: number) => number): (from: number) => number {
  let askedFrom = -1;
  let found = -1;
  return (from) => {
    if (askedFrom < 0 || from < askedFrom || (found >= 0 && from > found)) {
      askedFrom = from;
      found = find(from);
    }
    return found;
  };
}

// `\s*>` after a closing tag's name, matched in place.
const CLOSING_TAG_END = /\s*>/y;

/** End of the closing tag `</name\s*>` that starts at `at`, or -1 when there is none there. */
function closingTagEnd(text: string, name: string, at: number): number {
  if (!spellsAt(text, at + 2, name)) return -1;
  CLOSING_TAG_END.lastIndex = at + 2 + name.length;
  return CLOSING_TAG_END.test(text) ? CLOSING_TAG_END.lastIndex : -1;
}

/**
 * Start of the first closing tag `</name\s*>` (any case) at or after `from`, or -1. A native search for `</`
 * with the name checked in place: faster than a case-insensitive regular expression over the text.
 */
function findClosingTag(text: string, name: string, from: number): number {
  for (let at = text.indexOf('</', from); at >= 0; at = text.indexOf('</', at + 2)) {
    if (closingTagEnd(text, name, at) >= 0) return at;
  }
  return -1;
}

/**
 * The known tag name (lower case) that `text` spells from `start` to `end` in any case, or undefined. Compared
 * in place: slicing and lower-casing every element name costs more, most of all in texts with non-Latin-1
 * characters.
 */
function knownTagName(text: string, start: number, end: number): string | undefined {
  return KNOWN_TAGS_BY_LENGTH.get(end - start)?.find((name) => spellsAt(text, start, name));
}

/** Whether `text` at `at` spells `name` (lower-case ASCII letters) in any case, as the /i flag matches them. */
function spellsAt(text: string, at: number, name: string): boolean {
  for (let index = 0; index < name.length; index += 1) {
    // `| 0x20` folds exactly A-Z onto a-z among the characters that can equal a lower-case letter after it.
    if ((text.charCodeAt(at + index) | 0x20) !== name.charCodeAt(index)) return false;
  }
  return true;
}

function isAsciiLetter(code: number): boolean {
  const lower = code | 0x20;
  return lower >= 97 && lower <= 122;
}

function isTagNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57);
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13 || code === 12;
}

function mask(text: string): Mask {
  const blanks: Array<[number, number]> = [];
  const regions: Array<{ start: number; end: number }> = [];
  const blocks: Block[] = [];
  const commentEnd = forwardSearch((from) => text.indexOf('-->', from));
  const nextGt = forwardSearch((from) => text.indexOf('>', from));
  const closers = new Map<string, (from: number) => number>();

  const closingTag = (name: string, from: number): number => {
    let search = closers.get(name);
    if (search === undefined) {
      search = forwardSearch((start) => findClosingTag(text, name, start));
      closers.set(name, search);
    }
    return search(from);
  };

  const blank = (start: number, end: number): void => {
    if (end > start) blanks.push([start, end]);
  };

  const scan = (from: number, to: number): void => {
    let i = from;
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0 || lt >= to) return;
      if (text.startsWith('<!--', lt)) {
        const close = commentEnd(lt + 4);
        const end = close < 0 || close + 3 > to ? to : close + 3;
        blank(lt, end);
        i = end;
        continue;
      }
      // Most `<` start closing tags (`</ref>`): known element names start with a letter.
      if (!isAsciiLetter(text.charCodeAt(lt + 1))) {
        i = lt + 1;
        continue;
      }
      let nameEnd = lt + 1;
      while (nameEnd < to && isTagNameChar(text.charCodeAt(nameEnd))) nameEnd += 1;
      const name = knownTagName(text, lt + 1, nameEnd);
      const after = text.charCodeAt(nameEnd);
      const opens = isSpace(after) || after === 62 /* > */ || (after === 47 /* / */ && text.charCodeAt(nameEnd + 1) === 62);
      const gt = name !== undefined && opens ? nextGt(nameEnd) : -1;
      if (name === undefined || gt < 0 || gt >= to) {
        i = lt + 1;
        continue;
      }
      const tagEnd = gt + 1;
      if (text.charCodeAt(gt - 1) === 47 /* / */) {
        blank(lt, tagEnd);
        i = tagEnd;
        continue;
      }
      const closeStart = closingTag(name, tagEnd);
      const closeEnd = closeStart < 0 ? -1 : closingTagEnd(text, name, closeStart);
      if (closeStart < 0 || closeEnd > to) {
        if (name === INCLUDEONLY) {
          blank(lt, to);
          return;
        }
        // Unclosed: MediaWiki shows the opening tag as text and parses what follows as usual.
        i = tagEnd;
        continue;
      }
      if (!WIKITEXT_TAGS.has(name)) {
        blank(lt, closeEnd);
        i = closeEnd;
        continue;
      }
      blank(lt, tagEnd);
      regions.push({ start: lt, end: closeEnd });
      if (name === 'gallery' || name === 'imagemap') blocks.push({ kind: name, start: tagEnd, end: closeStart });
      scan(tagEnd, closeStart);
      blank(closeStart, closeEnd);
      i = closeEnd;
    }
  };
  scan(0, text.length);
  return { blanks, regions, blocks };
}

/**
 * `text.slice(start, end)` with the blanks in it turned into spaces (newlines too: a comment inside a line must
 * not split it). `last` is the index of the last blank starting before `end` (-1: none). Only the few short
 * strings the extractor reads are masked, instead of a copy of the whole text; the cost is their length.
 */
function maskedSlice(text: string, blanks: Blanks, start: number, end: number, last: number): string {
  let first = last;
  while (first >= 0 && blanks[first]![1] > start) first -= 1;
  if (first === last) return text.slice(start, end);
  const parts: string[] = [];
  let at = start;
  for (let index = first + 1; index <= last; index += 1) {
    const blankStart = Math.max(blanks[index]![0], start);
    const blankEnd = Math.min(blanks[index]![1], end);
    parts.push(text.slice(at, blankStart), ' '.repeat(blankEnd - blankStart));
    at = blankEnd;
  }
  parts.push(text.slice(at, end));
  return parts.join('');
}

/** Index of the last blank that starts before `end`, or -1 (binary search: for the few slices off the scan). */
function lastBlankBefore(blanks: Blanks, end: number): number {
  let low = -1;
  let high = blanks.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (blanks[middle]![0] < end) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** The blanks plus the given ranges, merged where they overlap. */
function withBlanks(blanks: Blanks, ranges: Blanks): Blanks {
  const all = [...blanks, ...ranges].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [start, end] of all) {
    const previous = merged[merged.length - 1];
    if (previous !== undefined && start < previous[1]) previous[1] = Math.max(previous[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

// %XX and &...; are the only escapes decoded in names: without them, what a name has its source has.
const MAY_ESCAPE = /[%&]/;
// What MediaWiki's title validity check refuses as a percent escape (MediaWikiTitleCodec::getTitleInvalidRegex).
const PERCENT_ESCAPE = /%[0-9A-Fa-f]{2}/;
// The escapes that can decode to a dot: %2E and character references (`&#46;`, `&#x2E;`).
const MAY_ESCAPE_DOT = /%2[eE]|&#/;

/**
 * False when no file name with a media extension can be decoded from `text` or from any end part of it.
 * Decoding changes only escapes, so unless one follows the text's last dot, the name's extension is what
 * follows that dot; without a dot, only an escape for one can make it. Most template values are words,
 * numbers, dates and URLs: this rejects them before any decoding.
 */
function mayNameFile(text: string): boolean {
  // includes() first: most texts have no dot, and lastIndexOf() is a slow call into the runtime.
  if (!text.includes('.')) return MAY_ESCAPE_DOT.test(text);
  const dot = text.lastIndexOf('.');
  const tail = text.slice(dot + 1);
  return MAY_ESCAPE.test(tail) || (dot > 0 && isMediaExtension(tail));
}

function hasMediaExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  return isMediaExtension(name.slice(dot + 1));
}

/** Whether what follows a name's last dot, blanks around it ignored, is a media extension. */
function isMediaExtension(afterDot: string): boolean {
  const extension = afterDot.trim();
  // Lower-casing never shortens a string: longer ones (`com/page.html`, `5 million`) need no lower-casing.
  return extension.length <= MAX_EXTENSION_LENGTH && MEDIA_EXTENSIONS.has(extension.toLowerCase());
}

type Candidate = Omit<ImageOccurrence, 'line'>;

class Extraction {
  readonly found: Candidate[] = [];

  constructor(private readonly names: FileNamespaceNames) {}

  /** `[[target|...]]`: an embed when the target has a File namespace prefix and no leading colon. */
  linkTarget(target: string): string | null {
    if (target.length > MAX_NAME_SOURCE) return null;
    // MediaWiki trims only spaces before the target; a newline there means no link at all.
    const decoded = decodeTitleEscapes(target).replace(/^[ _]+/, '');
    if (decoded.startsWith(':')) return null;
    const rest = stripNamespace(decoded, this.names.file);
    if (rest === null) return null;
    const hash = rest.indexOf('#');
    return canonicalFileTitle(hash < 0 ? rest : rest.slice(0, hash));
  }

  /**
   * A gallery line's or an imagemap's first line's file part, read as MediaWiki reads it: a gallery line is
   * `Title::newFromText(part, NS_FILE)`, an image only in the File namespace (so the prefix is optional, and
   * `Media:` is not an image there); ImageMap's first line is `Title::newFromText(part)` and must be a File title.
   */
  blockFile(part: string, kind: Block['kind']): string | null {
    if (part.length > MAX_NAME_SOURCE) return null;
    // A gallery line is percent-decoded first (Parser::renderImageGallery); ImageMap's is not, and a title that
    // keeps an escape is invalid. Character references are decoded in both, as Title::newFromText does.
    if (kind === 'imagemap' && PERCENT_ESCAPE.test(part)) return null;
    let title = decodeTitleEscapes(part).trim();
    // A leading colon selects the main namespace instead of the default one; a namespace prefix may follow.
    const mainByColon = title.startsWith(':');
    if (mainByColon) title = title.slice(1).replace(/^[\s_]+/, '');
    const rest = stripNamespace(title, this.names.file);
    if (rest !== null) return canonicalFileTitle(rest);
    // Without a File prefix only a gallery line, and only without the colon, is in the File namespace. Uploads
    // never contain ':', so an unprefixed name with one is another namespace (Media: too), an interwiki, or garbage.
    if (kind === 'imagemap' || mainByColon || title.includes(':')) return null;
    return canonicalFileTitle(title);
  }

  /**
   * A template value that is wholly one file name with a media extension, `File:` prefix optional. Positional
   * values count too: `{{Gallery|File:A.jpg|...}}`, `{{Wide image|A.jpg|...}}`, `{{Double image|right|A.jpg|...}}`.
   */
  templateValue(value: string): string | null {
    if (!mayNameFile(value)) return null;
    const trimmed = value.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_NAME_SOURCE) return null;
    // Decoding is slow on long URLs. A colon with no escape before it stays the first one, so unless what
    // precedes it is a File namespace, the name keeps that colon and is rejected below.
    const colon = trimmed.indexOf(':');
    if (colon >= 0 && !MAY_ESCAPE.test(trimmed.slice(0, colon)) && stripNamespace(trimmed, this.names.file) === null) {
      return null;
    }
    const decoded = decodeTitleEscapes(trimmed).trim();
    const rest = stripNamespace(decoded, this.names.file);
    const name = rest ?? decoded;
    // Uploaded names never contain these; rejecting them keeps URLs and other prefixed titles out.
    if (/[:/\\]/.test(name) || !hasMediaExtension(name)) return null;
    return canonicalFileTitle(name);
  }

  blocks(text: string, blanks: Blanks, blocks: readonly Block[]): void {
    for (const block of blocks) {
      const masked = maskedSlice(text, blanks, block.start, block.end, lastBlankBefore(blanks, block.end));
      let lineStart = 0;
      while (lineStart < masked.length) {
        const newline = masked.indexOf('\n', lineStart);
        const lineEnd = newline < 0 ? masked.length : newline;
        const line = masked.slice(lineStart, lineEnd);
        const indent = line.length - line.trimStart().length;
        const content = line.trim();
        const offset = block.start + lineStart + indent;
        lineStart = lineEnd + 1;
        if (content.length === 0 || (block.kind === 'imagemap' && content.startsWith('#'))) continue;
        const bar = content.indexOf('|');
        const image = this.blockFile(bar < 0 ? content : content.slice(0, bar), block.kind);
        if (image !== null) this.found.push({ image, kind: block.kind, offset });
        // Only the first line of an imagemap names the image; the rest are clickable areas.
        if (block.kind === 'imagemap') break;
      }
    }
  }
}

interface LinkFrame {
  kind: 'link';
  start: number;
  contentStart: number;
  targetEnd: number;
  /** The masked target once `targetEnd` is known; null when it cannot have a namespace prefix. */
  target: string | null;
  /** Something opened inside the target (a template, another link): not a literal title. */
  invalid: boolean;
}

interface TemplateFrame {
  kind: 'template';
  /** Segments ended so far: 0 while in the template's name. */
  segment: number;
  segmentStart: number;
  /** The current parameter contains a nested construct, so its value is not one bare name. */
  nested: boolean;
  candidates: Candidate[];
}

interface ArgFrame {
  kind: 'arg';
}

interface TagFrame {
  kind: 'tag';
  end: number;
  outerLinks: number;
  outerBraces: number;
}

type Frame = LinkFrame | TemplateFrame | ArgFrame | TagFrame;

/**
 * Next position of a fixed needle, by a native search that runs again only when asked from before its last
 * start or past its answer: asked with positions that move forward, its searches cover disjoint stretches.
 */
class Needle {
  private from = -1;
  private found = -1;

  constructor(
    private readonly text: string,
    private readonly needle: string,
  ) {}

  /** Position of the needle at or after `from`; the text's length (after every real stop) when there is none. */
  next(from: number): number {
    if (from > this.found || from < this.from) {
      this.from = from;
      const at = this.text.indexOf(this.needle, from);
      this.found = at < 0 ? this.text.length : at;
    }
    return this.found;
  }
}

/**
 * Pass 2: walks the text once with a stack of open frames, jumping from stop to stop with native searches.
 * Stops are runs of two or more brackets or braces (a single one never opens or closes anything; a closer
 * only while something is open), `|` only while the innermost frame is a template or a link target (most are
 * in tables, captions and prose), blanks (jumped over: the text reads as spaces there) and the ends of
 * extension tags. A link or template with nothing inside that changes the frames is read at its opener in one
 * go; a parameter's `=` is looked up only if its value could be a file name.
 */
class Scanner {
  private readonly stack: Frame[] = [];
  // Open link and brace frames above the innermost extension tag: a closer only matches those.
  private links = 0;
  private braces = 0;
  private nextRegion = 0;
  private readonly tagEnds: number[] = [];
  private tagEnd: number;
  /** Blanks passed so far, which is the index of the next one. */
  private blank = 0;
  private readonly redirectLink: number;
  private readonly linkOpeners: Needle;
  private readonly linkClosers: Needle;
  private readonly braceOpeners: Needle;
  private readonly braceClosers: Needle;
  private readonly bars: Needle;
  // What the source of a file name needs: a dot for the extension, a colon for a namespace prefix, or an
  // escape that may decode to either.
  private readonly dots: Needle;
  private readonly colons: Needle;
  private readonly percents: Needle;
  private readonly ampersands: Needle;

  constructor(
    private readonly text: string,
    private readonly blanks: Blanks,
    private readonly regions: Mask['regions'],
    private readonly extraction: Extraction,
  ) {
    this.tagEnd = text.length;
    this.linkOpeners = new Needle(text, '[[');
    this.linkClosers = new Needle(text, ']]');
    this.braceOpeners = new Needle(text, '{{');
    this.braceClosers = new Needle(text, '}}');
    this.bars = new Needle(text, '|');
    this.dots = new Needle(text, '.');
    this.colons = new Needle(text, ':');
    this.percents = new Needle(text, '%');
    this.ampersands = new Needle(text, '&');
    const head = Math.min(text.length, 1024);
    const redirect = REDIRECT.exec(maskedSlice(text, blanks, 0, head, lastBlankBefore(blanks, head)));
    this.redirectLink = redirect === null ? -1 : redirect[0].length - 2;
  }

  run(): void {
    const length = this.text.length;
    let i = 0;
    while (i < length) {
      if (i >= this.tagEnd) this.closeTags(i);
      const blankStart = this.nextBlankStart();
      if (i >= blankStart) {
        i = Math.max(i, this.passBlank());
        continue;
      }
      const stop = this.nextStop(i);
      const boundary = Math.min(blankStart, this.tagEnd);
      i = stop < boundary ? this.special(stop) : boundary;
    }
  }

  /** The first position at or after `from` where something can happen to the frames, short of a boundary. */
  private nextStop(from: number): number {
    const stop = this.bracketStop(from);
    const top = this.top();
    const splits = top?.kind === 'template' || (top?.kind === 'link' && top.targetEnd < 0);
    return splits ? Math.min(stop, this.bars.next(from)) : stop;
  }

  /** nextStop without `|`. */
  private bracketStop(from: number): number {
    let stop = Math.min(this.linkOpeners.next(from), this.braceOpeners.next(from));
    // Closers with nothing open to close are no-ops: not searched for then, so the searches for them cover
    // the insides of links and templates rather than the whole text.
    if (this.links > 0) stop = Math.min(stop, this.linkClosers.next(from));
    if (this.braces > 0) stop = Math.min(stop, this.braceClosers.next(from));
    return stop;
  }

  /** Handles the stop at `at` (see nextStop); returns where scanning continues. */
  private special(at: number): number {
    const { text } = this;
    const code = text.charCodeAt(at);
    const top = this.top();
    if (code === 124 /* | */) {
      if (top?.kind === 'link' && top.targetEnd < 0) {
        top.targetEnd = at;
        // Read now, while the scan is at its end; something opened inside has already made it invalid.
        top.target = top.invalid ? null : this.prefixedTarget(top.contentStart, at);
      } else if (top?.kind === 'template') this.endSegment(top, at);
      return at + 1;
    }
    // A found pair starts its run (the character before the scan position is never the same bracket), or it
    // is the rest of a run whose first pair closed a plain link or template, paired on as it would have been.
    let run = 2;
    while (text.charCodeAt(at + run) === code) run += 1;
    if (code === 91 /* [ */) return this.openLink(at + run - 2, at + run);
    if (code === 123 /* { */ && run === 2) return this.openTemplate(at + 2);
    if (code === 123 /* { */) this.openBraceRun(at + run, run);
    else if (code === 93 /* ] */) this.closeLinkRun(at, run);
    else this.closeBraceRun(at, run);
    return at + run;
  }

  /** Where the next blank starts: the text's length when none is left. */
  private nextBlankStart(): number {
    return this.blank < this.blanks.length ? this.blanks[this.blank]![0] : this.text.length;
  }

  /** Jumps over the next blank, opening the extension tags that start with it; returns its end. */
  private passBlank(): number {
    const [start, end] = this.blanks[this.blank]!;
    this.blank += 1;
    const { regions } = this;
    while (this.nextRegion < regions.length && regions[this.nextRegion]!.start <= start) {
      const region = regions[this.nextRegion]!;
      this.nextRegion += 1;
      this.push({ kind: 'tag', end: region.end, outerLinks: this.links, outerBraces: this.braces });
      this.links = 0;
      this.braces = 0;
      this.tagEnds.push(region.end);
      this.tagEnd = region.end;
    }
    // Tags inside a blank are inside an imagemap, whose own tag frame already isolates them: nothing to do.
    while (this.nextRegion < regions.length && regions[this.nextRegion]!.start < end) this.nextRegion += 1;
    return end;
  }

  /** Ends the extension tags that end at or before `at`. */
  private closeTags(at: number): void {
    while (at >= this.tagEnd) {
      // Frames left open inside an extension tag end with it, as in MediaWiki's preprocessor.
      let frame = this.stack.pop();
      while (frame !== undefined && frame.kind !== 'tag') frame = this.stack.pop();
      if (frame?.kind === 'tag') {
        this.links = frame.outerLinks;
        this.braces = frame.outerBraces;
      }
      this.tagEnds.pop();
      this.tagEnd = this.tagEnds.length > 0 ? this.tagEnds[this.tagEnds.length - 1]! : this.text.length;
    }
  }

  /** The innermost frame. Guarded: reading index -1 of an empty stack is a slow named-property lookup. */
  private top(): Frame | undefined {
    const depth = this.stack.length;
    return depth > 0 ? this.stack[depth - 1] : undefined;
  }

  /**
   * Opens a link whose `[[` starts at `start`; returns where scanning continues. Most links hold nothing that
   * changes the frames before their `]]` (no bracket, brace, blank or tag end; a `|` at most): those are read
   * at once, with no frame and no further stop.
   */
  private openLink(start: number, contentStart: number): number {
    const close = this.linkClosers.next(contentStart);
    if (!this.plainUntil(contentStart, close)) {
      this.push({ kind: 'link', start, contentStart, targetEnd: -1, target: null, invalid: false });
      return contentStart;
    }
    this.markParent();
    // The `|` that would end the target matters only if there is a colon (or an escape) before the `]]`.
    if (start !== this.redirectLink && this.has(this.colons, contentStart, close)) {
      this.addLink(start, this.prefixedTarget(contentStart, Math.min(this.bars.next(contentStart), close)));
    }
    // Any further `]` of the run are a stop of their own, as they would be after this link's frame closed.
    return close + 2;
  }

  /**
   * Opens a template at `contentStart - 2` (a run of exactly two braces); returns where scanning continues.
   * Most templates hold nothing that changes the frames before their `}}`: for those, only the parameters
   * with a dot or an escape are read, at once, with no frame and no stop at each `|`.
   */
  private openTemplate(contentStart: number): number {
    const close = this.braceClosers.next(contentStart);
    if (!this.plainUntil(contentStart, close)) {
      this.openBraceRun(contentStart, 2);
      return contentStart;
    }
    this.markParent();
    const { text } = this;
    // The first parameter starts after the name's `|`; the name itself never counts.
    let from = this.bars.next(contentStart) + 1;
    while (from <= close) {
      const nameChar = Math.min(this.dots.next(from), this.percents.next(from), this.ampersands.next(from));
      if (nameChar >= close) break;
      // Found back from the dot, it is at worst the `|` before `from`: no blanks in between, so raw is masked.
      const start = text.lastIndexOf('|', nameChar) + 1;
      const end = Math.min(this.bars.next(nameChar), close);
      const segment = text.slice(start, end);
      const candidate = mayNameFile(segment) ? this.segmentValue(start, segment) : null;
      if (candidate !== null) this.extraction.found.push(candidate);
      from = end + 1;
    }
    // Any further `}` of the run are a stop of their own, as they would be after this template's frame closed.
    return close + 2;
  }

  /**
   * Whether nothing from `from` up to the closer at `close` changes the frames: no other bracket or brace
   * pair that could matter, no blank and no tag end.
   */
  private plainUntil(from: number, close: number): boolean {
    const boundary = Math.min(this.nextBlankStart(), this.tagEnd);
    return close < this.text.length && this.bracketStop(from) >= close && boundary > close;
  }

  /** Something opens in the innermost frame: a link target that is no literal title, a nested parameter. */
  private markParent(): void {
    const parent = this.top();
    if (parent?.kind === 'link' && parent.targetEnd < 0) parent.invalid = true;
    else if (parent?.kind === 'template') parent.nested = true;
  }

  private push(frame: Frame): void {
    this.markParent();
    this.stack.push(frame);
    if (frame.kind === 'link') this.links += 1;
    else if (frame.kind !== 'tag') this.braces += 1;
  }

  private popFrame(): Frame | undefined {
    const frame = this.stack.pop();
    if (frame?.kind === 'link') this.links -= 1;
    else if (frame?.kind === 'template' || frame?.kind === 'arg') this.braces -= 1;
    return frame;
  }

  /** A run of `{` opens templates and arguments from the outside in, the way the preprocessor pairs them. */
  private openBraceRun(contentStart: number, run: number): void {
    for (let left = run; left >= 2; ) {
      if (left === 3) {
        this.push({ kind: 'arg' });
        left = 0;
      } else {
        this.push({ kind: 'template', segment: 0, segmentStart: contentStart, nested: false, candidates: [] });
        left -= 2;
      }
    }
  }

  private closeLinkRun(at: number, run: number): void {
    for (let used = 0; run - used >= 2 && this.links > 0; used += 2) this.closeLink(at + used);
  }

  private closeBraceRun(at: number, run: number): void {
    let used = 0;
    while (run - used >= 2 && this.braces > 0) {
      const took = this.closeBraces(at + used, run - used);
      if (took === 0) break;
      used += took;
    }
  }

  /** The masked text from `start` to `end`: the scan position, or ahead of it with no blank in between. */
  private slice(start: number, end: number): string {
    return maskedSlice(this.text, this.blanks, start, end, this.blank - 1);
  }

  /**
   * Whether the source from `start` to `end` holds the needle or an escape. Asked only about link targets and
   * parameters that hold no frames, which never overlap and come up in text order, so each needle's searches
   * move forward.
   */
  private has(needle: Needle, start: number, end: number): boolean {
    return needle.next(start) < end || this.percents.next(start) < end || this.ampersands.next(start) < end;
  }

  /** The masked link target from `start` to `end`, or null when it has no colon for a namespace prefix. */
  private prefixedTarget(start: number, end: number): string | null {
    // Most links go to articles: no copy and no decoding for them.
    return this.has(this.colons, start, end) ? this.slice(start, end) : null;
  }

  private endSegment(frame: TemplateFrame, end: number): void {
    // Most segments are words, numbers, dates: ruled out without a copy when the source has no dot or escape.
    if (frame.segment > 0 && !frame.nested && this.has(this.dots, frame.segmentStart, end)) {
      const segment = this.slice(frame.segmentStart, end);
      // The value is an end part of the segment: most segments left are ruled out before looking for the `=`.
      const candidate = mayNameFile(segment) ? this.segmentValue(frame.segmentStart, segment) : null;
      if (candidate !== null) frame.candidates.push(candidate);
    }
    frame.segment += 1;
    frame.segmentStart = end + 1;
    frame.nested = false;
  }

  /** The embed a template parameter (`segment`, masked, from `start`) names as its value, if any. */
  private segmentValue(start: number, segment: string): Candidate | null {
    // The first `=` names the parameter. Looked up here, not stopped at: in a segment without nested frames
    // every `=` is at the template's level.
    const equals = segment.indexOf('=');
    const named = equals >= 0;
    const valueStart = start + equals + 1;
    const value = named ? segment.slice(equals + 1) : segment;
    const image = this.extraction.templateValue(value);
    if (image === null) return null;
    const offset = valueStart + (value.length - value.trimStart().length);
    return { image, kind: named ? 'template-param' : 'template-positional', offset };
  }

  private closeLink(at: number): void {
    let frame = this.popFrame();
    while (frame !== undefined && frame.kind !== 'link') frame = this.popFrame();
    if (frame === undefined || frame.invalid || frame.start === this.redirectLink) return;
    this.addLink(frame.start, frame.targetEnd < 0 ? this.prefixedTarget(frame.contentStart, at) : frame.target);
  }

  /** Records the link at `start` as an embed when its target (null: no namespace prefix) names a file. */
  private addLink(start: number, target: string | null): void {
    if (target === null) return;
    const image = this.extraction.linkTarget(target);
    if (image !== null) this.extraction.found.push({ image, kind: 'link', offset: start });
  }

  /** Closes the innermost `{{` or `{{{` with up to `available` braces; returns how many it used (0: none). */
  private closeBraces(at: number, available: number): number {
    let top = this.top();
    while (top?.kind === 'link') {
      this.popFrame();
      top = this.top();
    }
    if (top?.kind === 'arg') {
      if (available < 3) return 0;
      this.popFrame();
      return 3;
    }
    if (top?.kind !== 'template') return 0;
    this.popFrame();
    this.endSegment(top, at);
    // Committed only now: parameters of a `{{` that never closes are plain text, not template input.
    for (const candidate of top.candidates) this.extraction.found.push(candidate);
    return 2;
  }
}

function collect(wikitext: string, names: FileNamespaceNames): Candidate[] {
  const { blanks, regions, blocks } = mask(wikitext);
  const extraction = new Extraction(names);
  extraction.blocks(wikitext, blanks, blocks);
  // An imagemap's area lines link to pages; `[[File:...]]` there is a link target, not an embed.
  const imagemaps = blocks.filter((block) => block.kind === 'imagemap').map((b) => [b.start, b.end] as const);
  new Scanner(wikitext, imagemaps.length > 0 ? withBlanks(blanks, imagemaps) : blanks, regions, extraction).run();
  return extraction.found;
}

/** The sorted, unique, normalised names of the files the wikitext embeds. */
export function extractImages(wikitext: string, names: FileNamespaceNames): string[] {
  return [...new Set(collect(wikitext, names).map((candidate) => candidate.image))].sort();
}

/** Every embed in text order, with how it was recognised and where: for debugging the extractor. */
export function explainImages(wikitext: string, names: FileNamespaceNames): ImageOccurrence[] {
  const lineStarts = [0];
  for (let at = wikitext.indexOf('\n'); at >= 0; at = wikitext.indexOf('\n', at + 1)) lineStarts.push(at + 1);
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  return collect(wikitext, names)
    .sort((a, b) => a.offset - b.offset)
    .map((candidate) => ({ ...candidate, line: lineOf(candidate.offset) }));
}
