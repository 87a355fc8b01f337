// Two router processes (two stores on two pools, so the in-process WriteGate does not apply) accepting a suggestion
// and adding its image at the same time: the per-page advisory lock makes the later transaction see the earlier one's
// rows, so by_suggestion and illustrated_by_suggestion are set whatever the interleaving. A third "blocker" connection
// holds a row lock to pin the first transaction in the middle of its statements; pg_stat_activity tells when each
// store transaction waits, so the interleaving is forced, not timed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, type Pool, type PoolClient } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { RecommendationStore } from '../../../lib/store/recommendations.ts';
import { feedbackWrite, revisionWrite } from '../../helpers/store-writes.ts';
import type { FeedbackDecision } from '../../../lib/recommendations/feedback.ts';
import { createTestDatabase } from '../../helpers/services.ts';

const WIKI = 'enwiki';
const IMAGE = 'Suggested.jpg';
/** An edit of `pageId` whose images go from `parent` to `images`. */
const revision = (pageId: number, revId: number, images: string[], parent: string[]) => revisionWrite(pageId, revId, images, parent);
const feedback = (pageId: number, status: FeedbackDecision['status'], second: number) => feedbackWrite(pageId, IMAGE, status, second);

/** A promise whose settling can be polled; its rejection is observed when `result` is awaited. */
function track(promise: Promise<void>): { settled: boolean; result: Promise<void> } {
  const tracked = {
    settled: false,
    result: promise.finally(() => {
      tracked.settled = true;
    }),
  };
  tracked.result.catch(() => undefined);
  return tracked;
}

/** Polls until `probe` holds; the deadline only guards against a hang, it is no timing assertion. */
async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after 10 s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('by_suggestion between two router processes', () => {
  let drop: () => Promise<void>;
  let admin: Pool;
  const processes: Pool[] = [];

  before(async () => {
    const db = await createTestDatabase();
    drop = db.drop;
    admin = createPool({ url: db.url, pool_size: 4, statement_timeout_ms: 0 });
    await migrate(admin);
    // One connection per "process": the backend its store's transactions run on is known up front.
    for (let i = 0; i < 2; i++) processes.push(createPool({ url: db.url, pool_size: 1, statement_timeout_ms: 0 }));
  });
  after(async () => {
    await Promise.all([admin, ...processes].map((p) => p.end()));
    await drop();
  });

  /** A store of its own, as in another router process, and the backend pid its transactions will run on. */
  const routerProcess = async (pool: Pool) => {
    const { rows } = await pool.query('SELECT pg_backend_pid() AS pid');
    return { store: new RecommendationStore(pool, { lingerMs: 0 }), pid: rows[0].pid as number };
  };

  /** What a backend waits for, and which backends block it. */
  const waiting = async (pid: number): Promise<{ type: string | null; event: string | null; blockers: number[] }> => {
    const { rows } = await admin.query(
      'SELECT wait_event_type AS type, wait_event AS event, pg_blocking_pids(pid) AS blockers FROM pg_stat_activity WHERE pid = $1',
      [pid],
    );
    if (rows.length === 0) throw new Error(`backend ${pid} is gone`);
    return rows[0] as { type: string | null; event: string | null; blockers: number[] };
  };

  /** A transaction on a third connection holding the rows `sql` selects FOR UPDATE; returns its pid and a release. */
  const blocker = async (sql: string, values: unknown[]) => {
    const client: PoolClient = await admin.connect();
    await client.query('BEGIN');
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
    const locked = await client.query(sql, values);
    assert.equal(locked.rowCount, 1, 'the blocker holds one row');
    return {
      pid: rows[0].pid as number,
      release: async () => {
        await client.query('ROLLBACK');
        client.release();
      },
    };
  };

  /** Both flags set: the 'added' image_change row and the page are marked as through the suggestion. */
  const assertIllustratedThroughSuggestion = async (pageId: number) => {
    const change = await admin.query(
      "SELECT by_suggestion FROM image_change WHERE wiki = $1 AND page_id = $2 AND image = $3 AND change = 'added'",
      [WIKI, pageId, IMAGE],
    );
    const page = await admin.query('SELECT images, illustrated_by_suggestion FROM page_image_state WHERE wiki = $1 AND page_id = $2', [WIKI, pageId]);
    assert.deepEqual(change.rows, [{ by_suggestion: true }], "the 'added' image_change row is marked as through the suggestion");
    assert.deepEqual(page.rows, [{ images: [IMAGE], illustrated_by_suggestion: true }], 'the page is illustrated through the suggestion');
  };

  test('an acceptance arriving while the edit adding its image is in flight in another process', async () => {
    const pageId = 1;
    // The page row exists, so the edit's page upsert meets the blocker's row lock after its image_change insert.
    await new RecommendationStore(admin).write({ revision: revision(pageId, 10, [], []) });
    const edit = await routerProcess(processes[0]!);
    const accept = await routerProcess(processes[1]!);
    const block = await blocker('SELECT 1 FROM page_image_state WHERE wiki = $1 AND page_id = $2 FOR UPDATE', [WIKI, pageId]);
    let editing: ReturnType<typeof track> | undefined;
    let accepting: ReturnType<typeof track> | undefined;
    try {
      editing = track(edit.store.write({ revision: revision(pageId, 11, [IMAGE], []) }));
      // The edit has inserted its 'added' image_change row (by_suggestion false: nothing accepted yet) and waits for
      // the page row.
      await until('the edit transaction to wait for the page row the blocker holds', async () => {
        if (editing!.settled) await editing!.result.then(() => assert.fail('the edit committed past the blocked page row'));
        return (await waiting(edit.pid)).blockers.includes(block.pid);
      });
      accepting = track(accept.store.write({ feedback: feedback(pageId, 'accepted', 1) }));
      // Without the page lock the acceptance commits now, its acceptance marks missing the uncommitted 'added' row; with it,
      // the acceptance waits for the edit's advisory lock before its first row statement.
      await until('the acceptance to commit or to wait for the advisory lock the edit holds', async () => {
        if (accepting!.settled) return true;
        const w = await waiting(accept.pid);
        return w.type === 'Lock' && w.event === 'advisory' && w.blockers.includes(edit.pid);
      });
    } finally {
      await block.release();
      await Promise.allSettled([editing?.result, accepting?.result]);
    }
    await Promise.all([editing.result, accepting.result]);
    await assertIllustratedThroughSuggestion(pageId);
  });

  test('an edit adding the image arriving while the acceptance is in flight in another process', async () => {
    const pageId = 2;
    // A stored status row for the pair, so the acceptance's status upsert meets the blocker's row lock.
    await new RecommendationStore(admin).write({ feedback: feedback(pageId, 'undecided', 1) });
    const accept = await routerProcess(processes[0]!);
    const edit = await routerProcess(processes[1]!);
    const block = await blocker('SELECT 1 FROM recommendation_status WHERE wiki = $1 AND page_id = $2 AND image = $3 FOR UPDATE', [
      WIKI,
      pageId,
      IMAGE,
    ]);
    let editing: ReturnType<typeof track> | undefined;
    let accepting: ReturnType<typeof track> | undefined;
    try {
      accepting = track(accept.store.write({ feedback: feedback(pageId, 'accepted', 2) }));
      await until('the acceptance transaction to wait for the status row the blocker holds', async () => {
        if (accepting!.settled) await accepting!.result.then(() => assert.fail('the acceptance committed past the blocked status row'));
        return (await waiting(accept.pid)).blockers.includes(block.pid);
      });
      editing = track(edit.store.write({ revision: revision(pageId, 20, [IMAGE], []) }));
      // Without the page lock the edit inserts its image_change and page rows (the acceptance is not committed: no
      // by_suggestion) and then queues for the same status row behind the acceptance, whose acceptance marks will not see
      // the edit's uncommitted rows; with it, the edit waits for the acceptance's advisory lock before any row.
      await until('the edit to wait for a lock', async () => {
        if (editing!.settled) return true;
        const w = await waiting(edit.pid);
        return w.type === 'Lock' && w.blockers.length > 0;
      });
    } finally {
      await block.release();
      await Promise.allSettled([editing?.result, accepting?.result]);
    }
    await Promise.all([editing.result, accepting.result]);
    await assertIllustratedThroughSuggestion(pageId);
  });
});
