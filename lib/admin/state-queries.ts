// Read-only queries behind the admin API's state look-ups. Columns are listed explicitly, so a migration that adds a
// column changes nothing here until it is added on purpose; every value is a bound parameter.
import type { RecommendationCursor } from './cursor.ts';
import { APPLICATION_NAME } from '../store/pool.ts';

/** The part of pg.Pool the queries need (tests pass a fake). */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

export const RECOMMENDATION_STATUSES = ['accepted', 'rejected', 'undecided', 'invalidated', 'applied', 'removed'] as const;
export type RecommendationStatus = (typeof RECOMMENDATION_STATUSES)[number];

export interface PageImageState {
  wiki: string;
  page_id: number;
  page_title: string;
  rev_id: number;
  rev_timestamp: string | null;
  images: string[];
  illustrated: boolean;
  illustrated_by_suggestion: boolean | null;
  is_redirect: boolean;
  updated_at: string;
}

export interface RecommendationRow {
  wiki: string;
  page_id: number;
  image: string;
  status: RecommendationStatus;
  reasons: string[];
  source: string;
  event_dt: string;
  rev_id: number | null;
  event_id: string | null;
  updated_at: string;
  /** The section the decision was made in (feedback 2.1.0), or null. */
  section_title: string | null;
  section_ordinal: number | null;
}

/** A rejection that rules the image out of one section only (sectionnotappropriate). */
export type SectionDecisionRow = {
  image: string;
  section_title: string;
  section_ordinal: number | null;
  status: 'rejected';
  reasons: string[];
  source: string;
  event_dt: string;
  event_id: string | null;
  updated_at: string;
};

/** An event recorded as unprocessable for good (its revision's text is gone, its title names no page). */
export type UnprocessableEventRow = {
  /** `rev:<rev_id>` or `title:<DB key>`. */
  ref: string;
  reason: 'revision_missing' | 'revision_hidden' | 'page_missing' | 'title_invalid';
  stream: string | null;
  event_id: string | null;
  recorded_at: string;
};

/** At most this many unprocessable events are listed per page, newest first. */
export const UNPROCESSABLE_PER_PAGE = 100;

// Microsecond UTC timestamps: what the keyset cursor compares on, and precise for clients.
const ts = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const RECOMMENDATION_COLUMNS = `wiki, page_id::text AS page_id, image, status, reasons, source, ${ts('event_dt')} AS event_dt,
  rev_id::text AS rev_id, event_id, ${ts('updated_at')} AS updated_at, section_title, section_ordinal`;

type Raw<T, K extends keyof T> = Omit<T, K> & { [P in K]: string | null };

function toRecommendation(row: Raw<RecommendationRow, 'page_id' | 'rev_id'>): RecommendationRow {
  return { ...row, page_id: Number(row.page_id), rev_id: row.rev_id === null ? null : Number(row.rev_id) };
}

export async function pageState(
  db: Queryable,
  wiki: string,
  pageId: string,
): Promise<{
  image_state: PageImageState | null;
  recommendations: RecommendationRow[];
  section_decisions: SectionDecisionRow[];
  unprocessable_events: UnprocessableEventRow[];
}> {
  const [state, recs, sections, unprocessable] = await Promise.all([
    db.query<Raw<PageImageState, 'page_id' | 'rev_id'>>(
      `SELECT wiki, page_id::text AS page_id, page_title, rev_id::text AS rev_id, ${ts('rev_timestamp')} AS rev_timestamp,
              images, illustrated, illustrated_by_suggestion, is_redirect, ${ts('updated_at')} AS updated_at
         FROM page_image_state WHERE wiki = $1 AND page_id = $2::bigint`,
      [wiki, pageId],
    ),
    db.query<Raw<RecommendationRow, 'page_id' | 'rev_id'>>(
      `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendation_status WHERE wiki = $1 AND page_id = $2::bigint ORDER BY image`,
      [wiki, pageId],
    ),
    db.query<SectionDecisionRow>(
      `SELECT image, section_title, section_ordinal, status, reasons, source, ${ts('event_dt')} AS event_dt, event_id, ${ts('updated_at')} AS updated_at
         FROM recommendation_section_status WHERE wiki = $1 AND page_id = $2::bigint ORDER BY image, section_title`,
      [wiki, pageId],
    ),
    // A page known only from here (every revision seen was deleted or hidden) is then not a bare 404.
    db.query<UnprocessableEventRow>(
      `SELECT ref, reason, stream, event_id, ${ts('recorded_at')} AS recorded_at
         FROM unprocessable_event WHERE wiki = $1 AND page_id = $2::bigint ORDER BY recorded_at DESC, ref LIMIT $3`,
      [wiki, pageId, UNPROCESSABLE_PER_PAGE],
    ),
  ]);
  const row = state.rows[0];
  return {
    image_state: row ? { ...row, page_id: Number(row.page_id), rev_id: Number(row.rev_id) } : null,
    recommendations: recs.rows.map(toRecommendation),
    section_decisions: sections.rows,
    unprocessable_events: unprocessable.rows,
  };
}

export interface RecommendationQuery {
  wiki?: string;
  status?: RecommendationStatus;
  /** ISO time: only rows updated at or after it. */
  since?: string;
  limit: number;
  after?: RecommendationCursor;
}

/**
 * Rows are listed only below this horizon: the start of the oldest transaction of a router connection still open.
 * `updated_at` is the writing transaction's start (`now()`), so a transaction that commits after a later-started
 * one has rows *before* rows a reader may already have passed; holding back everything from the oldest open
 * transaction's start on means a reader polling with its cursor never skips a row. Router connections carry the
 * application_name set in lib/store/pool.ts; another role's sessions show no xact_start unless the reading role
 * has pg_read_all_stats, so writers and the admin API share a role (they share the pool in one process).
 */
const visibleBelowHorizon = (applicationName: string) => `updated_at < coalesce((SELECT min(a.xact_start) FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.application_name = ${applicationName}
        AND a.xact_start IS NOT NULL AND a.pid <> pg_backend_pid()), 'infinity')`;

/**
 * One page of recommendations in (updated_at, wiki, page_id, image) order, the cursor of the next page (null on
 * the last), and the cursor after the last row returned (`resume`: poll with it later for rows changed since).
 */
export async function listRecommendations(
  db: Queryable,
  q: RecommendationQuery,
): Promise<{ items: RecommendationRow[]; next: RecommendationCursor | null; resume: RecommendationCursor | null }> {
  const values: unknown[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [visibleBelowHorizon(param(APPLICATION_NAME))];
  if (q.wiki !== undefined) where.push(`wiki = ${param(q.wiki)}`);
  if (q.status !== undefined) where.push(`status = ${param(q.status)}`);
  if (q.since !== undefined) where.push(`updated_at >= ${param(q.since)}::timestamptz`);
  if (q.after) {
    const a = q.after;
    where.push(
      `(updated_at, wiki, page_id, image) > (${param(a.updatedAt)}::timestamptz, ${param(a.wiki)}::text, ${param(a.pageId)}::bigint, ${param(a.image)}::text)`,
    );
  }
  // One row more than asked tells whether another page exists without a COUNT.
  const sql = `SELECT ${RECOMMENDATION_COLUMNS} FROM recommendation_status
    WHERE ${where.join(' AND ')}
    ORDER BY updated_at, wiki, page_id, image LIMIT ${param(q.limit + 1)}`;
  const { rows } = await db.query<Raw<RecommendationRow, 'page_id' | 'rev_id'>>(sql, values);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  const after = last ? { updatedAt: last.updated_at, wiki: last.wiki, pageId: String(last.page_id), image: last.image } : null;
  return { items: page.map(toRecommendation), next: rows.length > q.limit ? after : null, resume: after ?? q.after ?? null };
}
