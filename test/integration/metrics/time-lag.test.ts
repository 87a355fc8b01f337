// Time lag on the real broker: while a rule works through events of ten minutes ago, their age is reported per
// partition (metric and /v1/rules); once it has caught up, the age is 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';
import { parsePrometheusText, sumOf } from '../../helpers/prometheus-text.ts';

describe('the age of the events a rule is behind on', () => {
  const topic = uniqueName('imr-age');
  const server = new RecordingServer();
  let running: InProcessRouter;

  before(async () => {
    await server.start();
    await createTopics(KAFKA_BROKERS, [{ topic }]);
    const { config } = writeRouterConfig({
      service: uniqueName('imr-age'),
      rules: `rules:
  - name: aging
    topics: [${topic}]
    key: '{{message.n}}'
    # Failures are retried in process for a long while, so the events stay in hand until the API answers again.
    retry: {in_process: 10, delay_ms: 500, max_delay_ms: 1000}
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/effect', body: {n: '{{message.n}}'}}
`,
    });
    running = await startInProcessRouter(config);
  });
  after(async () => {
    await running?.stop();
    await server.stop();
  });

  const age = async () => sumOf(parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text()), 'imagematching_router_event_age_seconds', { rule: 'aging', topic });

  test('is the age of the oldest event in hand, by its Kafka timestamp, then 0 once caught up', async () => {
    server.status = 503; // every attempt fails and is retried in process: the events stay in hand
    const tenMinutesAgo = Date.now() - 600_000;
    await withProducer(async (p) => {
      for (let n = 0; n < 3; n++) await p.produce({ topic, value: JSON.stringify({ n }), timestamp: tenMinutesAgo + n * 1000 });
    });
    const behind = await waitFor('an age reported', async () => {
      const seconds = await age();
      return seconds >= 600 ? seconds : undefined;
    }, 30_000, 200);
    assert.ok(behind < 700, `${behind} s`);
    const rules = (await (await fetch(`${running.url}/v1/rules`)).json()) as { rules: Array<{ partitions: Array<{ topic: string; age_seconds: number | null }> }> };
    const partition = rules.rules[0]!.partitions.find((p) => p.topic === topic)!;
    assert.ok(partition.age_seconds !== null && partition.age_seconds >= 600);

    server.status = 200;
    await waitFor('caught up', async () => ((await age()) === 0 ? true : undefined), 60_000, 200);
    assert.equal(server.requests.length >= 3, true);
  });
});
