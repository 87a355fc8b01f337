// The ImageMatching rules (revisions and feedback) on the real broker and database, with router child
// processes, under disturbance: SIGKILLs, a PostgreSQL restart, a Kafka restart, a flaky MediaWiki API, and a
// second router joining and leaving the group. Each run streams the same events into its own topics and
// database and must end with exactly the tables of an undisturbed run, every event committed, none dead-lettered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { waitFor } from '../helpers/services.ts';
import type { RouterProcess } from '../helpers/router-harness.ts';
import { FlakyProxy } from './helpers/flaky-proxy.ts';
import {
  buildEvents,
  createPipeline,
  dropPipeline,
  kafkaScript,
  postgresUp,
  progress,
  restartPostgres,
  settled,
  startRouter,
  stopRouter,
  streamEvents,
  tables,
  topicSize,
  waitForLog,
  waitForProgress,
  type EventSet,
  type Pipeline,
  type Tables,
} from './helpers/pipeline.ts';

const PAGES = 200;
const STEPS = 6;

function rowCount(t: Tables): number {
  return t.page_image_state!.length + t.image_change!.length + t.recommendation_status!.length;
}

describe('the ImageMatching pipeline under disturbance', { timeout: 900_000 }, () => {
  const api = new FakeMediaWiki();
  const proxy = new FlakyProxy(() => api.port);
  const pipelines: Pipeline[] = [];
  let events: EventSet;
  let reference: Tables;
  let referenceRows = 0;

  async function pipeline(name: string): Promise<Pipeline> {
    const p = await createPipeline(name, proxy.url);
    pipelines.push(p);
    return p;
  }

  /** Every event finished and committed; the tables equal the undisturbed run's; nothing was dead-lettered. */
  async function assertSameOutcome(p: Pipeline, stillRunning: RouterProcess[] = []): Promise<void> {
    await settled(p);
    for (const r of stillRunning) assert.equal(r.child.exitCode, null, `${p.name}: the router process ${r.child.pid} is still running`);
    const got = await tables(p);
    for (const table of Object.keys(reference)) {
      assert.deepEqual(got[table], reference[table], `${p.name}: ${table} differs from the undisturbed run`);
    }
    assert.equal(await topicSize(`${p.service}.error`), 0, `${p.name}: no event was dead-lettered`);
    for (const r of p.routers) await stopRouter(p, r, 'SIGTERM');
  }

  before(async () => {
    await api.start();
    await proxy.start();
    events = buildEvents(api, PAGES, STEPS);
    // The reference: the same events, no disturbance.
    const p = await pipeline('reference');
    startRouter(p);
    await streamEvents(p, events.events, { chunks: 2, pauseMs: 0 });
    await settled(p);
    reference = await tables(p);
    referenceRows = rowCount(reference);
    assert.equal(await topicSize(`${p.service}.error`), 0, 'the undisturbed run dead-letters nothing');
    for (const r of p.routers) await stopRouter(p, r);
  });

  after(async () => {
    proxy.failureRate = 0;
    // Whatever happened, leave the shared services running.
    if (!(await postgresUp())) await restartPostgres().catch(() => undefined);
    await kafkaScript('start').catch(() => undefined);
    for (const p of pipelines) await dropPipeline(p);
    await proxy.stop();
    await api.stop();
  });

  test('the undisturbed run records every page, image change and decision', () => {
    assert.equal(reference.page_image_state!.length, PAGES);
    assert.ok(reference.image_change!.some((c) => c.change === 'added' && c.by_suggestion === true), 'suggested images were added');
    assert.ok(reference.image_change!.some((c) => c.change === 'removed'), 'images were removed');
    const statuses = new Set(reference.recommendation_status!.map((s) => s.status));
    for (const s of ['rejected', 'undecided', 'invalidated', 'removed']) assert.ok(statuses.has(s), `some decision is ${s}`);
  });

  test('(a) a router killed with SIGKILL again and again, and restarted each time, ends with the same tables', async () => {
    const p = await pipeline('sigkill');
    let router = startRouter(p);
    const streaming = streamEvents(p, events.events, { chunks: 10, pauseMs: 500 });
    for (const share of [0.15, 0.35, 0.55]) {
      await waitForProgress(p, Math.round(referenceRows * share), `${share * 100}% of the rows before a kill`);
      await stopRouter(p, router, 'SIGKILL');
      router = startRouter(p);
    }
    await streaming;
    await assertSameOutcome(p);
  });

  test('(b) PostgreSQL restarted mid-stream: the router waits it out and ends with the same tables', async () => {
    const p = await pipeline('postgres');
    const router = startRouter(p);
    // Dense enough that write transactions are in flight when the server goes away, twice.
    const streaming = streamEvents(p, events.events, { chunks: 3, pauseMs: 200 });
    for (const share of [0.1, 0.45]) {
      await waitForProgress(p, Math.round(referenceRows * share), `${share * 100}% of the rows before a restart`);
      await restartPostgres();
      await waitFor('PostgreSQL back', async () => (await postgresUp()) || undefined, 60_000, 500);
    }
    await streaming;
    await assertSameOutcome(p, [router]);
  });

  test('(c) the Kafka broker restarted mid-stream: the router reconnects and ends with the same tables', async () => {
    const p = await pipeline('kafka');
    const router = startRouter(p);
    const half = Math.floor(events.events.length / 2);
    await streamEvents(p, events.events, { chunks: 4, pauseMs: 300, to: half });
    await waitForProgress(p, Math.round(referenceRows * 0.2), 'a fifth of the rows before the restart');
    await kafkaScript('stop');
    await kafkaScript('start');
    await streamEvents(p, events.events, { chunks: 4, pauseMs: 300, from: half });
    await assertSameOutcome(p, [router]);
  });

  test('(d) a MediaWiki API failing 20% of requests (5xx, 429, timeouts) still ends with the same tables', async () => {
    const p = await pipeline('flaky-api');
    const injectedBefore = Object.values(proxy.injected).reduce((a, b) => a + b, 0);
    proxy.failureRate = 0.2;
    try {
      startRouter(p);
      await streamEvents(p, events.events, { chunks: 10, pauseMs: 300 });
      await assertSameOutcome(p);
    } finally {
      proxy.failureRate = 0;
    }
    const injected = Object.values(proxy.injected).reduce((a, b) => a + b, 0) - injectedBefore;
    assert.ok(injected > 0, `failures were injected: ${JSON.stringify(proxy.injected)}`);
  });

  test('(e) a second router joining and leaving the group mid-stream changes nothing in the tables', async () => {
    const p = await pipeline('rebalance');
    const first = startRouter(p);
    const streaming = streamEvents(p, events.events, { chunks: 10, pauseMs: 500 });
    const before = await waitForProgress(p, Math.round(referenceRows * 0.2), 'a fifth of the rows before the second router');
    const second = startRouter(p);
    await waitForLog(second.logFile, 'partitions assigned', { withPartitions: true });
    await waitForProgress(p, before + Math.round(referenceRows * 0.2), 'progress with two routers');
    assert.equal(await stopRouter(p, second, 'SIGTERM'), 0, 'the second router left cleanly');
    await streaming;
    assert.ok((await progress(p)) > 0);
    await assertSameOutcome(p, [first]);
  });
});
