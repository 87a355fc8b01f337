// Reads `action=query&prop=fileusage` answers: how many namespace-0 pages link each asked file (imagelinks), exactly,
// or at least so many when the answer stopped at its limit. By file name, never by position in the answer.
//
// Why prop=fileusage and not list=imageusage. list=imageusage takes one title per request; prop=fileusage takes up
// to 50, and their rows share one `fulimit`, ordered by file then page (ApiQueryBacklinksprop: ORDER BY il_to,
// il_from; `fucontinue` = the first row left out). So one request answers every file whose rows fit, and a file
// with more rows than the limit fills it and is an icon (the limit is at least the smallest icon count). Files
// after it in the answer's order are not reached: they are asked again, without the files already answered,
// instead of paging through the icon's rows. A page's look-ups thus cost at most one request per icon met before
// the answer is known, never more than list=imageusage's one per file, and usually one for many files.
// The answer's `fucontinue` names the cut file; a file before it with rows is complete. A file without rows in a
// cut answer is not assumed to precede the cut (that would rely on the database's byte order): it is asked again.

/** Titles one request may carry (the Action API's limit without apihighlimits). */
export const FILE_USAGE_MAX_TITLES = 50;
/** Rows one request may ask for (`fulimit` maximum without apihighlimits). */
export const FILE_USAGE_MAX_LIMIT = 500;

export type FileUsageLookup =
  /** `count` namespace-0 pages link the file: exactly when `complete`, else at least (the answer stopped). */
  | { kind: 'counted'; name: string; count: number; complete: boolean }
  /** The API refused the title: it cannot be linked, so no page uses it. */
  | { kind: 'invalid'; name: string; reason: string };

/**
 * The query for the usage of `names` (DB keys without namespace) in namespace 0, asking for `enough` rows per
 * file: a file with that many is known to be an icon. Rows are page ids only, the smallest answer.
 */
export function fileUsageQuery(names: readonly string[], enough: number): Record<string, string> {
  if (names.length === 0 || names.length > FILE_USAGE_MAX_TITLES) throw new RangeError(`fileUsageQuery: ${names.length} titles (1 to ${FILE_USAGE_MAX_TITLES})`);
  if (enough < 1 || enough > FILE_USAGE_MAX_LIMIT) throw new RangeError(`fileUsageQuery: ${enough} rows per file (1 to ${FILE_USAGE_MAX_LIMIT})`);
  return {
    action: 'query',
    prop: 'fileusage',
    titles: names.map((name) => `File:${name.replace(/_/g, ' ')}`).join('|'),
    funamespace: '0',
    fuprop: 'pageid',
    fulimit: String(Math.min(FILE_USAGE_MAX_LIMIT, enough * names.length)),
    format: 'json',
    formatversion: '2',
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const spaced = (title: string): string => title.replace(/_/g, ' ');

/** The DB key of a file page's title (`Datei:Foo bar.jpg` → `Foo_bar.jpg`): namespace names hold no colon. */
function fileKey(title: string): string {
  return title.slice(title.indexOf(':') + 1).replace(/ /g, '_');
}

/** One lookup per requested name (DB key), in request order. `json` is the whole API answer. */
export function parseFileUsage(json: Record<string, unknown>, requested: readonly string[]): FileUsageLookup[] {
  const query = record(json.query) ?? {};
  const renames = new Map<string, string>();
  if (Array.isArray(query.normalized)) {
    for (const entry of query.normalized) {
      const e = record(entry);
      if (typeof e?.from === 'string' && typeof e.to === 'string') renames.set(spaced(e.from), spaced(e.to));
    }
  }
  const pages = new Map<string, Record<string, unknown>>();
  for (const raw of Array.isArray(query.pages) ? query.pages : Object.values(record(query.pages) ?? {})) {
    const page = record(raw);
    if (typeof page?.title === 'string') pages.set(spaced(page.title), page);
  }
  const titleOf = (name: string): string => {
    const asked = `File:${spaced(name)}`;
    return renames.get(asked) ?? asked;
  };
  const cut = json.continue !== undefined;
  const next = record(json.continue)?.fucontinue;
  const named = typeof next === 'string' ? next.split('|')[0] : undefined;
  // The file whose rows the limit cut (or that comes next); unknown unless the continuation names an asked file.
  const cutFile = requested.some((name) => fileKey(titleOf(name)) === named) ? named : undefined;
  return requested.map((name): FileUsageLookup => {
    const title = titleOf(name);
    const page = pages.get(title);
    if (page === undefined) return { kind: 'counted', name, count: 0, complete: false };
    if (page.invalid === true) return { kind: 'invalid', name, reason: String(page.invalidreason ?? 'invalid title') };
    const count = Array.isArray(page.fileusage) ? page.fileusage.length : 0;
    const complete = !cut || (cutFile !== undefined && count > 0 && fileKey(title) !== cutFile);
    return { kind: 'counted', name, count, complete };
  });
}
