import { after, before, describe, test } from 'node:test';
import { startReadOnlyAdmin } from '../../helpers/admin-server.ts';
import assert from 'node:assert/strict';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import type { AdminServer } from '../../../lib/admin/server.ts';
import { createTestDatabase } from '../../helpers/services.ts';

interface Recommendation {
  wiki: string;
  page_id: number;
  image: string;
  status: string;
  updated_at: string;
}

describe('state look-ups on a real PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  let server: AdminServer;
  let base: string;

  before(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, pool_size: 2, statement_timeout_ms: 10_000 });
    await migrate(pool);
    await pool.query(
      `INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion)
       VALUES ('enwiki', 42, 'Douglas Adams', 1001, '2024-05-01T10:00:00Z', '{A.jpg,B.png}', true, true)`,
    );
    // 25 rows sharing three timestamps (ties broken by wiki, page and image), one with microseconds.
    const stamps = ['2024-05-01T00:00:00.000001Z', '2024-05-01T00:00:00.000002Z', '2024-05-02T00:00:00Z'];
    for (let i = 0; i < 25; i++) {
      await pool.query(
        `INSERT INTO recommendation_status (wiki, page_id, image, status, source, event_dt, updated_at)
         VALUES ($1, $2, $3, $4, 'test', now(), $5)`,
        [i % 2 === 0 ? 'enwiki' : 'dewiki', 40 + (i % 5), `Img_${String(i).padStart(2, '0')}.jpg`, i % 3 === 0 ? 'accepted' : 'undecided', stamps[i % 3]],
      );
    }
    server = await startReadOnlyAdmin(pool);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server?.close();
    await pool?.end();
    await database?.drop();
  });

  async function allPages(query: string, limit: number): Promise<{ items: Recommendation[]; pages: number }> {
    const items: Recommendation[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await fetch(`${base}/v1/recommendations?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { items: Recommendation[]; next_cursor: string | null };
      items.push(...body.items);
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 100);
    return { items, pages };
  }

  test('a page look-up returns its image state and every recommendation status', async () => {
    const res = await fetch(`${base}/v1/pages/enwiki/42`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { image_state: Record<string, unknown>; recommendations: Recommendation[] };
    assert.equal(body.image_state.page_title, 'Douglas Adams');
    assert.equal(body.image_state.page_id, 42);
    assert.equal(body.image_state.rev_id, 1001);
    assert.deepEqual(body.image_state.images, ['A.jpg', 'B.png']);
    assert.equal(body.image_state.rev_timestamp, '2024-05-01T10:00:00.000000Z');
    assert.deepEqual(body.recommendations.map((r) => r.image), ['Img_02.jpg', 'Img_12.jpg', 'Img_22.jpg']);
    assert.equal((await fetch(`${base}/v1/pages/enwiki/999`)).status, 404);
  });

  test('a page known only from unprocessable events lists them instead of answering 404', async () => {
    await pool.query(
      `INSERT INTO unprocessable_event (wiki, ref, reason, page_id, stream, event_id, recorded_at) VALUES
         ('enwiki', 'rev:5001', 'revision_hidden', 77, 'mediawiki.revision-create', 'e1', '2024-05-01T00:00:00Z'),
         ('enwiki', 'rev:5002', 'revision_missing', 77, 'mediawiki.revision-create', 'e2', '2024-05-02T00:00:00Z'),
         ('dewiki', 'rev:5003', 'revision_missing', 77, 'mediawiki.revision-create', 'e3', '2024-05-02T00:00:00Z')`,
    );
    const res = await fetch(`${base}/v1/pages/enwiki/77`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { image_state: unknown; recommendations: unknown[]; unprocessable_events: unknown[] };
    assert.equal(body.image_state, null);
    assert.deepEqual(body.recommendations, []);
    assert.deepEqual(body.unprocessable_events, [
      { ref: 'rev:5002', reason: 'revision_missing', stream: 'mediawiki.revision-create', event_id: 'e2', recorded_at: '2024-05-02T00:00:00.000000Z' },
      { ref: 'rev:5001', reason: 'revision_hidden', stream: 'mediawiki.revision-create', event_id: 'e1', recorded_at: '2024-05-01T00:00:00.000000Z' },
    ]);
  });

  test('paging through recommendations with the cursor returns every row once, in keyset order', async () => {
    const { items, pages } = await allPages('since=2024-01-01T00:00:00Z', 4);
    assert.equal(items.length, 25);
    assert.equal(pages, 7);
    assert.equal(new Set(items.map((i) => `${i.wiki}/${i.page_id}/${i.image}`)).size, 25);
    const keys = items.map((i) => [i.updated_at, i.wiki, String(i.page_id).padStart(5, '0'), i.image].join('|'));
    assert.deepEqual(keys, [...keys].sort());
    assert.ok(items.some((i) => i.updated_at === '2024-05-01T00:00:00.000001Z'), 'microseconds are kept');
  });

  test('a poller following changes never skips a row whose transaction started earlier but committed later', async () => {
    type Listing = { items: Recommendation[]; resume_cursor: string | null };
    const list = async (cursor: string | null): Promise<Listing> => {
      const res = await fetch(`${base}/v1/recommendations?wiki=frwiki${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      return (await res.json()) as Listing;
    };
    const insert = `INSERT INTO recommendation_status (wiki, page_id, image, status, source, event_dt, updated_at)
                    VALUES ('frwiki', $1, $2, 'accepted', 'test', now(), now())`;
    // Router sessions (createPool names them): the early one stays open while a later one commits.
    const writers = createPool({ url: database.url, pool_size: 2, statement_timeout_ms: 10_000 });
    const early = await writers.connect();
    try {
      await early.query('BEGIN');
      await early.query(insert, [1, 'Early.jpg']);
      await writers.query(insert, [2, 'Late.jpg']);
      const first = await list(null);
      // updated_at is each transaction's start: 'Late.jpg' is held back until the earlier transaction ends, else a
      // poller's cursor would pass it and never see 'Early.jpg', which commits with an earlier updated_at.
      assert.deepEqual(first.items.map((i) => i.image), []);
      await early.query('COMMIT');
      const second = await list(first.resume_cursor);
      assert.deepEqual(second.items.map((i) => i.image), ['Early.jpg', 'Late.jpg']);
      const third = await list(second.resume_cursor);
      assert.deepEqual(third.items, [], 'polling again with the resume cursor returns nothing new');
      assert.equal(third.resume_cursor, second.resume_cursor);
    } finally {
      await early.query('ROLLBACK'); // a no-op after the COMMIT; ends the transaction if an assertion failed first
      early.release();
      await writers.query("DELETE FROM recommendation_status WHERE wiki = 'frwiki'");
      await writers.end();
    }
  });

  test('filters by wiki, status and since narrow the listing', async () => {
    const { items } = await allPages('wiki=enwiki&status=accepted', 2);
    assert.ok(items.length > 0);
    assert.ok(items.every((i) => i.wiki === 'enwiki' && i.status === 'accepted'));
    const late = await allPages('since=2024-05-02T00:00:00Z', 100);
    assert.ok(late.items.length > 0 && late.items.every((i) => i.updated_at === '2024-05-02T00:00:00.000000Z'));
  });
});
