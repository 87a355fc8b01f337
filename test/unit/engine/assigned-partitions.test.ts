import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignedPartitions } from '../../../lib/engine/assigned-partitions.ts';

describe('AssignedPartitions', () => {
  test('finds an assigned partition by topic and number, and nothing for one not assigned', () => {
    const partitions = new AssignedPartitions();
    partitions.assign([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }]);
    assert.deepEqual([partitions.get('a', 1)?.topic, partitions.get('a', 1)?.partition], ['a', 1]);
    assert.equal(partitions.get('b', 1), undefined);
    assert.equal(partitions.get('c', 0), undefined);
    assert.deepEqual([...partitions.values()].map((s) => `${s.topic}/${s.partition}`), ['a/0', 'a/1', 'b/0']);
  });

  test('a partition assigned again keeps its state', () => {
    const partitions = new AssignedPartitions();
    partitions.assign([{ topic: 'a', partition: 0 }]);
    const state = partitions.get('a', 0)!;
    state.offsets.track(5);
    partitions.assign([{ topic: 'a', partition: 0 }]);
    assert.equal(partitions.get('a', 0), state);
    assert.equal(partitions.unfinished, 1);
  });

  test('a revoked partition is removed and marked, so its late completions no longer count', () => {
    const partitions = new AssignedPartitions();
    partitions.assign([{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }]);
    const state = partitions.get('a', 0)!;
    state.offsets.track(10);
    state.offsets.track(11);
    state.finish(10);
    assert.equal(partitions.revoke({ topic: 'a', partition: 0 }), state);
    assert.equal(state.revoked, true);
    state.finish(11);
    assert.equal(state.offsets.committable, 11, 'only what finished before the revocation');
    assert.equal(partitions.get('a', 0), undefined);
    assert.deepEqual([...partitions.values()].map((s) => s.partition), [1]);
    assert.equal(partitions.revoke({ topic: 'a', partition: 0 }), undefined, 'revoking twice finds nothing');
  });

  test('counts the unfinished events of every partition', () => {
    const partitions = new AssignedPartitions();
    partitions.assign([{ topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }]);
    for (const offset of [0, 1, 2]) partitions.get('a', 0)!.offsets.track(offset);
    partitions.get('b', 0)!.offsets.track(7);
    partitions.get('a', 0)!.finish(0);
    assert.equal(partitions.unfinished, 3);
  });

  test('dropping holds cancels the timers of retries held until due', async () => {
    const partitions = new AssignedPartitions();
    partitions.assign([{ topic: 'a', partition: 0 }]);
    const state = partitions.get('a', 0)!;
    let fired = false;
    state.holds.add(setTimeout(() => (fired = true), 5));
    state.dropHolds();
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fired, false);
    assert.equal(state.holds.size, 0);
  });
});

describe('PartitionState abort signal', () => {
  test('many events waiting out a backoff on one partition raise no MaxListenersExceededWarning', async () => {
    const { abortableSleep } = await import('../../../lib/engine/run-chain.ts');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const partitions = new AssignedPartitions();
      partitions.assign([{ topic: 'a', partition: 0 }]);
      const state = partitions.get('a', 0)!;
      // A database outage: every in-flight event of the partition sleeps on the partition's one signal.
      const sleeps = Array.from({ length: 50 }, () => abortableSleep(60_000, state.controller.signal));
      await new Promise((resolve) => setImmediate(resolve));
      state.controller.abort();
      await Promise.all(sleeps);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), []);
  });
});
