// Node documents V8 flags set after start-up as unpredictable; this one is read at each full GC. Two node
// processes run the same allocation pattern (a 30 MB live set, and garbage that lives long enough to reach the
// old generation), one with the setting applied at start-up: its heap must stay smaller.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../helpers/router-harness.ts';

const WORKLOAD = `
import { applyHeapGrowth } from ${JSON.stringify(join(REPO, 'lib/cli/heap-growth.ts'))};
applyHeapGrowth(Number(process.argv[1]));
const live = [];
for (let i = 0; i < 300; i++) live.push('x'.repeat(100_000) + i);
const recent = [];
let peak = 0;
for (let round = 0; round < 4000; round++) {
  const batch = [];
  for (let i = 0; i < 200; i++) batch.push({ text: 'y'.repeat(500) + i + round, at: [i, round] });
  recent.push(batch);
  if (recent.length > 400) recent.shift();
  if (round % 50 === 0) peak = Math.max(peak, process.memoryUsage().heapTotal);
}
console.log(Math.round(peak / 1e6), live.length);
`;

function peakHeapMb(percent: number): number {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', WORKLOAD, String(percent)], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.split(' ')[0]);
}

test("a heap growth setting applied at start-up keeps V8's heap smaller under the same allocations", () => {
  const uncapped = peakHeapMb(0);
  const capped = peakHeapMb(50);
  assert.ok(capped < uncapped * 0.8, `heap peaked at ${capped} MB with 50 % growth, ${uncapped} MB with V8's own`);
});
