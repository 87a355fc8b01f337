// Page titles: display title → DB key, and the answer of `action=query&titles=...&redirects=1`, which
// renames each title (normalisation, then redirects) before it names a page. Pure functions.

export type TitleLookup =
  | { kind: 'found'; title: string; pageId: number; namespace: number; redirectedFrom?: string }
  | { kind: 'missing'; title: string }
  | { kind: 'invalid'; title: string; reason: string };

// MediaWiki turns every run of these into one underscore (Title::secureAndSplit).
const SPACES = /[\s_\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g;
const DIRECTION_MARKS = /[\u200e\u200f\u202a-\u202e]/g;
// eslint-disable-next-line no-control-regex
const ILLEGAL = /[[\]{}|#<>\u0000-\u001f\u007f]/;

/**
 * DB-key form of a page title as shown to readers (`Earthworm`, `New York City`): whitespace collapsed,
 * first letter upper-cased (every Wikipedia capitalises), spaces as underscores. Null when invalid.
 */
export function pageTitleToDbKey(display: string): string | null {
  const spaced = display.replace(DIRECTION_MARKS, '').replace(SPACES, ' ').trim();
  if (spaced.length === 0 || ILLEGAL.test(spaced) || spaced.startsWith(':')) return null;
  const first = spaced.codePointAt(0)!;
  const char = String.fromCodePoint(first);
  const upper = char.toUpperCase();
  const capitalised = [...upper].length === 1 ? upper + spaced.slice(char.length) : spaced;
  return capitalised.replace(/ /g, '_');
}

export function titlesQuery(titles: readonly string[]): Record<string, string> {
  return {
    action: 'query',
    titles: titles.map((t) => t.replace(/_/g, ' ')).join('|'),
    redirects: '1',
    format: 'json',
    formatversion: '2',
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const key = (title: string): string => title.replace(/_/g, ' ');

/** One lookup per requested title (DB key or display form), in request order. */
export function parseTitles(json: Record<string, unknown>, requested: readonly string[]): TitleLookup[] {
  const query = record(json.query) ?? {};
  const renames = new Map<string, string>();
  for (const list of [query.normalized, query.converted]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const e = record(entry);
      if (typeof e?.from === 'string' && typeof e.to === 'string') renames.set(key(e.from), key(e.to));
    }
  }
  const redirects = new Map<string, string>();
  if (Array.isArray(query.redirects)) {
    for (const entry of query.redirects) {
      const e = record(entry);
      if (typeof e?.from === 'string' && typeof e.to === 'string') redirects.set(key(e.from), key(e.to));
    }
  }
  const pages = new Map<string, Record<string, unknown>>();
  const rawPages = Array.isArray(query.pages) ? query.pages : Object.values(record(query.pages) ?? {});
  for (const raw of rawPages) {
    const page = record(raw);
    if (typeof page?.title === 'string') pages.set(key(page.title), page);
  }
  return requested.map((asked) => {
    let title = key(asked);
    title = renames.get(title) ?? title;
    let redirectedFrom: string | undefined;
    // Redirect chains are resolved by the API; the guard stops a malformed answer from looping.
    for (let hops = 0; redirects.has(title) && hops < 10; hops++) {
      redirectedFrom ??= title.replace(/ /g, '_');
      title = redirects.get(title)!;
    }
    const page = pages.get(title);
    const dbKey = title.replace(/ /g, '_');
    if (!page) return { kind: 'missing', title: dbKey };
    if (page.invalid === true) return { kind: 'invalid', title: dbKey, reason: String(page.invalidreason ?? 'invalid title') };
    const pageId = Number(page.pageid);
    if (page.missing === true || !Number.isInteger(pageId) || pageId <= 0) return { kind: 'missing', title: dbKey };
    return {
      kind: 'found',
      title: dbKey,
      pageId,
      namespace: Number(page.ns ?? 0),
      ...(redirectedFrom === undefined ? {} : { redirectedFrom }),
    };
  });
}
