// memory.heap_growth_percent becomes V8's --heap-growing-percent at start-up, unless node was given its own.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeapGrowth, heapGrowthFlag } from '../../../lib/cli/heap-growth.ts';

function recording() {
  const set: string[] = [];
  return { set, setFlags: (flags: string) => void set.push(flags) };
}

describe('heap growth setting', () => {
  test('a percentage becomes the V8 flag, and 0 leaves the choice to V8', () => {
    assert.equal(heapGrowthFlag(150), '--heap-growing-percent=150');
    assert.equal(heapGrowthFlag(0), null);
  });

  test('applying it sets the flag and reports it', () => {
    const { set, setFlags } = recording();
    assert.equal(applyHeapGrowth(150, ['--enable-source-maps'], setFlags), '--heap-growing-percent=150');
    assert.deepEqual(set, ['--heap-growing-percent=150']);
  });

  test('0 sets nothing', () => {
    const { set, setFlags } = recording();
    assert.equal(applyHeapGrowth(0, [], setFlags), "V8's own");
    assert.deepEqual(set, []);
  });

  test("node's own --heap-growing-percent (either spelling) wins over the config", () => {
    for (const given of ['--heap-growing-percent=60', '--heap_growing_percent=60']) {
      const { set, setFlags } = recording();
      assert.equal(applyHeapGrowth(150, [given], setFlags), `${given} (node's command line)`);
      assert.deepEqual(set, []);
    }
  });
});
