import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from '../../../lib/app/router.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { redrive } from '../../../lib/cli/redrive-command.ts';
import { uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, writeRouterConfig } from '../../helpers/router-harness.ts';

function rules(port: number, stream: string): string {
  return `rules:
  - name: effects
    topics: [${stream}]
    concurrency: 4
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${port}/effect', body: {n: '{{message.n}}'}}
`;
}

function counts(server: RecordingServer): Map<number, number> {
  const m = new Map<number, number>();
  for (const r of server.requests) m.set(Number(r.body.n), (m.get(Number(r.body.n)) ?? 0) + 1);
  return m;
}

describe('non-Kafka sources feed the same engine', () => {
  const server = new RecordingServer();
  before(() => server.start());
  after(() => server.stop());

  test('a file run stopped halfway and restarted resumes from its checkpoint: nothing lost, nothing applied twice', async () => {
    server.requests.length = 0;
    server.delayMs = () => 3;
    const { dir, config } = writeRouterConfig({
      service: uniqueName('imr-file'),
      rules: rules(server.port, 'test.events'),
      extra: 'source: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\n',
      maxPending: 20,
    });
    const total = 300;
    const lines = [];
    for (let n = 0; n < total; n++) {
      lines.push(JSON.stringify({ meta: { stream: n % 10 === 0 ? 'other.stream' : 'test.events' }, database: 'enwiki', page_id: n % 13, n }));
    }
    lines.push('{"broken json');
    writeFileSync(join(dir, 'events.ndjson'), `${lines.join('\n')}\n`);
    const expected = new Set(Array.from({ length: total }, (_, n) => n).filter((n) => n % 10 !== 0));

    const first = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    await waitFor('half of the events', () => server.requests.length >= expected.size / 2 || undefined, 30000, 5);
    await first.stop(5000);
    const atStop = server.requests.length;
    assert.ok(atStop < expected.size, 'the first run was stopped halfway');
    assert.ok(existsSync(join(dir, 'state', 'checkpoints')), 'a checkpoint was written');

    server.delayMs = () => 0;
    const second = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    await waitFor('the replay to drain', () => second.drained || undefined, 30000, 20);
    await second.stop(5000);

    const seen = counts(server);
    assert.deepEqual(new Set(seen.keys()), expected, 'every event of the rule stream applied, others filtered');
    const dup = [...seen].filter(([, c]) => c > 1).map(([n]) => n); assert.deepEqual(dup, [], `applied twice (stopped at ${atStop}): ${dup.join(",")} ${readFileSync(join(dir, "state", "checkpoints", readdirSync(join(dir, "state", "checkpoints"))[0]!), "utf8")}`);
    const deadLetters = readFileSync(join(dir, 'state', 'topics', `${loadConfigFile(config).config.service.name}.error.jsonl`), 'utf8').trim().split('\n');
    assert.equal(deadLetters.length, 1, 'the broken line went to the dead-letter file');
    assert.match(JSON.parse(deadLetters[0]!).value, /invalid JSON/);
  });

  test('without Kafka, dead letters are a file, and redrive brings them back through the rule', async () => {
    server.requests.length = 0;
    server.delayMs = () => 0;
    const { dir, config: configFile } = writeRouterConfig({
      service: uniqueName('imr-file-redrive'),
      rules: rules(server.port, 'test.events').replace('concurrency: 4', 'concurrency: 4\n    retry: {in_process: 0, limit: 0}'),
      extra: 'source: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\n',
    });
    writeFileSync(join(dir, 'events.ndjson'), `${JSON.stringify({ meta: { stream: 'test.events' }, n: 7 })}\n`);
    const config = loadConfigFile(configFile).config;
    server.status = 503;
    const first = await Router.start(config, { log: silentLogger });
    await waitFor('the dead letter', () => first.drained || undefined, 30000, 20);
    await first.stop(5000);
    server.status = 200;
    assert.equal(server.requests.length, 0);

    const dry = await redrive(config, { rule: 'effects' }, true);
    assert.deepEqual([dry.scanned, dry.redriven], [1, 1]);
    assert.equal((await redrive(config, { rule: 'effects' }, false)).redriven, 1);
    const second = await Router.start(config, { log: silentLogger });
    await waitFor('the redriven event', () => (second.drained && server.requests.length > 0) || undefined, 30000, 20);
    await second.stop(5000);
    assert.deepEqual([...counts(server)], [[7, 1]]);
  });

  test('EventStreams: a connection dropped mid-stream is resumed with Last-Event-ID and nothing is missed', async () => {
    server.requests.length = 0;
    const total = 120;
    const lastEventIds: Array<string | undefined> = [];
    let connections = 0;
    const sse: Server = createServer((req, res: ServerResponse) => {
      connections++;
      const last = req.headers['last-event-id'] as string | undefined;
      lastEventIds.push(last);
      const from = last ? JSON.parse(last)[0].offset + 1 : 0;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(':ok\n\n');
      let n = from;
      const timer = setInterval(() => {
        for (let i = 0; i < 7 && n < total; i++, n++) {
          const id = JSON.stringify([{ topic: 'eqiad.test.events', partition: 0, offset: n }]);
          res.write(`event: message\nid: ${id}\ndata: ${JSON.stringify({ meta: { stream: 'test.events' }, n, page_id: n % 5, database: 'enwiki' })}\n\n`);
        }
        // The first two connections drop mid-stream, as proxies and deploys do.
        if (connections <= 2 && n - from >= 40) {
          clearInterval(timer);
          res.socket?.destroy();
        }
        if (n >= total) clearInterval(timer);
      }, 5);
      req.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => sse.listen(0, '127.0.0.1', r));
    const port = (sse.address() as { port: number }).port;
    try {
      const { config } = writeRouterConfig({
        service: uniqueName('imr-sse'),
        rules: rules(server.port, 'test.events'),
        extra: `source: {type: eventstreams, state_dir: state, eventstreams: {url: 'http://127.0.0.1:${port}/v2/stream/{streams}', reconnect_max_ms: 500}}\n`,
      });
      const router = await Router.start(loadConfigFile(config).config, { log: silentLogger });
      try {
        await waitFor('every event', () => counts(server).size === total || undefined, 30000, 10);
      } finally {
        await router.stop(5000);
      }
      assert.ok(connections >= 3, `expected reconnections, saw ${connections} connection(s)`);
      assert.equal(lastEventIds[0], undefined);
      assert.ok(lastEventIds.slice(1).every((id) => id !== undefined), 'every reconnection sent Last-Event-ID');
      for (const [n, c] of counts(server)) assert.equal(c, 1, `event ${n} applied ${c} times`);
    } finally {
      sse.closeAllConnections();
      await new Promise((r) => sse.close(r));
    }
  });
});
