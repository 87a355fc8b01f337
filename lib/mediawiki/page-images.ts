// Reads `action=query&prop=pageprops|info&ppprop=page_image|page_image_free&pageids=...` answers: the image
// PageImages chose for each page (the ImageMatching model's second test), and the revision those facts belong to.
//
// Why pageprops and not prop=pageimages: the model reads these two page props from the page_props table;
// prop=pageimages answers one of them, the free one unless pilicense=any, and needs piprop=name to name it.
// prop=info adds `lastrevid` at no cost, so a caller can tell an answer that has not seen its revision yet.

/** Page ids one request may carry (the Action API's limit without apihighlimits). */
export const PAGE_IMAGES_MAX_IDS = 50;

export type PageImagesLookup =
  | {
      kind: 'found';
      pageId: number;
      /** The page's latest revision as the answering replica knows it; null when the answer did not say. */
      lastRevId: number | null;
      /** `page_image`: the page's best image, free or not. */
      pageImage: string | null;
      /** `page_image_free`: its best freely licensed image. */
      pageImageFree: string | null;
    }
  /** No such page (deleted, or never existed). */
  | { kind: 'missing'; pageId: number }
  /** Absent from the answer: ask again. */
  | { kind: 'unknown'; pageId: number };

export function pageImagesQuery(pageIds: readonly number[]): Record<string, string> {
  if (pageIds.length === 0 || pageIds.length > PAGE_IMAGES_MAX_IDS) {
    throw new RangeError(`pageImagesQuery: ${pageIds.length} page ids (1 to ${PAGE_IMAGES_MAX_IDS})`);
  }
  return {
    action: 'query',
    prop: 'pageprops|info',
    ppprop: 'page_image|page_image_free',
    pageids: pageIds.join('|'),
    format: 'json',
    formatversion: '2',
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function propValue(props: Record<string, unknown> | undefined, name: string): string | null {
  const value = props?.[name];
  return typeof value === 'string' && value.length > 0 ? value : null;
}

/** One lookup per requested page id, in request order. `json` is the whole API answer. */
export function parsePageImages(json: Record<string, unknown>, requested: readonly number[]): PageImagesLookup[] {
  const query = record(json.query) ?? {};
  const byId = new Map<number, Record<string, unknown>>();
  for (const raw of Array.isArray(query.pages) ? query.pages : Object.values(record(query.pages) ?? {})) {
    const page = record(raw);
    const pageId = Number(page?.pageid);
    if (page && Number.isInteger(pageId)) byId.set(pageId, page);
  }
  // formatversion=1 and some errors list unknown ids apart.
  const bad = new Set((Array.isArray(query.badpageids) ? query.badpageids : []).map(Number));
  return requested.map((pageId): PageImagesLookup => {
    const page = byId.get(pageId);
    if (page === undefined) return bad.has(pageId) ? { kind: 'missing', pageId } : { kind: 'unknown', pageId };
    if (page.missing === true || page.missing === '') return { kind: 'missing', pageId };
    const props = record(page.pageprops);
    const lastRevId = Number(page.lastrevid);
    return {
      kind: 'found',
      pageId,
      lastRevId: Number.isInteger(lastRevId) && lastRevId > 0 ? lastRevId : null,
      pageImage: propValue(props, 'page_image'),
      pageImageFree: propValue(props, 'page_image_free'),
    };
  });
}
