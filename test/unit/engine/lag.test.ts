import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionLag, partitionTimeLag, reportLag } from '../../../lib/engine/lag.ts';

describe('partitionLag', () => {
  const cases: Array<[string, { low: number; high: number } | null, number | null, number | null, number | null]> = [
    ['is the distance from the committed position to the high watermark', { low: 0, high: 100 }, 60, 80, 40],
    ['uses the committable position before anything was committed', { low: 0, high: 100 }, null, 80, 20],
    ['counts from the low watermark before anything finished', { low: 30, high: 100 }, null, null, 70],
    ['is never negative', { low: 0, high: 10 }, 12, null, 0],
    ['is unknown without watermarks', null, 5, 5, null],
    ['is unknown while the high watermark is (-1)', { low: -1, high: -1 }, null, null, null],
  ];
  for (const [name, watermarks, committed, committable, expected] of cases) test(name, () => assert.equal(partitionLag(watermarks, committed, committable), expected));
});

describe('reportLag', () => {
  test('reports every partition whose watermarks are known, and skips the others', () => {
    const reported: Array<[string, number, number]> = [];
    const partitions = [
      { topic: 'a', partition: 0, committed: 5, offsets: { committable: 7, unfinished: 0, oldestUnfinishedTime: NaN, lastFinishedTime: NaN } },
      { topic: 'a', partition: 1, committed: null, offsets: { committable: null, unfinished: 0, oldestUnfinishedTime: NaN, lastFinishedTime: NaN } },
    ];
    reportLag(partitions, (_topic, partition) => (partition === 0 ? { low: 0, high: 9 } : null), (topic, partition, lag) => void reported.push([topic, partition, lag]));
    assert.deepEqual(reported, [['a', 0, 4]]);
  });
});

describe('partitionTimeLag', () => {
  const offsets = (unfinished: number, oldest: number, last: number) => ({ committable: null, unfinished, oldestUnfinishedTime: oldest, lastFinishedTime: last });
  const now = 100_000;
  const cases: Array<[string, ReturnType<typeof offsets>, number | null, number | null]> = [
    ['with events in hand, the age of the oldest unfinished one', offsets(3, 40_000, 90_000), 10, 60],
    ['with none in hand but messages to fetch, the age of the last one finished', offsets(0, NaN, 70_000), 5, 30],
    ['caught up, 0', offsets(0, NaN, 10_000), 0, 0],
    ['an event time in the future counts as 0', offsets(1, 120_000, NaN), 1, 0],
    ['unknown times give nothing', offsets(2, NaN, NaN), 2, null],
    ['unknown watermarks and nothing in hand give nothing', offsets(0, NaN, 50_000), null, null],
  ];
  for (const [name, o, lag, expected] of cases) test(name, () => assert.equal(partitionTimeLag(o, lag, now), expected));
});
