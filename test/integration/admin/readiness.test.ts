import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, TEST_DATABASE_URL, uniqueName, waitFor } from '../../helpers/services.ts';
import { writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';
import { parsePrometheusText, sumOf } from '../../helpers/prometheus-text.ts';
import { TcpProxy } from '../../helpers/tcp-proxy.ts';
import { captureLog } from '../../helpers/log-lines.ts';
import { createPool } from '../../../lib/store/pool.ts';
import { createDependencyWatch } from '../../../lib/admin/dependency-watch.ts';

describe('readiness against a database that goes away and comes back', () => {
  const { proxy, viaProxy } = TcpProxy.forUrl(TEST_DATABASE_URL);
  const captured = captureLog('info');
  const topic = uniqueName('imr-ready-src');
  let running: InProcessRouter;

  before(async () => {
    await proxy.start();
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 1 }]);
    const { config } = writeRouterConfig({
      service: uniqueName('imr-ready'),
      databaseUrl: viaProxy(),
      rules: `rules:
  - name: readiness_probe
    topics: [${topic}]
    steps:
      - log: {level: debug}
`,
    });
    running = await startInProcessRouter(config, { log: captured.log, watchIntervalMs: 50 });
  });
  after(async () => {
    await running?.stop();
    await proxy.stop();
  });

  const readyz = async () => {
    const res = await fetch(`${running.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { database: boolean; kafka: boolean; reasons: string[] } };
  };

  test('readyz is 503 while PostgreSQL is unreachable and 200 again once it is back, without restarting the router', async () => {
    const ready = await waitFor('ready at start', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    });
    assert.deepEqual(ready.body, { status: 'ready', kafka: true, database: true, reasons: [] });

    await proxy.stop();
    const down = await waitFor('not ready without the database', async () => {
      const r = await readyz();
      return r.status === 503 ? r : undefined;
    });
    assert.equal(down.body.database, false);
    assert.equal(down.body.kafka, true);
    assert.ok(down.body.reasons.some((r) => r.startsWith('database:')), JSON.stringify(down.body.reasons));
    assert.equal((await fetch(`${running.url}/healthz`)).status, 200, 'the process is still alive');
    const scrape = parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text());
    assert.equal(sumOf(scrape, 'imagematching_router_dependency_up', { dependency: 'database' }), 0);
    const warned = await waitFor('the outage in the log', () => captured.lines().find((l) => l.msg === 'database unreachable: events wait until it answers'));
    assert.equal(warned.level, 'warn');
    assert.equal(warned.setting, 'database.url');
    assert.equal(warned.url, viaProxy());

    await proxy.start();
    const back = await waitFor('ready again with the database back', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    });
    assert.equal(back.body.database, true);
    assert.ok(running.router.consumers.every((c) => c.status === 'running'), 'the same router kept running');
    const recovered = await waitFor('the recovery in the log', () => captured.lines().find((l) => String(l.msg).startsWith('database reachable again after')));
    assert.equal(recovered.level, 'info');
    assert.equal(typeof recovered.downtime_seconds, 'number');
    assert.equal(captured.lines().filter((l) => l.dependency === 'database' && l.level === 'warn').length, 1, 'one warning for the whole outage');
    assert.ok(!captured.raw.some((line) => line.includes('MaxListenersExceededWarning')));
  });
});

describe('dependency watch through a proxy in front of the real PostgreSQL', () => {
  test('one warning however many probes fail, naming database.url with the password masked; one line when it is back', async () => {
    const { proxy, viaProxy } = TcpProxy.forUrl(TEST_DATABASE_URL);
    await proxy.start();
    // The test server trusts local connections, so the password is only there to be masked.
    const url = new URL(viaProxy());
    url.password = 'n0t-logged';
    const pool = createPool({ url: url.toString(), pool_size: 2, statement_timeout_ms: 0 });
    const { log, lines, raw } = captureLog('info');
    const watch = createDependencyWatch({ pool, log, databaseUrl: url.toString(), timeoutMs: 5000 });
    try {
      await watch.check();
      assert.deepEqual(lines(), []);
      await proxy.stop();
      for (let i = 0; i < 3; i++) await watch.check();
      await proxy.start();
      await watch.check();
      await watch.check();
    } finally {
      await watch.stop();
      await pool.end();
      await proxy.stop();
    }
    const said = lines().filter((l) => l.dependency === 'database');
    assert.deepEqual(said.map((l) => l.level), ['warn', 'info'], JSON.stringify(said));
    assert.equal(said[0]!.url, url.toString().replace(':n0t-logged@', ':***@'));
    assert.match(String(said[0]!.reason), /ECONNREFUSED|terminated|ECONNRESET/);
    assert.ok(!raw.some((line) => line.includes('n0t-logged')));
  });
});
