// File titles in the DB-key form MediaWiki stores (`Foo_bar.jpg`): decoding of %XX and HTML entities,
// whitespace and first-letter rules, validity, and stripping of a localised File: namespace prefix.
import type { FileNamespaceNames } from './siteinfo.ts';

// MediaWiki titles are capped at 255 bytes of UTF-8.
const MAX_TITLE_BYTES = 255;

// Characters MediaWiki never allows in a title (see $wgLegalTitleChars), plus C0 controls and DEL.
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[[\]{}|#<>\u0000-\u001f\u007f]/;

// Whitespace that MediaWiki's title normaliser turns into an underscore (Title::secureAndSplit).
const SPACES = /[\s_\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;

// Directional marks are invisible, creep in via copy-paste, and MediaWiki removes them from titles.
const DIRECTION_MARKS = /[\u200e\u200f\u202a-\u202e]/g;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  ndash: '\u2013', mdash: '\u2014', lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d',
  hellip: '\u2026', middot: '\u00b7', times: '\u00d7', shy: '\u00ad', eacute: '\u00e9', egrave: '\u00e8',
  aacute: '\u00e1', oacute: '\u00f3', iacute: '\u00ed', uacute: '\u00fa', auml: '\u00e4', ouml: '\u00f6',
  uuml: '\u00fc', Auml: '\u00c4', Ouml: '\u00d6', Uuml: '\u00dc', szlig: '\u00df', ccedil: '\u00e7',
  ntilde: '\u00f1', copy: '\u00a9', reg: '\u00ae', deg: '\u00b0', euro: '\u20ac',
};

const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,15}));/g;

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED_ENTITIES[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex ?? '', 16);
    const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
    return valid ? String.fromCodePoint(code) : whole;
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/** Decodes runs of `%XX` as UTF-8; a run that is not valid UTF-8 (or a bad escape) is left as written. */
function decodePercent(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = i;
    const bytes: number[] = [];
    while (i + 2 < text.length && text.charCodeAt(i) === 37) {
      const hi = hexValue(text.charCodeAt(i + 1));
      const lo = hexValue(text.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) break;
      bytes.push(hi * 16 + lo);
      i += 3;
    }
    if (bytes.length > 0) {
      try {
        out += UTF8.decode(Uint8Array.from(bytes));
      } catch {
        out += text.slice(start, i);
      }
    } else {
      out += text[i];
      i += 1;
    }
  }
  return out;
}

/** Decodes `%XX` escapes and HTML character references, as MediaWiki does for link targets. */
export function decodeTitleEscapes(raw: string): string {
  return decodeEntities(decodePercent(raw));
}

function upperFirst(title: string): string {
  const first = title.codePointAt(0);
  if (first === undefined) return title;
  const char = String.fromCodePoint(first);
  const upper = char.toUpperCase();
  // Characters whose upper case is several letters (ß → SS) stay as they are, like MediaWiki's ucfirst.
  if ([...upper].length !== 1) return title;
  return upper + title.slice(char.length);
}

/**
 * Canonical DB-key form of an already decoded file name without namespace: no leading `:`, whitespace
 * runs collapsed and trimmed, first letter upper-cased, spaces as underscores. Null when invalid.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Most names are canonical already: ASCII letters, digits and a few marks, a capital or a digit first, single
// underscores inside. Every rule below leaves such a name as it is, so it is returned without five rewrites.
const CANONICAL_ASCII = /^[A-Z0-9](?:[A-Za-z0-9.,()'!+-]|_(?!_|$))*$/;

export function canonicalFileTitle(decoded: string): string | null {
  if (decoded.length <= MAX_TITLE_BYTES && CANONICAL_ASCII.test(decoded)) return decoded;
  const withoutMarks = decoded.replace(DIRECTION_MARKS, '');
  if (ILLEGAL.test(withoutMarks)) return null;
  // MediaWiki refuses titles that are not valid UTF-8: a replacement character or a lone surrogate.
  if (withoutMarks.includes('\uFFFD') || LONE_SURROGATE.test(withoutMarks)) return null;
  const spaced = withoutMarks.replace(SPACES, ' ').trim().replace(/^:+/, '').trim();
  if (spaced.length === 0) return null;
  const title = upperFirst(spaced).replace(/ /g, '_');
  if (title === '.' || title === '..' || title.startsWith('./') || title.startsWith('../')) return null;
  if (title.includes('/./') || title.includes('/../') || title.endsWith('/.') || title.endsWith('/..')) return null;
  if (title.includes('~~~')) return null;
  // A UTF-16 unit is at most 3 UTF-8 bytes, so only long titles need the exact count.
  if (title.length * 3 > MAX_TITLE_BYTES && UTF8_ENCODER.encode(title).length > MAX_TITLE_BYTES) return null;
  return title;
}

/** DB-key form of a file name (namespace prefix already removed), or null for an empty or invalid title. */
export function normalizeFileTitle(raw: string): string | null {
  return canonicalFileTitle(decodeTitleEscapes(raw));
}

function namespaceKey(name: string): string {
  return name.replace(SPACES, ' ').trim().toLowerCase();
}

const nameSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function keysOf(names: readonly string[]): ReadonlySet<string> {
  let keys = nameSets.get(names);
  if (keys === undefined) {
    keys = new Set(names.map(namespaceKey));
    nameSets.set(names, keys);
  }
  return keys;
}

/**
 * Removes a leading namespace prefix when it is one of `names` (case-insensitive, spaces and underscores
 * equal, blanks around the colon allowed); returns the rest, or null when no listed prefix is present.
 */
export function stripNamespace(title: string, names: readonly string[]): string | null {
  const colon = title.indexOf(':');
  if (colon < 0) return null;
  if (!keysOf(names).has(namespaceKey(title.slice(0, colon)))) return null;
  return title.slice(colon + 1).replace(/^[\s_]+/, '');
}

/** Removes a leading localised File namespace name (e.g. `Datei:`, `Image:`); null if there is none. */
export function stripFileNamespace(title: string, names: FileNamespaceNames): string | null {
  return stripNamespace(title, names.file);
}
