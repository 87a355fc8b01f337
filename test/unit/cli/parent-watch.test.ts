import { test } from 'node:test';
import assert from 'node:assert/strict';
import { watchParent } from '../../../lib/cli/parent-watch.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

for (const { name, env, reparented, fires } of [
  { name: 'npm-started, parent gone', env: { npm_lifecycle_event: 'start' }, reparented: true, fires: true },
  { name: 'npm-started, parent still there', env: { npm_lifecycle_event: 'start' }, reparented: false, fires: false },
  { name: 'not npm-started (nohup … &), reparented on purpose', env: {}, reparented: true, fires: false },
  { name: 'empty npm_lifecycle_event', env: { npm_lifecycle_event: '' }, reparented: true, fires: false },
]) {
  test(`parent watch: ${name}`, async () => {
    let ppid = 4242;
    const seen: unknown[] = [];
    const stop = watchParent({ env, ppid: () => ppid, intervalMs: 1, onOrphaned: (d) => seen.push(d) });
    await tick();
    if (reparented) ppid = 1;
    for (let i = 0; i < 5; i++) await tick();
    stop();
    assert.deepEqual(seen, fires ? [{ startedBy: 'start', parent: 4242, now: 1 }] : []);
  });
}
