// Reloads one at a time: the admin API is refused while one runs (409), SIGHUP waits its turn; each is counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../lib/log.ts';
import { createMetrics } from '../../../lib/metrics/index.ts';
import { RuleReloads } from '../../../lib/app/rule-reloads.ts';
import type { ReloadResult } from '../../../lib/app/router.ts';
import { startAdminServer } from '../../../lib/admin/server.ts';

const APPLIED: ReloadResult = { outcome: 'applied', added: ['b'], removed: [], changed: [], kept: ['a'] };

/** A router whose reloads finish when the test says so. */
function gatedRouter() {
  const gates: Array<(r: ReloadResult) => void> = [];
  let active = 0;
  let maxActive = 0;
  return {
    gates,
    get maxActive() {
      return maxActive;
    },
    reload: () =>
      new Promise<ReloadResult>((resolve) => {
        maxActive = Math.max(maxActive, ++active);
        gates.push((r) => {
          active--;
          resolve(r);
        });
      }),
  };
}

const flush = () => new Promise((r) => setImmediate(r));

async function counts(metrics: ReturnType<typeof createMetrics>) {
  return Object.fromEntries((await metrics.rulesReloads.get()).values.map((v) => [v.labels.outcome, v.value]));
}

test('a second reload through the admin API while one runs is refused; SIGHUPs meanwhile share one queued reload', async () => {
  const router = gatedRouter();
  const metrics = createMetrics({ defaultMetrics: false });
  const reloads = new RuleReloads(router, { log: silentLogger, metrics });
  const first = reloads.tryReload('admin API')!;
  assert.ok(first);
  assert.equal(reloads.inProgress, true);
  assert.equal(reloads.tryReload('admin API'), null);
  const hup1 = reloads.reload('SIGHUP');
  const hup2 = reloads.reload('SIGHUP');
  await flush();
  assert.equal(router.gates.length, 1, 'the queued reload waits for the running one');
  router.gates[0]!(APPLIED);
  assert.deepEqual(await first, APPLIED);
  await flush();
  assert.equal(router.gates.length, 2, 'then the queued one runs, once for both signals');
  router.gates[1]!({ outcome: 'rejected', problems: ['rules.yaml:3:5: x: bad'] });
  assert.deepEqual(await hup1, { outcome: 'rejected', problems: ['rules.yaml:3:5: x: bad'] });
  assert.equal(await hup2, await hup1);
  assert.equal(router.maxActive, 1, 'never two at once');
  await flush();
  assert.equal(reloads.inProgress, false);
  assert.deepEqual(await counts(metrics), { applied: 1, rejected: 1, failed: 0 });
  const failed = reloads.tryReload('admin API')!;
  router.gates[2]!({ outcome: 'failed', problems: ['boom'] });
  await failed;
  assert.deepEqual(await counts(metrics), { applied: 1, rejected: 1, failed: 1 });
});

for (const [name, reloads, status] of [
  ['no router attached yet', () => null, 503],
  ['a reload already running', () => ({ tryReload: () => null }), 409],
  ['applied', () => ({ tryReload: async () => APPLIED }), 200],
  ['unchanged', () => ({ tryReload: async () => ({ ...APPLIED, outcome: 'unchanged' as const, added: [] }) }), 200],
  ['rejected', () => ({ tryReload: async () => ({ outcome: 'rejected' as const, problems: ['p'] }) }), 422],
  ['failed', () => ({ tryReload: async () => ({ outcome: 'failed' as const, problems: ['p'] }) }), 500],
] as const) {
  test(`POST /v1/reload: ${name} → ${status}`, async () => {
    const server = await startAdminServer('127.0.0.1:0', {
      log: silentLogger,
      rules: () => [],
      readiness: { check: async () => ({ kafka: null, database: true, reasons: [] }) },
      db: { query: async () => ({ rows: [] }) },
      token: 't0ken',
      reloads,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/v1/reload`, { method: 'POST', headers: { authorization: 'Bearer t0ken' } });
      assert.equal(res.status, status);
    } finally {
      await server.close();
    }
  });
}
