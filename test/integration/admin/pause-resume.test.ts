import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';
import { parsePrometheusText, sumOf } from '../../helpers/prometheus-text.ts';

const TOKEN = 'pause-resume-test-token';

describe('pausing and resuming a rule through the admin API', () => {
  const topic = uniqueName('imr-pause-src');
  const downstream = new RecordingServer();
  let running: InProcessRouter;

  const rule = (name: string) => `  - name: ${name}
    topics: [${topic}]
    key: '{{message.id}}'
    steps:
      - http:
          method: POST
          uri: 'http://127.0.0.1:${downstream.port}/${name}'
          body: {id: '{{message.id}}'}
`;

  before(async () => {
    await downstream.start();
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 2 }]);
    const { config } = writeRouterConfig({
      service: uniqueName('imr-pause'),
      rules: `rules:\n${rule('paused_rule')}${rule('control_rule')}`,
      extra: `admin: {token: "${TOKEN}"}`,
    });
    running = await startInProcessRouter(config);
  });
  after(async () => {
    await running?.stop();
    await downstream.stop();
  });

  const idsSeenBy = (name: string) => new Set(downstream.requests.filter((r) => r.path === `/${name}`).map((r) => String(r.body.id)));
  const produce = (from: number, to: number) =>
    withProducer(async (producer) => {
      const sends = [];
      for (let i = from; i < to; i++) sends.push(producer.produce({ topic, partition: i % 2, key: `k${i}`, value: JSON.stringify({ id: String(i) }) }));
      await Promise.all(sends);
    });
  const control = (action: 'pause' | 'resume', token?: string) =>
    fetch(`${running.url}/v1/rules/paused_rule/${action}`, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const ids = (from: number, to: number) => new Set(Array.from({ length: to - from }, (_, i) => String(from + i)));

  test('pause stops the rule consuming, resume continues it, no event is lost, and both refuse requests without the token', async () => {
    await produce(0, 10);
    await waitFor('both rules handled the first 10 events', () => idsSeenBy('paused_rule').size === 10 && idsSeenBy('control_rule').size === 10, 60_000);

    for (const token of [undefined, 'wrong-token']) {
      const res = await control('pause', token);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: 'unauthorized' });
    }
    const consumer = running.router.consumer('paused_rule')!;
    assert.equal(consumer.isPaused, false, 'refused requests changed nothing');

    const paused = await control('pause', TOKEN);
    assert.equal(paused.status, 200);
    assert.deepEqual(await paused.json(), { rule: 'paused_rule', status: 'paused', paused: true });
    await waitFor('every assigned partition of the rule paused', () => {
      const partitions = consumer.pending();
      return partitions.length > 0 && partitions.every((p) => p.paused);
    });

    await produce(10, 30);
    // The control rule reads the same partitions: once it has all 30, the paused rule had the chance to read them too.
    await waitFor('the control rule handled all 30 events', () => idsSeenBy('control_rule').size === 30, 60_000);
    assert.deepEqual(idsSeenBy('paused_rule'), ids(0, 10), 'the paused rule consumed nothing new');

    const listed = (await (await fetch(`${running.url}/v1/rules`)).json()) as { rules: Array<{ name: string; status: string; paused: boolean }> };
    assert.deepEqual(listed.rules.map((r) => [r.name, r.status, r.paused]).sort(), [
      ['control_rule', 'running', false],
      ['paused_rule', 'paused', true],
    ]);
    const scrape = parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text());
    assert.equal(sumOf(scrape, 'imagematching_router_rule_paused', { rule: 'paused_rule' }), 1);

    assert.equal((await control('resume')).status, 401);
    assert.equal(consumer.isPaused, true, 'a refused resume leaves the rule paused');
    const resumed = await control('resume', TOKEN);
    assert.equal(resumed.status, 200);
    assert.deepEqual(await resumed.json(), { rule: 'paused_rule', status: 'running', paused: false });

    await waitFor('the resumed rule handled all 30 events', () => idsSeenBy('paused_rule').size === 30, 60_000);
    assert.deepEqual(idsSeenBy('paused_rule'), ids(0, 30));
    await waitFor('the resumed rule committed all 30 offsets', () => {
      const committed = consumer.pending().filter((p) => p.topic === topic).reduce((sum, p) => sum + (p.committed ?? 0), 0);
      return committed === 30;
    }, 30_000);
  });
});
