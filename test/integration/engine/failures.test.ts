import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../../lib/app/router.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { silentLogger } from '../../../lib/log.ts';
import { parseDeadLetter, HEADER } from '../../../lib/engine/parking.ts';
import { redrive } from '../../../lib/cli/redrive-command.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, readTopic, withProducer, writeRouterConfig, committedOffsets } from '../../helpers/router-harness.ts';

function header(message: { headers: Array<Record<string, Buffer>> }, name: string): string | undefined {
  for (const h of message.headers) if (name in h) return h[name]!.toString();
  return undefined;
}

describe('failures: dead letters, retries and redrive on the real broker', () => {
  const server = new RecordingServer();
  before(() => server.start());
  after(() => server.stop());

  test('poison events land in the dead-letter topic with their reason while the partition goes on', async () => {
    const service = uniqueName('imr-poison');
    const topic = `${service}.in`;
    await createTopics(KAFKA_BROKERS, [{ topic }]);
    const { config } = writeRouterConfig({
      service,
      rules: `rules:
  - name: poison
    topics: [${topic}]
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/poison', body: {n: '{{message.n}}'}}
`,
    });
    const values: Array<string | Buffer> = [
      JSON.stringify({ n: 1 }),
      '{"n": 2',
      JSON.stringify({ n: 3 }),
      '[1,2,3]',
      Buffer.from([0xff, 0x00, 0xfe]),
      'null',
      JSON.stringify({ n: 4 }),
      '',
    ];
    await withProducer(async (p) => {
      for (const value of values) await p.produce({ topic, key: 'k', value, headers: [{ trace: 'abc' }] });
    });
    const router = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    try {
      await waitFor('valid events applied', () => server.requests.filter((r) => r.path === '/poison').length >= 3 || undefined, 30000);
      const letters = await readTopic(`${service}.error`, 5);
      const byOffset = new Map(letters.map((m) => [parseDeadLetter(m.value).source.offset, m]));
      assert.deepEqual([...byOffset.keys()].sort(), [1, 3, 4, 5, 7]);
      const broken = parseDeadLetter(byOffset.get(1)!.value);
      assert.equal(broken.error.class, 'InvalidEventError');
      assert.match(broken.error.message, /invalid JSON/);
      assert.equal(broken.original.value, '{"n": 2');
      assert.equal(broken.step, 'parse');
      assert.equal(broken.rule, 'poison');
      assert.match(parseDeadLetter(byOffset.get(3)!.value).error.message, /must be a JSON object, got array/);
      assert.equal(parseDeadLetter(byOffset.get(4)!.value).original.value_encoding, 'base64');
      assert.deepEqual(broken.original.headers, [{ key: 'trace', value: 'abc', encoding: 'utf8' }], 'original headers are kept, in the envelope');
      assert.equal(header(byOffset.get(1)!, HEADER.errorClass), 'InvalidEventError');
      assert.equal(byOffset.get(1)!.key?.toString(), 'k', 'original key is kept');
      assert.deepEqual(new Set([...server.seen('n')].map(Number)), new Set([1, 3, 4]));
      await waitFor('offsets committed past the poison', async () => {
        const committed = await committedOffsets(`${service}-poison`, topic, [0]);
        return committed.get(0) === values.length || undefined;
      }, 20000, 200);
    } finally {
      await router.stop(5000);
    }
  });

  test('a failing http step retries, goes through the retry topic, ends in the dead-letter topic, and redrive brings it back', async () => {
    const service = uniqueName('imr-retry');
    const topic = `${service}.in`;
    await createTopics(KAFKA_BROKERS, [{ topic }]);
    const { config: configFile } = writeRouterConfig({
      service,
      rules: `rules:
  - name: flaky
    topics: [${topic}]
    retry: {in_process: 1, limit: 2, delay_ms: 50, max_delay_ms: 200}
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/flaky', body: {n: '{{message.n}}'}}
`,
    });
    const config = loadConfigFile(configFile).config;
    server.status = 503;
    await withProducer((p) => p.produce({ topic, key: 'enwiki:9', value: JSON.stringify({ n: 99, database: 'enwiki', page_id: 9 }) }));
    const router = await Router.start(config, { log: silentLogger });
    try {
      const [letter] = await readTopic(`${service}.error`, 1);
      const envelope = parseDeadLetter(letter!.value);
      assert.equal(envelope.error.class, 'TransientError');
      assert.match(envelope.error.message, /answered 503/);
      assert.equal(envelope.step, 'http');
      // 2 in-process tries in each of 3 rounds (the original and 2 retry-topic rounds)
      assert.equal(envelope.attempts, 6);
      assert.deepEqual(envelope.source, { topic, partition: 0, offset: 0, timestamp: envelope.source.timestamp });
      const retries = await readTopic(`${service}.retry.${topic}`, 2);
      assert.deepEqual(retries.map((m) => header(m, HEADER.attempt)), ['1', '2']);
      for (const m of retries) assert.ok(Number(header(m, HEADER.dueAt)) > 0);
      assert.equal(server.requests.filter((r) => r.path === '/flaky').length, 0);

      // The cause is fixed; redrive re-injects the dead letter for its rule and it succeeds.
      server.status = 200;
      const dry = await redrive(config, { rule: 'flaky' }, true);
      assert.deepEqual([dry.scanned, dry.redriven], [1, 1]);
      const none = await redrive(config, { rule: 'other_rule' }, true);
      assert.equal(none.redriven, 0);
      const result = await redrive(config, { rule: 'flaky', since: new Date(Date.now() - 3600_000) }, false);
      assert.equal(result.redriven, 1);
      await waitFor('redriven event applied', () => server.requests.some((r) => r.path === '/flaky' && Number(r.body.n) === 99) || undefined, 30000);
    } finally {
      await router.stop(5000);
    }
  });

  test('a permanent http failure is dead-lettered at once, without retry rounds', async () => {
    const service = uniqueName('imr-permanent');
    const topic = `${service}.in`;
    await createTopics(KAFKA_BROKERS, [{ topic }]);
    const { config } = writeRouterConfig({
      service,
      rules: `rules:
  - name: strict
    topics: [${topic}]
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/strict', ignore: [409]}
      - http: {method: POST, uri: 'http://{{message.host}}/x'}
`,
    });
    // The host comes from the event: a written-out host outside http.allowed_hosts is refused at start instead.
    await withProducer((p) => p.produce({ topic, value: JSON.stringify({ n: 1, host: 'not-allowed.example.org' }) }));
    server.status = 409; // ignored by the first step
    const router = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    try {
      const [letter] = await readTopic(`${service}.error`, 1);
      const envelope = parseDeadLetter(letter!.value);
      assert.equal(envelope.step, 'http#2');
      assert.equal(envelope.error.class, 'PermanentError');
      assert.match(envelope.error.message, /not in http.allowed_hosts/);
      assert.equal(envelope.attempts, 1);
    } finally {
      server.status = 200;
      await router.stop(5000);
    }
  });
});
