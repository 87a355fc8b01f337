// Concurrent submissions share batches; each caller gets its own result; failures reach every caller of the batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MicroBatcher } from '../../../lib/batching/micro-batcher.ts';

test('items submitted together are flushed together, up to the batch size', async () => {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({ maxSize: 50, lingerMs: 5, flush: async (items) => (batches.push(items), items.map((i) => i * 2)) });
  const results = await Promise.all(Array.from({ length: 120 }, (_, i) => batcher.submit(i)));
  assert.deepEqual(results, Array.from({ length: 120 }, (_, i) => i * 2));
  assert.deepEqual(batches.map((b) => b.length), [50, 50, 20]);
});

test('items arriving while a flush runs wait and go out together in the next batch', async () => {
  const batches: number[][] = [];
  let release!: () => void;
  let started!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const firstStarted = new Promise<void>((r) => (started = r));
  const batcher = new MicroBatcher<number, number>({
    maxSize: 100,
    lingerMs: 0,
    flush: async (items) => {
      batches.push(items);
      if (batches.length === 1) {
        started();
        await gate;
      }
      return items;
    },
  });
  const first = batcher.submit(0);
  await firstStarted;
  const rest = [1, 2, 3].map((i) => batcher.submit(i));
  await new Promise((r) => setImmediate(r));
  release();
  await Promise.all([first, ...rest]);
  assert.deepEqual(batches, [[0], [1, 2, 3]]);
});

test('a failed flush rejects every item of its batch and only those', async () => {
  const batcher = new MicroBatcher<number, number>({
    maxSize: 2,
    lingerMs: 1,
    flush: async (items) => {
      if (items.includes(1)) throw new Error('bad batch');
      return items;
    },
  });
  const outcomes = await Promise.allSettled([0, 1, 2, 3].map((i) => batcher.submit(i)));
  assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected', 'fulfilled', 'fulfilled']);
  assert.equal(batcher.stats.batches, 2);
});
