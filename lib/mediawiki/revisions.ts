// Reads `action=query&prop=revisions` answers: maps every requested revision id to its wikitext, or to why
// there is none (unknown id, hidden or deleted content), by `revid`, never by position in the answer.

export type RevisionLookup =
  | {
      kind: 'found';
      revId: number;
      parentId: number | null;
      pageId: number;
      title: string;
      namespace: number;
      timestamp: string | null;
      text: string;
    }
  /** Unknown id (`badrevids`), or absent from an answer that said nothing more. */
  | { kind: 'missing'; revId: number }
  /** Revision-deleted or suppressed content: `texthidden` / `slots.main.texthidden`, or the text is gone. */
  | { kind: 'hidden'; revId: number }
  /** Left out because the answer reached the API's size limit (`continue`): ask again. */
  | { kind: 'incomplete'; revId: number };

export const REVISION_PROPS = 'ids|timestamp|content';

/** The query parameters of one batch request (formatversion=2; `maxlag` added by the client). */
export function revisionsQuery(revIds: readonly number[]): Record<string, string> {
  return {
    action: 'query',
    prop: 'revisions',
    revids: revIds.join('|'),
    rvprop: REVISION_PROPS,
    rvslots: 'main',
    format: 'json',
    formatversion: '2',
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function badRevIds(query: Record<string, unknown>): Set<number> {
  const bad = new Set<number>();
  const raw = query.badrevids;
  // formatversion=2 answers an object keyed by id; formatversion=1 and some versions an array.
  const entries = Array.isArray(raw) ? raw : Object.values(record(raw) ?? {});
  for (const entry of entries) {
    const id = Number(record(entry)?.revid);
    if (Number.isInteger(id)) bad.add(id);
  }
  for (const key of Object.keys(Array.isArray(raw) ? {} : (record(raw) ?? {}))) {
    const id = Number(key);
    if (Number.isInteger(id)) bad.add(id);
  }
  return bad;
}

/** One lookup per requested id, in request order. `json` is the whole API answer. */
export function parseRevisions(json: Record<string, unknown>, requested: readonly number[]): RevisionLookup[] {
  const query = record(json.query) ?? {};
  const truncated = json.continue !== undefined || json.batchcomplete === false;
  const bad = badRevIds(query);
  const byId = new Map<number, RevisionLookup>();
  const pages = Array.isArray(query.pages) ? query.pages : Object.values(record(query.pages) ?? {});
  for (const rawPage of pages) {
    const page = record(rawPage);
    if (!page || !Array.isArray(page.revisions)) continue;
    for (const rawRev of page.revisions) {
      const rev = record(rawRev);
      const revId = Number(rev?.revid);
      if (!rev || !Number.isInteger(revId)) continue;
      const main = record(record(rev.slots)?.main);
      const hidden = rev.texthidden === true || rev.slotshidden === true || main?.texthidden === true || rev.suppressed === true;
      const content = typeof main?.content === 'string' ? main.content : typeof rev.content === 'string' ? rev.content : undefined;
      if (hidden) {
        byId.set(revId, { kind: 'hidden', revId });
      } else if (content === undefined) {
        // No content and no reason given: cut by the result size limit when the answer continues,
        // otherwise the text is missing from storage, which MediaWiki reports as `missing`/`badcontentformat`.
        byId.set(revId, truncated && main?.missing !== true ? { kind: 'incomplete', revId } : { kind: 'hidden', revId });
      } else {
        const parent = Number(rev.parentid);
        byId.set(revId, {
          kind: 'found',
          revId,
          parentId: Number.isInteger(parent) && parent > 0 ? parent : null,
          pageId: Number(page.pageid),
          title: String(page.title ?? '').replace(/ /g, '_'),
          namespace: Number(page.ns ?? 0),
          timestamp: typeof rev.timestamp === 'string' ? rev.timestamp : null,
          text: content,
        });
      }
    }
  }
  return requested.map((revId) => {
    const found = byId.get(revId);
    if (found) return found;
    if (bad.has(revId)) return { kind: 'missing', revId };
    return truncated ? { kind: 'incomplete', revId } : { kind: 'missing', revId };
  });
}
