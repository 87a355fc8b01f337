// Hot reload on the real broker: rules changed mid-stream are swapped in without losing or repeating an event's
// effect (each applied once, by the old rule or the new one); an invalid rule set keeps the running one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';

const EVENTS = 400;

describe('reloading rules while events flow', () => {
  const server = new RecordingServer();
  const topic = uniqueName('imr-reload');
  let running: InProcessRouter;
  let dir: string;
  const rules = (version: number, extra = '') => `rules:
  - name: effects
    topics: [${topic}]
    key: '{{message.page}}'
    concurrency: 8
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/effect', body: {n: '{{message.n}}', version: ${version}}}
${extra}`;

  before(async () => {
    await server.start();
    let seed = 11;
    server.delayMs = () => ((seed = (seed * 48271) % 2147483647) % 20) + 2;
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 3 }]);
    ({ dir } = writeRouterConfig({ service: uniqueName('imr-reload'), rules: rules(1) }));
    running = await startInProcessRouter(join(dir, 'config.yaml'));
  });
  after(async () => {
    await running?.stop();
    await server.stop();
  });

  test('an invalid rule set is refused with its problems and the running rules go on', async () => {
    writeFileSync(join(dir, 'rules.yaml'), rules(1).replace('http:', 'htp:'));
    const result = await running.router.reload();
    assert.equal(result.outcome, 'rejected');
    assert.match((result as { problems: string[] }).problems.join('\n'), /rules\.yaml:\d+:\d+: effects\.steps\[0\]\.htp: unknown handler "htp" \(did you mean "http"\?\)/);
    assert.deepEqual(running.router.consumers.map((c) => [c.name, c.status]), [['effects', 'running']]);
    writeFileSync(join(dir, 'rules.yaml'), rules(1));
    assert.equal((await running.router.reload()).outcome, 'unchanged');
  });

  test('a rule set calling a host outside http.allowed_hosts is refused at its URI, each such host named', async () => {
    writeFileSync(join(dir, 'rules.yaml'), rules(1).replace('http://127.0.0.1:', 'http://elsewhere.example.org:'));
    const result = await running.router.reload();
    assert.equal(result.outcome, 'rejected');
    assert.deepEqual((result as { problems: string[] }).problems.map((p) => p.replace(/^.*rules\.yaml:/, 'rules.yaml:')), [
      `rules.yaml:7:35: effects.steps[0].http.uri: host elsewhere.example.org is not in the config's http.allowed_hosts (127.0.0.1)`,
    ]);
    assert.deepEqual(running.router.consumers.map((c) => [c.name, c.status]), [['effects', 'running']]);
    writeFileSync(join(dir, 'rules.yaml'), rules(1));
    assert.equal((await running.router.reload()).outcome, 'unchanged');
  });

  test('a rule changed mid-stream: every event applied exactly once, by the old rule or by the new one', async () => {
    const producing = withProducer(async (p) => {
      for (let n = 0; n < EVENTS; n++) {
        await p.produce({ topic, partition: n % 3, value: JSON.stringify({ n, page: n % 17 }) });
        if (n % 20 === 19) await new Promise((r) => setTimeout(r, 40));
      }
    });
    await waitFor('the stream under way', () => server.requests.length >= 60 || undefined, 60_000, 10);
    writeFileSync(join(dir, 'rules.yaml'), rules(2));
    const result = await running.router.reload();
    assert.deepEqual(result, { outcome: 'applied', added: [], removed: [], changed: ['effects'], kept: [] });
    await producing;
    await waitFor('every event applied', () => new Set(server.requests.map((r) => r.body.n)).size >= EVENTS || undefined, 120_000, 50);
    await new Promise((r) => setTimeout(r, 500)); // a duplicate would arrive now
    const counts = new Map<unknown, number>();
    for (const r of server.requests) counts.set(r.body.n, (counts.get(r.body.n) ?? 0) + 1);
    assert.deepEqual([...counts.values()].filter((c) => c !== 1), [], 'no event applied twice');
    assert.equal(counts.size, EVENTS);
    const versions = new Set(server.requests.map((r) => r.body.version));
    assert.deepEqual([...versions].sort(), [1, 2], 'some by the old rule, the rest by the new one');
  });

  test('a rule added starts, a rule removed stops', async () => {
    writeFileSync(join(dir, 'rules.yaml'), rules(2, `  - name: watcher\n    topics: [${topic}]\n    steps: [drop: {}]\n`));
    assert.deepEqual(await running.router.reload(), { outcome: 'applied', added: ['watcher'], removed: [], changed: [], kept: ['effects'] });
    assert.deepEqual(running.router.consumers.map((c) => c.name), ['effects', 'watcher']);
    writeFileSync(join(dir, 'rules.yaml'), rules(2));
    assert.deepEqual(await running.router.reload(), { outcome: 'applied', added: [], removed: ['watcher'], changed: [], kept: ['effects'] });
    assert.deepEqual(running.router.consumers.map((c) => c.name), ['effects']);
  });
});
