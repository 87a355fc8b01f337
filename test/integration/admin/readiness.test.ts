import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, TEST_DATABASE_URL, uniqueName, waitFor } from '../../helpers/services.ts';
import { writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';
import { parsePrometheusText, sumOf } from '../../helpers/prometheus-text.ts';

/** A TCP proxy in front of the shared PostgreSQL: stopping it makes the database unreachable for the router only. */
class TcpProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetHost: string, private readonly targetPort: number) {}

  async start(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    // The same port again after a stop, so the router's unchanged URL works once the proxy is back.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  /** Refuse new connections and cut the open ones, as a database outage would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

describe('readiness against a database that goes away and comes back', () => {
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
  const topic = uniqueName('imr-ready-src');
  let running: InProcessRouter;

  before(async () => {
    await proxy.start();
    const viaProxy = new URL(TEST_DATABASE_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 1 }]);
    const { config } = writeRouterConfig({
      service: uniqueName('imr-ready'),
      databaseUrl: viaProxy.toString(),
      rules: `rules:
  - name: readiness_probe
    topics: [${topic}]
    steps:
      - log: {level: debug}
`,
    });
    running = await startInProcessRouter(config);
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

    await proxy.start();
    const back = await waitFor('ready again with the database back', async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    });
    assert.equal(back.body.database, true);
    assert.ok(running.router.consumers.every((c) => c.status === 'running'), 'the same router kept running');
  });
});
