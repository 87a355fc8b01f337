// The read API's SQL over the imported datasets (migration 005): a page's suggestions in the Data Gateway's row shape,
// and a wiki's suggestible pages in page_id order. Every value is a bound parameter; every look-up is an index probe.
/**
 * pg.Pool and the embedded pool both take a query config. A named query is prepared once per connection and its plan
 * reused: planning these statements (a view of two tables, a sub-plan) costs several times their execution.
 */
export interface PreparedQueryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: R[] }>;
}

/**
 * The one place where a dataset row meets what the router knows since: a suggestion is served unless
 * `recommendation_exclusions` has its page (image NULL: the page is illustrated) or its (page, image) pair (accepted,
 * rejected, invalidated, applied, removed). A section-level condition belongs here too, for both routes.
 */
export function remainingSuggestionSql(s: string): string {
  // Inside CASE the sub-query stays a per-row sub-plan (two index probes a row). A bare NOT EXISTS becomes an anti-join
  // that the planner may run by sorting or hashing every exclusion of the wiki (docs/performance.md has both plans).
  return `CASE WHEN EXISTS (SELECT 1 FROM recommendation_exclusions e
                             WHERE e.wiki = ${s}.wiki AND e.page_id = ${s}.page_id
                               AND (e.image IS NULL OR (e.image = ${s}.image AND (e.section_title IS NULL OR e.section_title = ${s}.section_heading))))
               THEN false ELSE true END`;
}

/** The wiki's newest dataset by its own time (ties: the later import). */
const NEWEST_DATASET = `SELECT w.dataset_key FROM suggestion_dataset_wiki w WHERE w.wiki = $1
                         ORDER BY w.dataset_time DESC, w.dataset_key DESC LIMIT 1`;

/** One row of GET /public/image_suggestions/suggestions/{wiki}/{page_id}: the Cassandra table's columns and types. */
export interface GatewayRow {
  wiki: string;
  page_id: number;
  /** The dataset: a timeuuid (Cassandra shape) or imagerec_prod's dataset_id. */
  id: string;
  image: string;
  origin_wiki: string | null;
  confidence: number;
  found_on: string[];
  kind: string[];
  page_rev: number | null;
  section_heading: string | null;
  section_index: number | null;
  page_qid: string | null;
}

type RawGatewayRow = Omit<GatewayRow, 'page_id' | 'page_rev' | 'confidence'> & { page_id: string; page_rev: string | null; confidence: number | string };

export const PAGE_SUGGESTIONS_SQL = `WITH newest AS (${NEWEST_DATASET})
SELECT s.wiki, s.page_id::text AS page_id, d.dataset_id AS id, s.image, s.origin_wiki, s.confidence, s.found_on, s.kind,
       s.page_rev::text AS page_rev, s.section_heading, s.section_index, s.page_qid
  FROM newest n
  JOIN image_suggestion s ON s.wiki = $1 AND s.page_id = $2::bigint AND s.dataset_key = n.dataset_key
  JOIN suggestion_dataset d ON d.dataset_key = n.dataset_key
 WHERE ${remainingSuggestionSql('s')}
 ORDER BY s.confidence DESC, s.image, s.section_index NULLS FIRST`;

/**
 * The shortest decimal that reads back as the same 32-bit float: `real` (Cassandra's `float`) as Go's JSON encoder
 * writes it for the Data Gateway (0.9, not 0.8999999761581421).
 */
export function float32Shortest(x: number): number {
  const target = Math.fround(x);
  for (let digits = 1; digits < 10; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  return target;
}

/** The page's remaining suggestions of the wiki's newest dataset, best first (ties by image, then section). */
export async function pageSuggestions(db: PreparedQueryable, wiki: string, pageId: string): Promise<GatewayRow[]> {
  const { rows } = await db.query<RawGatewayRow>({ name: 'imr-page-suggestions', text: PAGE_SUGGESTIONS_SQL, values: [wiki, pageId] });
  return rows.map((r) => ({
    ...r,
    page_id: Number(r.page_id),
    page_rev: r.page_rev === null ? null : Number(r.page_rev),
    confidence: float32Shortest(Number(r.confidence)),
  }));
}

export interface DatasetRef {
  key: number;
  id: string;
  /** The dataset's time, ISO 8601 with microseconds. */
  time: string;
}

export async function newestDataset(db: PreparedQueryable, wiki: string): Promise<DatasetRef | null> {
  const { rows } = await db.query<{ key: number; id: string; time: string }>({
    name: 'imr-newest-dataset',
    text: `SELECT d.dataset_key AS key, d.dataset_id AS id, to_char(d.dataset_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time
             FROM (${NEWEST_DATASET}) n JOIN suggestion_dataset d USING (dataset_key)`,
    values: [wiki],
  });
  return rows[0] ?? null;
}

export interface SuggestiblePage {
  page_id: number;
  /** The page title the dataset gives (imagerec_prod has one, the Cassandra table none). */
  page_title: string | null;
  /** Suggestions left after the exclusions. */
  suggestions: number;
}

export const SUGGESTIBLE_PAGES_SQL = `SELECT s.page_id::text AS page_id, max(s.page_title) AS page_title, count(*)::integer AS suggestions
  FROM image_suggestion s
 WHERE s.wiki = $1 AND s.dataset_key = $2 AND s.page_id > $3::bigint
   AND ${remainingSuggestionSql('s')}
 GROUP BY s.page_id
 ORDER BY s.page_id
 LIMIT $4`;

/**
 * Pages of `dataset` with at least one remaining suggestion, after page `afterPageId`, in page_id order: `limit` of
 * them and whether more follow.
 */
export async function suggestiblePages(
  db: PreparedQueryable,
  wiki: string,
  dataset: DatasetRef,
  afterPageId: string,
  limit: number,
): Promise<{ items: SuggestiblePage[]; more: boolean }> {
  const { rows } = await db.query<{ page_id: string; page_title: string | null; suggestions: number }>({
    name: 'imr-suggestible-pages',
    text: SUGGESTIBLE_PAGES_SQL,
    values: [wiki, dataset.key, afterPageId, limit + 1],
  });
  const items = rows.slice(0, limit).map((r) => ({ page_id: Number(r.page_id), page_title: r.page_title, suggestions: r.suggestions }));
  return { items, more: rows.length > limit };
}
