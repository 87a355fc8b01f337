import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionLag, reportLag } from '../../../lib/engine/lag.ts';

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
      { topic: 'a', partition: 0, committed: 5, offsets: { committable: 7 } },
      { topic: 'a', partition: 1, committed: null, offsets: { committable: null } },
    ];
    reportLag(partitions, (_topic, partition) => (partition === 0 ? { low: 0, high: 9 } : null), (topic, partition, lag) => void reported.push([topic, partition, lag]));
    assert.deepEqual(reported, [['a', 0, 4]]);
  });
});
