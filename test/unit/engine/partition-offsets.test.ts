import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PartitionOffsets } from '../../../lib/engine/partition-offsets.ts';

function tracker(offsets: number[]): PartitionOffsets {
  const t = new PartitionOffsets();
  for (const o of offsets) assert.equal(t.track(o), true);
  return t;
}

describe('PartitionOffsets', () => {
  test('nothing is committable before the first event finishes', () => {
    const t = tracker([0, 1, 2]);
    assert.equal(t.committable, null);
    assert.equal(t.unfinished, 3);
  });

  const table: Array<{ name: string; offsets: number[]; finish: number[]; committable: number | null; unfinished: number }> = [
    { name: 'in-order completions commit everything', offsets: [0, 1, 2], finish: [0, 1, 2], committable: 3, unfinished: 0 },
    { name: 'a later event finishing first commits nothing', offsets: [0, 1, 2], finish: [2, 1], committable: null, unfinished: 3 },
    { name: 'out-of-order completions commit only the contiguous prefix', offsets: [0, 1, 2, 3, 4], finish: [1, 0, 3], committable: 2, unfinished: 3 },
    { name: 'the gap filling in releases everything behind it', offsets: [0, 1, 2, 3, 4], finish: [4, 3, 1, 2, 0], committable: 5, unfinished: 0 },
    { name: 'offset gaps in the log (compaction) are not waited for', offsets: [10, 15, 16, 40], finish: [10, 15, 16], committable: 17, unfinished: 1 },
    { name: 'finishing twice changes nothing', offsets: [0, 1], finish: [0, 0], committable: 1, unfinished: 1 },
  ];
  for (const row of table) {
    test(row.name, () => {
      const t = tracker(row.offsets);
      for (const o of row.finish) t.finish(o);
      assert.equal(t.committable, row.committable);
      assert.equal(t.unfinished, row.unfinished);
    });
  }

  test('a redelivered offset is refused so it is not processed twice', () => {
    const t = tracker([0, 1, 2]);
    assert.equal(t.track(1), false);
    assert.equal(t.track(2), false);
    assert.equal(t.track(3), true);
  });

  test('the oldest unfinished offset is reported for diagnostics', () => {
    const t = tracker([5, 6, 7]);
    t.finish(5);
    t.finish(7);
    assert.equal(t.oldestUnfinished, 6);
  });

  test('stays correct over a long stream with random completion order', () => {
    const t = new PartitionOffsets();
    const n = 20000;
    for (let i = 0; i < n; i++) t.track(i);
    const order = Array.from({ length: n }, (_, i) => i);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const finished = new Set<number>();
    for (const o of order) {
      t.finish(o);
      finished.add(o);
      const c = t.committable;
      if (c !== null) {
        // every offset below the committable one finished, and the committable one itself has not
        assert.ok(finished.has(c - 1));
        if (c < n) assert.ok(!finished.has(c));
      }
    }
    assert.equal(t.committable, n);
    assert.equal(t.unfinished, 0);
  });
});

describe('event times of a partition', () => {
  test('the oldest unfinished event and the newest of the committable prefix have their times', () => {
    const o = new PartitionOffsets();
    o.track(10, 1000);
    o.track(11, 2000);
    o.track(12);
    o.stampLast(3000);
    assert.equal(o.oldestUnfinishedTime, 1000);
    assert.ok(Number.isNaN(o.lastFinishedTime));
    o.finish(11);
    assert.equal(o.oldestUnfinishedTime, 1000, 'offset 10 is still unfinished');
    o.finish(10);
    assert.deepEqual([o.oldestUnfinishedTime, o.lastFinishedTime], [3000, 2000]);
    o.finish(12);
    assert.ok(Number.isNaN(o.oldestUnfinishedTime));
    assert.equal(o.lastFinishedTime, 3000);
  });
});
