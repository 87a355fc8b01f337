import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KeyScheduler, type ScheduledJob } from '../../../lib/engine/key-scheduler.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

interface Job extends ScheduledJob {
  id: string;
}

describe('KeyScheduler', () => {
  test('jobs with the same key run one at a time in arrival order', async () => {
    const log: string[] = [];
    const s = new KeyScheduler<Job>(10);
    const gates = [deferred(), deferred(), deferred()];
    gates.forEach((gate, i) =>
      s.push({ key: 'a', id: `a${i}`, run: async () => { log.push(`start a${i}`); await gate.promise; log.push(`end a${i}`); } }),
    );
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(log, ['start a0']);
    assert.equal(s.running, 1);
    assert.equal(s.queued, 2);
    gates[1]!.resolve(); // finishing a later job's gate early must not let it start
    gates[0]!.resolve();
    await new Promise((r) => setImmediate(r));
    gates[2]!.resolve();
    await s.idle();
    assert.deepEqual(log, ['start a0', 'end a0', 'start a1', 'end a1', 'start a2', 'end a2']);
  });

  test('different keys run in parallel up to the concurrency limit', async () => {
    const s = new KeyScheduler<Job>(3);
    let running = 0;
    let peak = 0;
    const gate = deferred();
    for (let i = 0; i < 10; i++) {
      s.push({ key: `k${i}`, id: String(i), run: async () => { running++; peak = Math.max(peak, running); await gate.promise; running--; } });
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(s.running, 3);
    assert.equal(s.queued, 7);
    gate.resolve();
    await s.idle();
    assert.equal(peak, 3);
  });

  test('a busy key does not starve other keys', async () => {
    const order: string[] = [];
    const s = new KeyScheduler<Job>(1);
    for (let i = 0; i < 3; i++) s.push({ key: 'busy', id: `busy${i}`, run: async () => { order.push(`busy${i}`); } });
    s.push({ key: 'other', id: 'other', run: async () => { order.push('other'); } });
    await s.idle();
    assert.ok(order.indexOf('other') < order.indexOf('busy2'), `other ran after all busy jobs: ${order.join(',')}`);
  });

  test('a failing job is reported and does not stop its key', async () => {
    const errors: string[] = [];
    const done: string[] = [];
    const s = new KeyScheduler<Job>(2, (job, err) => errors.push(`${job.id}: ${(err as Error).message}`));
    s.push({ key: 'a', id: 'boom', run: async () => { throw new Error('bad'); } });
    s.push({ key: 'a', id: 'next', run: async () => { done.push('next'); } });
    await s.idle();
    assert.deepEqual(errors, ['boom: bad']);
    assert.deepEqual(done, ['next']);
  });

  test('dropping removes queued jobs only, and idle still resolves', async () => {
    const ran: string[] = [];
    const gate = deferred();
    const s = new KeyScheduler<Job>(1);
    s.push({ key: 'a', id: 'running', run: async () => { ran.push('running'); await gate.promise; } });
    s.push({ key: 'a', id: 'drop-me', run: async () => { ran.push('drop-me'); } });
    s.push({ key: 'b', id: 'keep', run: async () => { ran.push('keep'); } });
    await new Promise((r) => setImmediate(r));
    const dropped = s.drop((job) => job.id === 'drop-me');
    assert.deepEqual(dropped.map((j) => j.id), ['drop-me']);
    gate.resolve();
    await s.idle();
    assert.deepEqual(ran, ['running', 'keep']);
  });
});
