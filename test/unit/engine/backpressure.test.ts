import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Backpressure, type BackpressuredPartition } from '../../../lib/engine/backpressure.ts';

function partition(n: number, unfinished: number, paused = false): BackpressuredPartition {
  return { topic: 't', partition: n, offsets: { unfinished }, paused };
}

describe('Backpressure', () => {
  test('holds polling while an unpaused partition is at its limit, not below it, and not for a paused one', () => {
    const bp = new Backpressure(10, 1000, () => 0);
    const cases: Array<[string, BackpressuredPartition[], boolean]> = [
      ['all below the limit', [partition(0, 9), partition(1, 0)], false],
      ['one at the limit', [partition(0, 3), partition(1, 10)], true],
      ['one over the limit', [partition(0, 12)], true],
      ['the one at the limit is paused already', [partition(0, 12, true), partition(1, 2)], false],
      ['no partitions', [], false],
    ];
    for (const [name, partitions, holds] of cases) assert.equal(bp.holdsPolling(partitions), holds, name);
  });

  test('pauses a partition only once it has held polling for the stall time, and only that one', () => {
    let now = 1000;
    const bp = new Backpressure(10, 500, () => now);
    const stuck = partition(0, 10);
    const moving = partition(1, 4);
    assert.equal(bp.holdsPolling([stuck, moving]), true);
    now += 499;
    assert.deepEqual(bp.changes([stuck, moving], false), { pause: [], resume: [] });
    now += 1;
    assert.deepEqual(bp.changes([stuck, moving], false), { pause: [{ topic: 't', partition: 0 }], resume: [] });
    assert.deepEqual([stuck.paused, moving.paused], [true, false]);
    assert.equal(bp.holdsPolling([stuck, moving]), false, 'the others are polled again');
  });

  test('the stall clock restarts once no partition is at its limit', () => {
    let now = 0;
    const bp = new Backpressure(10, 500, () => now);
    const p = partition(0, 10);
    bp.holdsPolling([p]);
    now = 400;
    (p.offsets as { unfinished: number }).unfinished = 5;
    bp.holdsPolling([p]);
    (p.offsets as { unfinished: number }).unfinished = 10;
    now = 600;
    bp.holdsPolling([p]);
    assert.deepEqual(bp.changes([p], false).pause, [], 'at the limit again for 0 ms, not 600');
  });

  test('resumes a paused partition at half its limit, not above', () => {
    const bp = new Backpressure(10, 500, () => 0);
    const above = partition(0, 6, true);
    const half = partition(1, 5, true);
    assert.deepEqual(bp.changes([above, half], false), { pause: [], resume: [{ topic: 't', partition: 1 }] });
    assert.deepEqual([above.paused, half.paused], [true, false]);
  });

  test('an operator’s pause pauses every partition and resumes none until lifted', () => {
    const bp = new Backpressure(10, 500, () => 0);
    const ps = [partition(0, 0), partition(1, 3, true)];
    assert.deepEqual(bp.changes(ps, true), { pause: [{ topic: 't', partition: 0 }], resume: [] });
    assert.deepEqual(bp.changes(ps, true), { pause: [], resume: [] }, 'nothing twice');
    assert.deepEqual(bp.changes(ps, false).resume.map((p) => p.partition), [0, 1]);
  });

  test('reports a partition as held when paused or at its limit', () => {
    const bp = new Backpressure(10, 500, () => 0);
    assert.deepEqual([partition(0, 10), partition(0, 0, true), partition(0, 9)].map((p) => bp.isHeld(p)), [true, true, false]);
  });
});
