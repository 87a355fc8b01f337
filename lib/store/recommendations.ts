// The recommendation state in PostgreSQL: batched reads of page states and batched, idempotent, forward-only writes
// of revisions and feedback. Rows of concurrent events share one transaction and one statement per table (group
// commit); statuses merge by precedence in the upsert itself, so any interleaving converges. Which transactions may
// overlap, and why the per-page advisory locks make that safe across processes: docs/state.md, "How writes are batched".
import { checkout, type Pool, type PoolClient } from './pool.ts';
import { MicroBatcher } from '../batching/micro-batcher.ts';
import { isConflict, toStoreError } from './db-errors.ts';
import { nextStatus } from '../recommendations/status-precedence.ts';
import { jsonParameter } from './json-parameter.ts';
import type { FeedbackDecision } from '../recommendations/feedback.ts';
import type { IllustrationRule, IllustrationSource, StoredIllustration } from '../recommendations/illustration-change.ts';
import type { ImageChangeRow, PageStateRow, RevisionRows, StatusRow, UnprocessableRow } from '../recommendations/revision-rows.ts';
import type { IoObserver } from '../observe/io-observer.ts';

export interface StoredPageState {
  wiki: string;
  pageId: number;
  revId: number;
  images: string[];
  /** The stored revision's verdict (its rule and counted images null on rows written before migration 007). */
  illustration: StoredIllustration;
}

/** A '|'-joined list read back (see readStates); null stays null. */
const splitNames = (joined: string | null): string[] | null => (joined === null ? null : joined === '' ? [] : joined.split('|'));

/** One event's writes. */
export interface WriteItem {
  revision?: RevisionRows;
  feedback?: FeedbackDecision & { pageId: number };
  unprocessable?: UnprocessableRow[];
}

export interface StoreOptions {
  /** Told about every committed write transaction (latency, rows per table), e.g. for Prometheus. */
  observer?: IoObserver;
  /** Longest a write waits for others to share its transaction (default 1 ms; see docs/state.md). */
  lingerMs?: number;
  /** Most events per transaction (default 2000). */
  maxBatch?: number;
}

export interface StoreStats {
  /** Write transactions committed (one per flush, plus one per item when a flush had to be split). */
  transactions: number;
  /** SQL statements sent by write flushes, BEGIN/COMMIT included. */
  statements: number;
}

const ATTEMPTS_ON_CONFLICT = 3;

/**
 * Class id of the per-page advisory locks (`pg_advisory_xact_lock(int, int)`, see `lockPages`). The two-int form
 * has a key space of its own (objsubid 2 in pg_locks), disjoint from the single-bigint form that migrate.ts's lock
 * and most other advisory-lock users take, so a page lock can never be mistaken for one of those; the class id keeps
 * it apart from other two-int users. Arbitrary and constant ("imagematching-router page locks"); every router
 * process must use the same value.
 */
const PAGE_LOCK_CLASS = 0x1a6e_7a7d;

/**
 * The select list and FROM of the page-lock statement over the JSON rows `{wiki, pageId}` of `json` (see lockPages).
 * Migration 003's status function runs the same text over its `accepted` argument (a unit test keeps them equal):
 * every process must lock a page under the same key.
 */
export function pageLocksSql(json: string): string {
  return `pg_advisory_xact_lock(${PAGE_LOCK_CLASS}, locks.k)
     FROM (SELECT DISTINCT hashtext(u.wiki || ':' || u."pageId"::text) AS k
             FROM json_to_recordset(${json}) AS u(wiki text, "pageId" bigint)
            ORDER BY k) AS locks`;
}

/** Write transactions allowed to overlap. */
const WRITES_IN_FLIGHT = 2;

/**
 * Admits write transactions of this process: 'alone' ones (page_image_state / image_change rows) run with no
 * other, 'shared' ones (statuses, unprocessable events) with other shared ones. First come, first served.
 */
class WriteGate {
  private shared = 0;
  private alone = false;
  private readonly waiting: Array<{ kind: 'alone' | 'shared'; admit: () => void }> = [];

  async run<T>(kind: 'alone' | 'shared', fn: () => Promise<T>): Promise<T> {
    if (this.waiting.length > 0 || !this.admits(kind)) await new Promise<void>((admit) => this.waiting.push({ kind, admit }));
    else this.enter(kind);
    try {
      return await fn();
    } finally {
      if (kind === 'alone') this.alone = false;
      else this.shared -= 1;
      while (this.waiting.length > 0 && this.admits(this.waiting[0]!.kind)) {
        const next = this.waiting.shift()!;
        this.enter(next.kind);
        next.admit();
      }
    }
  }

  private admits(kind: 'alone' | 'shared'): boolean {
    return !this.alone && (kind === 'shared' || this.shared === 0);
  }

  private enter(kind: 'alone' | 'shared'): void {
    if (kind === 'alone') this.alone = true;
    else this.shared += 1;
  }
}

/** Whether a batch writes page_image_state or image_change rows (see the header: such a transaction runs alone). */
function writesPages(items: WriteItem[]): boolean {
  return items.some((i) => i.revision !== undefined && (i.revision.page !== null || i.revision.changes.length > 0));
}

const statusKey = (r: { wiki: string; pageId: number; image: string }) => `${r.wiki}\u0000${r.pageId}\u0000${r.image}`;
const pageKey = (r: { wiki: string; pageId: number }) => `${r.wiki}\u0000${r.pageId}`;
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function feedbackStatusRow(f: FeedbackDecision & { pageId: number }): StatusRow {
  return {
    wiki: f.wiki,
    pageId: f.pageId,
    image: f.image,
    status: f.status,
    reasons: f.reasons,
    source: f.source,
    eventTime: f.eventTime,
    revId: null,
    eventId: f.eventId,
    sectionTitle: f.section?.title ?? null,
    sectionOrdinal: f.section?.ordinal ?? null,
  };
}

/** A rejection ruling an image out for one section (recommendation_section_status, migration 006). */
interface SectionStatusRow {
  wiki: string;
  pageId: number;
  image: string;
  sectionTitle: string;
  sectionOrdinal: number | null;
  status: 'rejected';
  reasons: string[];
  source: string;
  eventTime: number;
  eventId: string | null;
}

/** The rows of one write batch, by table. */
interface BatchRows {
  unprocessable: UnprocessableRow[];
  changes: ImageChangeRow[];
  /** One per page: the newest revision's (ON CONFLICT cannot touch a row twice in one statement). */
  pages: PageStateRow[];
  statuses: StatusRow[];
  /** The accepted statuses among `statuses`. */
  accepted: StatusRow[];
  sections: SectionStatusRow[];
}

function batchRows(items: WriteItem[]): BatchRows {
  const rows: BatchRows = { unprocessable: [], changes: [], pages: [], statuses: [], accepted: [], sections: [] };
  const pages = new Map<string, PageStateRow>();
  for (const item of items) {
    rows.unprocessable.push(...(item.unprocessable ?? []), ...(item.revision?.unprocessable ?? []));
    if (item.revision) {
      rows.changes.push(...item.revision.changes);
      rows.statuses.push(...item.revision.statuses);
      const page = item.revision.page;
      if (page) {
        const prior = pages.get(pageKey(page));
        if (!prior || page.revId > prior.revId) pages.set(pageKey(page), page);
      }
    }
    if (item.feedback?.scope === 'section' && item.feedback.section) {
      const f = item.feedback;
      rows.sections.push({
        wiki: f.wiki,
        pageId: f.pageId,
        image: f.image,
        sectionTitle: f.section!.title,
        sectionOrdinal: f.section!.ordinal,
        status: 'rejected',
        reasons: f.reasons,
        source: f.source,
        eventTime: f.eventTime,
        eventId: f.eventId,
      });
    } else if (item.feedback) {
      const row = feedbackStatusRow(item.feedback);
      rows.statuses.push(row);
      if (row.status === 'accepted') rows.accepted.push(row);
    }
  }
  rows.pages = [...pages.values()];
  return rows;
}

type StatusKey = { wiki: string; pageId: number; image: string };
const byStatusKey = (a: StatusKey, b: StatusKey) => byText(a.wiki, b.wiki) || a.pageId - b.pageId || byText(a.image, b.image);

/**
 * The two JSON parameters of `imagematching_merge_statuses`. The batch is folded first (ON CONFLICT cannot touch a
 * row twice; the precedence is order-independent): the upsert then merges each winner with the stored row. Both
 * lists are sorted by key, so concurrent writers lock rows in one order. Rows go as JSON serialised natively from
 * the row objects: pg's encoding of one text array per column was the largest allocation per event.
 */
function mergeStatusesParameters(incoming: StatusRow[], accepted: StatusRow[]): [string, string] {
  const winners = new Map<string, StatusRow>();
  for (const row of incoming) {
    const key = statusKey(row);
    winners.set(key, nextStatus(winners.get(key) ?? null, row));
  }
  const rows = [...winners.values()].sort(byStatusKey);
  const marks = accepted.map(({ wiki, pageId, image }) => ({ wiki, pageId, image })).sort(byStatusKey);
  return [jsonParameter(rows), jsonParameter(marks)];
}

export class RecommendationStore {
  private readonly writes: MicroBatcher<WriteItem, Error | null>;
  private readonly gate = new WriteGate();
  private readonly reads: MicroBatcher<{ wiki: string; pageId: number }, StoredPageState | null>;
  readonly stats: StoreStats = { transactions: 0, statements: 0 };
  private readonly observer: IoObserver | undefined;

  constructor(
    private readonly pool: Pool,
    options: StoreOptions = {},
  ) {
    this.observer = options.observer;
    const lingerMs = options.lingerMs ?? 1;
    const maxSize = options.maxBatch ?? 2000;
    // Two write transactions at a time per process (WriteGate decides which may overlap): while one commits
    // the next runs its statements, and the batch after fills (group commit).
    this.writes = new MicroBatcher({
      maxSize,
      lingerMs,
      maxInFlight: WRITES_IN_FLIGHT,
      flush: (items) => this.gate.run(writesPages(items) ? 'alone' : 'shared', () => this.flushWrites(items)),
    });
    this.reads = new MicroBatcher({ maxSize, lingerMs, maxInFlight: 4, flush: (keys) => this.readStates(keys) });
  }

  /** Write batches flushed so far (each is one transaction unless it had to be split). */
  get writeBatches(): number {
    return this.writes.stats.batches;
  }

  /** The stored image state of a page, or null; concurrent calls share one query. */
  pageState(wiki: string, pageId: number): Promise<StoredPageState | null> {
    return this.reads.submit({ wiki, pageId });
  }

  /** Resolves once the rows are committed; rejects with a RouterError (DatabaseUnavailableError when down). */
  async write(item: WriteItem): Promise<void> {
    const error = await this.writes.submit(item);
    if (error) throw error;
  }

  async idle(): Promise<void> {
    await Promise.all([this.writes.idle(), this.reads.idle()]);
  }

  private async readStates(keys: Array<{ wiki: string; pageId: number }>): Promise<Array<StoredPageState | null>> {
    // The images come back joined by '|', which no title may contain (the writes join them the same way): one
    // native split instead of pg's character-by-character text[] parser, the larger share of a read's garbage.
    let rows: Array<{
      wiki: string;
      page_id: string;
      rev_id: string;
      images: string;
      illustrated: boolean;
      illustration_rule: IllustrationRule | null;
      illustration_source: IllustrationSource | null;
      counted_images: string | null;
      is_redirect: boolean;
    }>;
    try {
      ({ rows } = await this.pool.query(
        `SELECT s.wiki, s.page_id, s.rev_id, array_to_string(s.images, '|') AS images, s.illustrated, s.illustration_rule,
                s.illustration_source, array_to_string(s.counted_images, '|') AS counted_images, s.is_redirect
           FROM page_image_state s
           JOIN unnest($1::text[], $2::bigint[]) AS k(wiki, page_id) ON s.wiki = k.wiki AND s.page_id = k.page_id`,
        [keys.map((k) => k.wiki), keys.map((k) => k.pageId)],
      ));
    } catch (err) {
      throw toStoreError(err, 'reading page_image_state');
    }
    const byKey = new Map(rows.map((r) => [pageKey({ wiki: r.wiki, pageId: Number(r.page_id) }), r]));
    return keys.map((k) => {
      const r = byKey.get(pageKey(k));
      if (!r) return null;
      return {
        wiki: r.wiki,
        pageId: Number(r.page_id),
        revId: Number(r.rev_id),
        images: splitNames(r.images)!,
        illustration: {
          rule: r.illustration_rule,
          illustrated: r.illustrated,
          source: r.illustration_source,
          counted: splitNames(r.counted_images),
          redirect: r.is_redirect,
        },
      };
    });
  }

  private async flushWrites(items: WriteItem[]): Promise<Array<Error | null>> {
    try {
      await this.transaction(items);
      return items.map(() => null);
    } catch (err) {
      const error = toStoreError(err, 'writing recommendation state');
      // A row the database refuses must not fail the other events of the batch: write them one by one.
      if (error.retriable || items.length === 1) return items.map(() => error);
      const results: Array<Error | null> = [];
      for (const item of items) {
        try {
          await this.transaction([item]);
          results.push(null);
        } catch (single) {
          results.push(toStoreError(single, 'writing recommendation state'));
        }
      }
      return results;
    }
  }

  private async transaction(items: WriteItem[]): Promise<void> {
    const rows = batchRows(items);
    // Statuses alone (feedback) are one statement, atomic by itself: one round trip, no BEGIN and COMMIT.
    const statusesAlone = rows.unprocessable.length === 0 && rows.changes.length === 0 && rows.pages.length === 0 && rows.sections.length === 0;
    if (statusesAlone && rows.statuses.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      const { client, release } = await checkout(this.pool);
      let broken = false;
      try {
        if (statusesAlone) {
          await this.mergeStatuses(client, rows.statuses, rows.accepted);
        } else {
          await this.query(client, 'BEGIN');
          await this.writeAll(client, rows);
          await this.query(client, 'COMMIT');
        }
        this.stats.transactions += 1;
        this.observer?.dbWrite('recommendation_state', (performance.now() - started) / 1000, {
          unprocessable_event: rows.unprocessable.length,
          image_change: rows.changes.length,
          page_image_state: rows.pages.length,
          recommendation_status: rows.statuses.length,
          recommendation_section_status: rows.sections.length,
        });
        return;
      } catch (err) {
        if (!statusesAlone) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
        }
        if (attempt < ATTEMPTS_ON_CONFLICT && isConflict(err)) continue;
        throw err;
      } finally {
        release(broken);
      }
    }
  }

  private async query(client: PoolClient, text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
    this.stats.statements += 1;
    return client.query(text, values);
  }

  /** Writes every row of a batch with page or unprocessable rows, inside the caller's transaction. */
  private async writeAll(client: PoolClient, rows: BatchRows): Promise<void> {
    const { unprocessable, changes, pages, statuses, accepted, sections } = rows;
    // The page locks come first, before any statement that reads or locks rows (see the header and lockPages):
    // pages whose image_change or page_image_state rows are written, and pages with an accepted status (only
    // feedback accepts; the status function marks it, insertChanges' EXISTS reads a stored one). lockPages
    // dedupes; the status function takes the acceptances' locks again, which this transaction already holds.
    const locked = [...changes, ...pages, ...accepted];
    if (locked.length > 0) await this.lockPages(client, locked);
    if (unprocessable.length > 0) await this.insertUnprocessable(client, unprocessable);
    if (changes.length > 0) await this.insertChanges(client, changes);
    if (pages.length > 0) await this.upsertPages(client, pages);
    if (statuses.length > 0) await this.mergeStatuses(client, statuses, accepted);
    if (sections.length > 0) await this.upsertSectionStatuses(client, sections);
  }

  /** Section-scoped rejections: the later decision on a (page, image, section) wins; a tie keeps the stored one. */
  private async upsertSectionStatuses(client: PoolClient, rows: SectionStatusRow[]): Promise<void> {
    const latest = new Map<string, SectionStatusRow>();
    for (const r of rows) {
      const key = `${statusKey(r)}\u0000${r.sectionTitle}`;
      const prior = latest.get(key);
      if (!prior || r.eventTime > prior.eventTime) latest.set(key, r);
    }
    const sorted = [...latest.values()].sort((a, b) => byStatusKey(a, b) || byText(a.sectionTitle, b.sectionTitle));
    await this.query(
      client,
      `INSERT INTO recommendation_section_status AS s (wiki, page_id, image, section_title, section_ordinal, status, reasons, source, event_dt, event_id, updated_at)
       SELECT r.wiki, r."pageId", r.image, r."sectionTitle", r."sectionOrdinal", r.status, r.reasons, r.source,
              'epoch'::timestamptz + r."eventTime" * interval '1 millisecond', r."eventId", now()
         FROM json_to_recordset($1::json)
              AS r(wiki text, "pageId" bigint, image text, "sectionTitle" text, "sectionOrdinal" integer, status text, reasons text[], source text, "eventTime" bigint, "eventId" text)
       ON CONFLICT (wiki, page_id, image, section_title) DO UPDATE SET
              section_ordinal = excluded.section_ordinal, status = excluded.status, reasons = excluded.reasons, source = excluded.source,
              event_dt = excluded.event_dt, event_id = excluded.event_id, updated_at = excluded.updated_at
        WHERE excluded.event_dt > s.event_dt`,
      [jsonParameter(sorted)],
    );
  }

  /**
   * Transaction-scoped advisory locks on the pages, all in one statement and in ascending key order (the subquery's
   * DISTINCT and ORDER BY keep the planner from reordering the volatile lock calls), so two transactions that could
   * miss each other's by_suggestion rows run one after the other per page, and never deadlock (docs/state.md).
   */
  private async lockPages(client: PoolClient, pages: Array<{ wiki: string; pageId: number }>): Promise<void> {
    await this.query(client, `SELECT ${pageLocksSql('$1::json')}`, [jsonParameter(pages.map(({ wiki, pageId }) => ({ wiki, pageId })))]);
  }


  private async insertUnprocessable(client: PoolClient, rows: UnprocessableRow[]): Promise<void> {
    rows.sort((a, b) => byText(a.wiki, b.wiki) || byText(a.ref, b.ref));
    await this.query(
      client,
      `INSERT INTO unprocessable_event (wiki, ref, reason, page_id, stream, event_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
       ON CONFLICT (wiki, ref) DO NOTHING`,
      [rows.map((r) => r.wiki), rows.map((r) => r.ref), rows.map((r) => r.reason), rows.map((r) => r.pageId), rows.map((r) => r.stream), rows.map((r) => r.eventId)],
    );
  }

  private async insertChanges(client: PoolClient, rows: ImageChangeRow[]): Promise<void> {
    rows.sort((a, b) => byText(a.wiki, b.wiki) || a.revId - b.revId || byText(a.image, b.image) || byText(a.change, b.change));
    // An image added after its suggestion was accepted came from the suggestion, whatever the edit summary says.
    await this.query(
      client,
      `INSERT INTO image_change (wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id)
       SELECT r.wiki, r.page_id, r.rev_id, r.image, r.change, r.rev_timestamp,
              r.by_suggestion OR (r.change = 'added' AND EXISTS (
                SELECT 1 FROM recommendation_status s
                 WHERE s.wiki = r.wiki AND s.page_id = r.page_id AND s.image = r.image AND s.status = 'accepted')),
              r.event_id
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::boolean[], $8::text[])
              AS r(wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id)
       ON CONFLICT (wiki, rev_id, image, change) DO NOTHING`,
      [
        rows.map((r) => r.wiki),
        rows.map((r) => r.pageId),
        rows.map((r) => r.revId),
        rows.map((r) => r.image),
        rows.map((r) => r.change),
        rows.map((r) => r.revTimestamp),
        rows.map((r) => r.bySuggestion),
        rows.map((r) => r.eventId),
      ],
    );
  }

  private async upsertPages(client: PoolClient, rows: PageStateRow[]): Promise<void> {
    rows.sort((a, b) => byText(a.wiki, b.wiki) || a.pageId - b.pageId);
    // Image names never contain '|', so a joined string carries each row's array through unnest.
    await this.query(
      client,
      `INSERT INTO page_image_state AS p (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion, is_redirect,
                                         counted_images, illustration_source, illustration_rule, updated_at)
       SELECT r.wiki, r.page_id, r.page_title, r.rev_id, r.rev_timestamp, string_to_array(r.images, '|'), r.illustrated,
              CASE WHEN r.images = '' THEN NULL ELSE EXISTS (
                SELECT 1 FROM image_change c
                 WHERE c.wiki = r.wiki AND c.page_id = r.page_id AND c.change = 'added' AND c.by_suggestion
                   AND c.image = ANY (string_to_array(r.images, '|'))) END,
              r.is_redirect,
              string_to_array(r.counted_images, '|'), r.illustration_source, r.illustration_rule,
              now()
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::timestamptz[], $6::text[], $7::boolean[], $8::boolean[], $9::text[], $10::text[], $11::text[])
              AS r(wiki, page_id, page_title, rev_id, rev_timestamp, images, is_redirect, illustrated, counted_images, illustration_source, illustration_rule)
       ON CONFLICT (wiki, page_id) DO UPDATE SET
              page_title = excluded.page_title,
              rev_id = excluded.rev_id,
              rev_timestamp = excluded.rev_timestamp,
              images = excluded.images,
              illustrated = excluded.illustrated,
              illustrated_by_suggestion = excluded.illustrated_by_suggestion,
              is_redirect = excluded.is_redirect,
              counted_images = excluded.counted_images,
              illustration_source = excluded.illustration_source,
              illustration_rule = excluded.illustration_rule,
              updated_at = excluded.updated_at
        WHERE excluded.rev_id > p.rev_id`,
      [
        rows.map((r) => r.wiki),
        rows.map((r) => r.pageId),
        rows.map((r) => r.title),
        rows.map((r) => r.revId),
        rows.map((r) => r.revTimestamp),
        rows.map((r) => r.images.join('|')),
        rows.map((r) => r.isRedirect),
        rows.map((r) => r.illustrated),
        rows.map((r) => r.countedImages.join('|')),
        rows.map((r) => r.illustrationSource),
        rows.map((r) => r.illustrationRule),
      ],
    );
  }

  /**
   * The statuses of the batch and its acceptances, in one statement: `imagematching_merge_statuses` (migration
   * 003) takes the acceptances' page locks, merges the statuses by precedence and marks the acceptances.
   */
  private async mergeStatuses(client: PoolClient, incoming: StatusRow[], accepted: StatusRow[]): Promise<void> {
    await this.query(client, 'SELECT imagematching_merge_statuses($1::json, $2::json)', mergeStatusesParameters(incoming, accepted));
  }
}
