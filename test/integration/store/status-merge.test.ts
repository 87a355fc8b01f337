// Status precedence merged by the upsert itself (INSERT ... ON CONFLICT DO UPDATE ... WHERE <incoming wins>), on the
// real PostgreSQL and on PGlite: the SQL rendering of compareObservations agrees with the JS one for every pair, and
// whatever the order, batching and concurrency of the writes, the stored row is the JS fold with nextStatus.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { RecommendationStore, type WriteItem } from '../../../lib/store/recommendations.ts';
import { compareObservations, nextStatus, STATUSES, type RecommendationStatus } from '../../../lib/recommendations/status-precedence.ts';
import { precedenceKeySql } from '../../../lib/store/precedence-sql.ts';
import { revisionRows } from '../../../lib/recommendations/revision-rows.ts';
import type { StatusRow } from '../../../lib/recommendations/revision-rows.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
// Equal times, 1 ms apart (the precision both sides keep) and 1 s apart.
const TIMES = [T0, T0 + 1, T0 + 1000];
// Null and a zero revision compare equal (coalesce(rev_id, 0) on both sides).
const REV_IDS = [null, 0, 10, 11];
const FEEDBACK_STATUSES: ReadonlySet<RecommendationStatus> = new Set(['accepted', 'rejected', 'undecided', 'invalidated']);

interface Observation {
  status: RecommendationStatus;
  eventTime: number;
  revId: number | null;
}

const POOL: Observation[] = [];
for (const status of STATUSES) for (const eventTime of TIMES) for (const revId of REV_IDS) POOL.push({ status, eventTime, revId });

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** Observation sequences, one per page: every ordered pair of the pool, random triples in every order, random longer runs. */
function sequences(seed: number): Observation[][] {
  const rnd = random(seed);
  const pick = () => POOL[Math.floor(rnd() * POOL.length)]!;
  const out: Observation[][] = [];
  for (const a of POOL) for (const b of POOL) out.push([a, b]);
  for (let i = 0; i < 150; i++) out.push(...permutations([pick(), pick(), pick()]));
  for (let i = 0; i < 300; i++) out.push(Array.from({ length: 4 + Math.floor(rnd() * 4) }, pick));
  return out;
}

const IMAGE = 'Merge.jpg';

/** The status row of observation `index` on page `pageId`; its event id names it. */
function statusRow(pageId: number, index: number, o: Observation): StatusRow {
  return {
    wiki: 'testwiki',
    pageId,
    image: IMAGE,
    status: o.status,
    reasons: o.status === 'rejected' ? ['notrelevant', `r${index}`] : [],
    source: o.revId === null && FEEDBACK_STATUSES.has(o.status) ? 'mediawiki.image_suggestions_feedback' : 'test.status',
    eventTime: o.eventTime,
    revId: o.revId,
    eventId: `p${pageId}-o${index}`,
  };
}

/** Feedback goes in as feedback (also exercises the acceptance marks), the other rows as a revision's status rows. */
function writeItem(row: StatusRow): WriteItem {
  if (row.source === 'mediawiki.image_suggestions_feedback') {
    const { revId: _revId, ...feedback } = row;
    return { feedback: { ...feedback, section: null, scope: 'page' } };
  }
  return { revision: { page: null, changes: [], statuses: [row], unprocessable: [] } };
}

interface StoredStatus {
  status: string;
  eventTime: number;
  revId: number | null;
  eventId: string;
  reasons: string[];
  source: string;
}

const fromStatusRow = (r: StatusRow): StoredStatus => ({
  status: r.status,
  eventTime: r.eventTime,
  revId: r.revId,
  eventId: r.eventId!,
  reasons: r.reasons,
  source: r.source,
});

for (const backend of STORE_BACKENDS) describe(`status merge in the upsert on the ${backend.name}`, () => {
  let close: () => Promise<void>;
  let pool: Pool;

  before(async () => {
    ({ pool, close } = await backend.open());
    await migrate(pool);
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE page_image_state, image_change, recommendation_status, unprocessable_event');
  });
  after(() => close());

  const stored = async (): Promise<Map<number, StoredStatus>> => {
    const { rows } = await pool.query("SELECT page_id, status, event_dt, rev_id, event_id, reasons, source FROM recommendation_status WHERE wiki = 'testwiki'");
    return new Map(
      rows.map((r) => [
        Number(r.page_id),
        {
          status: String(r.status),
          eventTime: (r.event_dt as Date).getTime(),
          revId: r.rev_id === null ? null : Number(r.rev_id),
          eventId: String(r.event_id),
          reasons: r.reasons as string[],
          source: String(r.source),
        },
      ]),
    );
  };

  test('the SQL precedence key orders every pair of observations as compareObservations does', async () => {
    const a: Observation[] = [];
    const b: Observation[] = [];
    for (const x of POOL) {
      for (const y of POOL) {
        a.push(x);
        b.push(y);
      }
    }
    const { rows } = await pool.query(
      `SELECT ${precedenceKeySql('a')} > ${precedenceKeySql('b')} AS wins, ${precedenceKeySql('a')} = ${precedenceKeySql('b')} AS ties
         FROM unnest($1::text[], $2::timestamptz[], $3::bigint[], $4::text[], $5::timestamptz[], $6::bigint[])
              WITH ORDINALITY AS p(a_status, a_dt, a_rev, b_status, b_dt, b_rev, n),
              LATERAL (SELECT p.a_status AS status, p.a_dt AS event_dt, p.a_rev AS rev_id) a,
              LATERAL (SELECT p.b_status AS status, p.b_dt AS event_dt, p.b_rev AS rev_id) b
        ORDER BY p.n`,
      [
        a.map((o) => o.status),
        a.map((o) => new Date(o.eventTime).toISOString()),
        a.map((o) => o.revId),
        b.map((o) => o.status),
        b.map((o) => new Date(o.eventTime).toISOString()),
        b.map((o) => o.revId),
      ],
    );
    assert.equal(rows.length, a.length);
    let wins = 0;
    rows.forEach((r, i) => {
      const js = compareObservations(a[i]!, b[i]!);
      if (js > 0) wins += 1;
      assert.equal(r.wins, js > 0, `${JSON.stringify(a[i])} over ${JSON.stringify(b[i])}`);
      assert.equal(r.ties, js === 0, `${JSON.stringify(a[i])} ties ${JSON.stringify(b[i])}`);
    });
    assert.ok(wins > 0 && wins < a.length / 2, `${wins} of ${a.length} pairs win`);
  });

  // Each mode writes every sequence (one page each) and checks the stored rows. `exact`: the order in which rows
  // meet is known, so the row must be the fold in that order, ties included. Otherwise the row must be one of the
  // observations that tie with the fold's winner (which of those is not determined), with all its fields.
  const modes: Array<{ name: string; exact: boolean; run(items: WriteItem[][]): Promise<void> }> = [
    {
      name: 'one write batch per step, in sequence order',
      exact: true,
      async run(items) {
        const store = new RecommendationStore(pool, { maxBatch: 100_000 });
        const steps = Math.max(...items.map((s) => s.length));
        for (let step = 0; step < steps; step++) {
          await Promise.all(items.flatMap((s) => (s[step] ? [store.write(s[step]!)] : [])));
        }
      },
    },
    {
      name: 'all observations in one write batch',
      exact: true,
      async run(items) {
        const store = new RecommendationStore(pool, { maxBatch: 100_000 });
        await Promise.all(items.flat().map((item) => store.write(item)));
        assert.equal(store.writeBatches, 1);
      },
    },
    {
      name: 'shuffled across many small batches, two transactions in flight',
      exact: false,
      async run(items) {
        const store = new RecommendationStore(pool, { maxBatch: 97, lingerMs: 1 });
        const all = items.flat();
        const rnd = random(7);
        for (let i = all.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [all[i], all[j]] = [all[j]!, all[i]!];
        }
        await Promise.all(all.map((item) => store.write(item)));
        assert.ok(store.writeBatches > 10);
      },
    },
    {
      name: 'spread over three concurrent stores',
      exact: false,
      async run(items) {
        const stores = [0, 1, 2].map((i) => new RecommendationStore(pool, { maxBatch: 250 + i * 50, lingerMs: 1 + i }));
        await Promise.all(items.flatMap((s) => s.map((item, i) => stores[i % stores.length]!.write(item))));
      },
    },
  ];

  for (const mode of modes) {
    test(`the stored status is the fold of nextStatus: ${mode.name}`, async () => {
      const seqs = sequences(42);
      const rows = seqs.map((seq, page) => seq.map((o, i) => statusRow(page + 1, i, o)));
      await mode.run(rows.map((seq) => seq.map(writeItem)));
      const got = await stored();
      assert.equal(got.size, rows.length);
      let checked = 0;
      rows.forEach((seq, page) => {
        const winner = seq.reduce<StatusRow | null>((current, row) => nextStatus(current, row), null)!;
        const row = got.get(page + 1);
        const what = `page ${page + 1}: ${seq.map((r) => `${r.status}@${r.eventTime - T0}/${r.revId}`).join(', ')}`;
        if (mode.exact) {
          assert.deepEqual(row, fromStatusRow(winner), what);
        } else {
          const tied = seq.filter((r) => compareObservations(r, winner) === 0).map(fromStatusRow);
          assert.ok(tied.some((t) => JSON.stringify(t) === JSON.stringify(row)), `${what}: got ${JSON.stringify(row)}`);
        }
        checked += 1;
      });
      assert.equal(checked, seqs.length);
    });
  }

  test('two concurrent write batches touching overlapping keys both commit and converge', async () => {
    // Batches of 300: the second, third, ... batch each hold the same 200 pairs as the first, in another order.
    const store = new RecommendationStore(pool, { maxBatch: 300, lingerMs: 1 });
    const seqs: StatusRow[][] = Array.from({ length: 200 }, (_, page) =>
      Array.from({ length: 6 }, (_, i) => statusRow(page + 1, i, POOL[(page * 7 + i * 13) % POOL.length]!)),
    );
    const order: StatusRow[] = [];
    for (let i = 0; i < 6; i++) {
      const column = seqs.map((s) => s[i]!);
      order.push(...(i % 2 === 0 ? column : column.reverse()));
    }
    const results = await Promise.allSettled(order.map((row) => store.write(writeItem(row))));
    assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);
    assert.equal(store.writeBatches, 4);
    const got = await stored();
    seqs.forEach((seq, page) => {
      const winner = seq.reduce<StatusRow | null>((current, row) => nextStatus(current, row), null)!;
      const row = got.get(page + 1)!;
      assert.ok(seq.some((r) => compareObservations(r, winner) === 0 && JSON.stringify(fromStatusRow(r)) === JSON.stringify(row)), `page ${page + 1}`);
    });
  });

  if (backend.name !== 'PostgreSQL server') return;

  // Real overlap: a test transaction holds one status row, so each store transaction that reaches it waits on the
  // row lock; counting the waiters shows how many of the store's transactions are in flight at once.
  const waitingOnLocks = async (): Promise<number> => {
    const { rows } = await pool.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
    );
    return rows[0].n as number;
  };
  const until = async (what: string, probe: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const blocker = async () => {
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query("SELECT 1 FROM recommendation_status WHERE wiki = 'testwiki' AND page_id = 1 FOR UPDATE");
    return async () => {
      await client.query('COMMIT');
      client.release();
    };
  };
  const seed = () => new RecommendationStore(pool).write(writeItem(statusRow(1, 0, { status: 'undecided', eventTime: T0, revId: null })));

  test('two feedback transactions are in flight at once and both commit', async () => {
    await seed();
    const release = await blocker();
    const store = new RecommendationStore(pool, { maxBatch: 1, lingerMs: 0 });
    const first = store.write(writeItem(statusRow(1, 1, { status: 'rejected', eventTime: T0 + 5, revId: null })));
    const second = store.write(writeItem(statusRow(1, 2, { status: 'accepted', eventTime: T0 + 9, revId: null })));
    try {
      await until('two store transactions waiting on the row lock', async () => (await waitingOnLocks()) === 2);
    } finally {
      await release();
    }
    await Promise.all([first, second]);
    const row = (await stored()).get(1)!;
    assert.equal(row.status, 'accepted');
    assert.equal(row.eventId, 'p1-o2');
  });

  test('a transaction writing page states does not overlap another write transaction', async () => {
    await seed();
    const release = await blocker();
    const store = new RecommendationStore(pool, { maxBatch: 1, lingerMs: 0 });
    const feedback = store.write(writeItem(statusRow(1, 1, { status: 'accepted', eventTime: T0 + 5, revId: null })));
    let edit: Promise<void> = Promise.resolve();
    try {
      await until('the feedback transaction waiting on the row lock', async () => (await waitingOnLocks()) === 1);
      const statements = store.stats.statements;
      // An edit adding the accepted image: its image_change must see the acceptance (by_suggestion).
      edit = store.write({
        revision: revisionRows({
          wiki: 'testwiki',
          domain: 'test.wikipedia.org',
          pageId: 1,
          title: 'Page_1',
          revId: 100,
          parentRevId: 99,
          revTimestamp: new Date(T0 + 60_000).toISOString(),
          dt: new Date(T0 + 60_000).toISOString(),
          images: [IMAGE],
          parentKnown: true,
          added: [IMAGE],
          removed: [],
          changed: true,
          bySuggestion: false,
          suggestionTag: null,
          isRevert: false,
          isRedirect: false,
          stream: 'mediawiki.revision-create',
          unavailable: null,
          eventId: 'edit-100',
          eventTime: 0,
        }),
      });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(store.stats.statements, statements, 'the page-state transaction waits for the one in flight');
    } finally {
      await release();
    }
    await Promise.all([feedback, edit]);
    const change = await pool.query("SELECT by_suggestion FROM image_change WHERE wiki = 'testwiki' AND page_id = 1");
    assert.deepEqual(change.rows, [{ by_suggestion: true }]);
    const page = await pool.query("SELECT illustrated_by_suggestion FROM page_image_state WHERE wiki = 'testwiki' AND page_id = 1");
    assert.deepEqual(page.rows, [{ illustrated_by_suggestion: true }]);
    assert.equal((await stored()).get(1)!.status, 'applied');
  });
});
