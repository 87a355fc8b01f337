// Finds the files a wikitext revision embeds: [[File:...]] links (nested captions included), <gallery> and
// <imagemap> blocks, and file names given to templates. Linear in the input: two passes, no backtracking.
//
// Pass 1 (mask) blanks what MediaWiki never renders as wikitext (comments, <nowiki>, <pre>, <math>, ...)
// with spaces, so offsets stay those of the input, and notes the extension tags whose content is wikitext
// (<ref>, <gallery>, ...). Like MediaWiki's preprocessor it finds a tag's end by the first closing tag and
// treats an unclosed tag as literal text; every search position only moves forward (cached), so adversarial
// input such as `<ref <ref <ref` or `<!--` without end stays linear. Pass 2 (scan) walks the masked text once
// with a stack of open `[[`, `{{`, `{{{` and extension-tag frames, the way the preprocessor pairs brackets.
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

// Content is not wikitext: never parsed for links (MediaWiki core and the extensions on Wikimedia wikis).
const RAW_TAGS: ReadonlySet<string> = new Set([
  'nowiki', 'pre', 'syntaxhighlight', 'source', 'math', 'chem', 'ce', 'score', 'timeline', 'templatedata',
  'templatestyles', 'graph', 'hiero', 'mapframe', 'maplink', 'inputbox', 'categorytree', 'charinsert',
]);
// Content is wikitext parsed on its own: `|` inside does not split an enclosing template's parameters.
const WIKITEXT_TAGS: ReadonlySet<string> = new Set(['ref', 'references', 'gallery', 'imagemap', 'poem', 'indicator']);
// Shown only where the page is transcluded, never on the page itself; may run to the end of the text.
const INCLUDEONLY = 'includeonly';

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

interface Mask {
  masked: string;
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
  const closerLength = new Map<number, number>();

  const closingTag = (name: string, from: number): number => {
    let search = closers.get(name);
    if (search === undefined) {
      const pattern = new RegExp(`</${name}\\s*>`, 'gi');
      search = forwardSearch((start) => {
        pattern.lastIndex = start;
        const match = pattern.exec(text);
        if (match === null) return -1;
        closerLength.set(match.index, match[0].length);
        return match.index;
      });
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
      let nameEnd = lt + 1;
      while (nameEnd < to && isTagNameChar(text.charCodeAt(nameEnd))) nameEnd += 1;
      const name = text.slice(lt + 1, nameEnd).toLowerCase();
      const known = RAW_TAGS.has(name) || WIKITEXT_TAGS.has(name) || name === INCLUDEONLY;
      const after = text.charCodeAt(nameEnd);
      const opens = isSpace(after) || after === 62 /* > */ || (after === 47 /* / */ && text.charCodeAt(nameEnd + 1) === 62);
      const gt = known && opens ? nextGt(nameEnd) : -1;
      if (gt < 0 || gt >= to) {
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
      const closeEnd = closeStart < 0 ? -1 : closeStart + (closerLength.get(closeStart) ?? 0);
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
  return { masked: applyBlanks(text, blanks), regions, blocks };
}

/** Replaces sorted, disjoint ranges with spaces (newlines too: a comment inside a line must not split it). */
function applyBlanks(text: string, ranges: ReadonlyArray<readonly [number, number]>): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    parts.push(text.slice(at, start), ' '.repeat(end - start));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

function hasMediaExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  return MEDIA_EXTENSIONS.has(name.slice(dot + 1).trim().toLowerCase());
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

  /** A gallery or imagemap line's file part: the namespace prefix is optional there. */
  blockFile(part: string): string | null {
    if (part.length > MAX_NAME_SOURCE) return null;
    const decoded = decodeTitleEscapes(part).trim();
    const rest = stripNamespace(decoded, this.names.file) ?? stripNamespace(decoded, this.names.media);
    // Uploads never contain ':', so an unprefixed name with one is another namespace (or garbage).
    if (rest === null && decoded.includes(':')) return null;
    return canonicalFileTitle(rest ?? decoded);
  }

  /**
   * A template value that is wholly one file name with a media extension, `File:` prefix optional. Positional
   * values count too: `{{Gallery|File:A.jpg|...}}`, `{{Wide image|A.jpg|...}}`, `{{Double image|right|A.jpg|...}}`.
   */
  templateValue(value: string): string | null {
    const trimmed = value.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_NAME_SOURCE) return null;
    const decoded = decodeTitleEscapes(trimmed).trim();
    const rest = stripNamespace(decoded, this.names.file);
    const name = rest ?? decoded;
    // Uploaded names never contain these; rejecting them keeps URLs and other prefixed titles out.
    if (/[:/\\]/.test(name) || !hasMediaExtension(name)) return null;
    return canonicalFileTitle(name);
  }

  blocks(masked: string, blocks: readonly Block[]): void {
    for (const block of blocks) {
      let lineStart = block.start;
      while (lineStart < block.end) {
        const newline = masked.indexOf('\n', lineStart);
        const lineEnd = newline < 0 || newline > block.end ? block.end : newline;
        const line = masked.slice(lineStart, lineEnd);
        const indent = line.length - line.trimStart().length;
        const content = line.trim();
        lineStart = lineEnd + 1;
        if (content.length === 0 || (block.kind === 'imagemap' && content.startsWith('#'))) continue;
        const bar = content.indexOf('|');
        const image = this.blockFile(bar < 0 ? content : content.slice(0, bar));
        if (image !== null) this.found.push({ image, kind: block.kind, offset: lineEnd - line.length + indent });
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
  /** Something opened inside the target (a template, another link): not a literal title. */
  invalid: boolean;
}

interface TemplateFrame {
  kind: 'template';
  segment: number;
  segmentStart: number;
  equals: number;
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

function scan(masked: string, regions: Mask['regions'], extraction: Extraction): void {
  const stack: Frame[] = [];
  // Open link and brace frames above the innermost extension tag: a closer only matches those.
  let links = 0;
  let braces = 0;
  let nextRegion = 0;
  const redirect = REDIRECT.exec(masked.slice(0, 1024));
  const redirectLink = redirect === null ? -1 : redirect[0].length - 2;

  const push = (frame: Frame): void => {
    const parent = stack.length > 0 ? stack[stack.length - 1] : undefined;
    if (parent?.kind === 'link' && parent.targetEnd < 0) parent.invalid = true;
    else if (parent?.kind === 'template') parent.nested = true;
    stack.push(frame);
    if (frame.kind === 'link') links += 1;
    else if (frame.kind !== 'tag') braces += 1;
  };

  const popFrame = (): Frame | undefined => {
    const frame = stack.pop();
    if (frame?.kind === 'link') links -= 1;
    else if (frame?.kind === 'template' || frame?.kind === 'arg') braces -= 1;
    return frame;
  };

  const endSegment = (frame: TemplateFrame, end: number): void => {
    if (frame.segment > 0 && !frame.nested) {
      const named = frame.equals >= 0;
      const valueStart = named ? frame.equals + 1 : frame.segmentStart;
      const value = masked.slice(valueStart, end);
      const image = extraction.templateValue(value);
      if (image !== null) {
        const offset = valueStart + (value.length - value.trimStart().length);
        frame.candidates.push({ image, kind: named ? 'template-param' : 'template-positional', offset });
      }
    }
    frame.segment += 1;
    frame.segmentStart = end + 1;
    frame.equals = -1;
    frame.nested = false;
  };

  const closeLink = (at: number): void => {
    let frame = popFrame();
    while (frame !== undefined && frame.kind !== 'link') frame = popFrame();
    if (frame === undefined || frame.invalid || frame.start === redirectLink) return;
    const targetEnd = frame.targetEnd < 0 ? at : frame.targetEnd;
    const image = extraction.linkTarget(masked.slice(frame.contentStart, targetEnd));
    if (image !== null) extraction.found.push({ image, kind: 'link', offset: frame.start });
  };

  /** Closes the innermost `{{` or `{{{` with up to `available` braces; returns how many it used (0: none). */
  const closeBraces = (at: number, available: number): number => {
    let top = stack[stack.length - 1];
    while (top?.kind === 'link') {
      popFrame();
      top = stack[stack.length - 1];
    }
    if (top?.kind === 'arg') {
      if (available < 3) return 0;
      popFrame();
      return 3;
    }
    if (top?.kind !== 'template') return 0;
    popFrame();
    endSegment(top, at);
    // Committed only now: parameters of a `{{` that never closes are plain text, not template input.
    for (const candidate of top.candidates) extraction.found.push(candidate);
    return 2;
  };

  const length = masked.length;
  // Plain text is skipped in one native search per stretch; the cached answer only moves forward.
  const special = /[[\]{}|=]/g;
  let nextSpecial = -1;
  const tagEnds: number[] = [];
  let tagEnd = length;
  let i = 0;
  while (i < length) {
    if (nextSpecial < i) {
      special.lastIndex = i;
      nextSpecial = special.exec(masked)?.index ?? length;
    }
    const regionStart = nextRegion < regions.length ? regions[nextRegion]!.start : length;
    const stop = Math.min(nextSpecial, regionStart, tagEnd);
    if (stop > i) {
      i = stop;
      continue;
    }
    let top = stack.length > 0 ? stack[stack.length - 1] : undefined;
    while (top?.kind === 'tag' && i >= top.end) {
      while (stack.pop() !== top) {
        // Frames left open inside an extension tag end with it, as in MediaWiki's preprocessor.
      }
      links = top.outerLinks;
      braces = top.outerBraces;
      tagEnds.pop();
      tagEnd = tagEnds.length > 0 ? tagEnds[tagEnds.length - 1]! : length;
      top = stack.length > 0 ? stack[stack.length - 1] : undefined;
    }
    while (nextRegion < regions.length && regions[nextRegion]!.start <= i) {
      const region = regions[nextRegion]!;
      nextRegion += 1;
      push({ kind: 'tag', end: region.end, outerLinks: links, outerBraces: braces });
      links = 0;
      braces = 0;
      tagEnds.push(region.end);
      tagEnd = region.end;
      top = stack[stack.length - 1];
    }
    if (i < nextSpecial) continue;
    const code = masked.charCodeAt(i);
    if (code === 91 /* [ */ || code === 123 /* { */) {
      let run = 1;
      while (masked.charCodeAt(i + run) === code) run += 1;
      if (run >= 2 && code === 91) {
        push({ kind: 'link', start: i + run - 2, contentStart: i + run, targetEnd: -1, invalid: false });
      } else if (run >= 2) {
        for (let left = run; left >= 2; ) {
          if (left === 3) {
            push({ kind: 'arg' });
            left = 0;
          } else {
            const segmentStart = i + run;
            push({ kind: 'template', segment: 0, segmentStart, equals: -1, nested: false, candidates: [] });
            left -= 2;
          }
        }
      }
      i += run;
      continue;
    }
    if (code === 93 /* ] */ || code === 125 /* } */) {
      let run = 1;
      while (masked.charCodeAt(i + run) === code) run += 1;
      let used = 0;
      if (code === 93) {
        while (run - used >= 2 && links > 0) {
          closeLink(i + used);
          used += 2;
        }
      } else {
        while (run - used >= 2 && braces > 0) {
          const took = closeBraces(i + used, run - used);
          if (took === 0) break;
          used += took;
        }
      }
      i += run;
      continue;
    }
    if (code === 124 /* | */) {
      if (top?.kind === 'link' && top.targetEnd < 0) top.targetEnd = i;
      else if (top?.kind === 'template') endSegment(top, i);
    } else if (code === 61 /* = */) {
      if (top?.kind === 'template' && top.segment > 0 && top.equals < 0) top.equals = i;
    }
    i += 1;
  }
}

function collect(wikitext: string, names: FileNamespaceNames): Candidate[] {
  const { masked, regions, blocks } = mask(wikitext);
  const extraction = new Extraction(names);
  extraction.blocks(masked, blocks);
  // An imagemap's area lines link to pages; `[[File:...]]` there is a link target, not an embed.
  const imagemaps = blocks.filter((block) => block.kind === 'imagemap').map((b) => [b.start, b.end] as const);
  scan(applyBlanks(masked, imagemaps), regions, extraction);
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
