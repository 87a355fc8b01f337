import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';
import { parsePrometheusText, samplesOf, sumOf, type Scrape } from '../../helpers/prometheus-text.ts';
import { promtool, withoutUpstreamLintExceptions } from './promtool.ts';

const RULE = 'metrics_probe';

describe('metrics of a router with events flowing through it', () => {
  const topic = uniqueName('imr-metrics-src');
  let running: InProcessRouter;

  before(async () => {
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 2 }]);
    const { config } = writeRouterConfig({
      service: uniqueName('imr-metrics'),
      rules: `rules:
  - name: ${RULE}
    topics: [${topic}]
    match: {kind: wanted}
    steps:
      - log: {level: debug, message: 'page {{message.page_id}}'}
`,
    });
    running = await startInProcessRouter(config);
  });
  after(async () => {
    await running?.stop();
  });

  async function scrape(): Promise<{ text: string; parsed: Scrape }> {
    const res = await fetch(`${running.url}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    return { text, parsed: parsePrometheusText(text) };
  }

  test('50 events of which 30 match move consumed by 50, matched and succeeded by 30, unmatched by 20, with lag and offsets per partition', async () => {
    const base = (await scrape()).parsed;
    const before = (name: string, labels: Record<string, string> = {}) => sumOf(base, name, { rule: RULE, ...labels });

    await withProducer(async (producer) => {
      const sends = [];
      for (let i = 0; i < 50; i++) {
        const kind = i < 30 ? 'wanted' : 'other';
        sends.push(producer.produce({ topic, partition: i % 2, key: `enwiki:${i}`, value: JSON.stringify({ kind, database: 'enwiki', page_id: i }) }));
      }
      await Promise.all(sends);
    });

    const after = await waitFor('all 50 events finished and committed', async () => {
      const { parsed } = await scrape();
      const finished = sumOf(parsed, 'imagematching_router_events_finished_total', { rule: RULE });
      const committed = sumOf(parsed, 'imagematching_router_committed_offset', { rule: RULE, topic });
      return finished - before('imagematching_router_events_finished_total') >= 50 && committed >= 50 ? parsed : undefined;
    }, 60_000, 200);
    const delta = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, { rule: RULE, ...labels }) - before(name, labels);

    assert.equal(delta('imagematching_router_events_consumed_total', { topic }), 50);
    assert.equal(delta('imagematching_router_events_consumed_total', { topic, partition: '0' }), 25);
    assert.equal(delta('imagematching_router_events_consumed_total', { topic, partition: '1' }), 25);
    assert.equal(delta('imagematching_router_events_matched_total', { topic }), 30);
    assert.equal(delta('imagematching_router_events_finished_total', { topic, outcome: 'succeeded' }), 30);
    assert.equal(delta('imagematching_router_events_finished_total', { topic, outcome: 'unmatched' }), 20);
    assert.equal(delta('imagematching_router_events_finished_total', { outcome: 'dead_lettered' }), 0);
    assert.equal(delta('imagematching_router_step_duration_seconds_count', { outcome: 'ok' }), 30, 'one log step per matched event');
    assert.equal(sumOf(after, 'imagematching_router_events_in_flight', { rule: RULE }), 0);

    // Offsets start at 0, so the committed offset of each partition is the number of events it received.
    assert.equal(sumOf(after, 'imagematching_router_committed_offset', { rule: RULE, topic, partition: '0' }), 25);
    assert.equal(sumOf(after, 'imagematching_router_committed_offset', { rule: RULE, topic, partition: '1' }), 25);
    const lag = await waitFor('lag reported for both source partitions', async () => {
      const series = samplesOf((await scrape()).parsed, 'imagematching_router_consumer_lag_messages', { rule: RULE, topic });
      return series.length === 2 ? series : undefined;
    });
    assert.deepEqual(lag.map((s) => s.labels.partition).sort(), ['0', '1']);
    for (const s of lag) assert.ok(s.value >= 0 && s.value <= 25, `lag of partition ${s.labels.partition} is ${s.value}`);

    const rules = (await (await fetch(`${running.url}/v1/rules`)).json()) as { rules: Array<{ name: string; counters: Record<string, number> }> };
    const counters = rules.rules.find((r) => r.name === RULE)!.counters;
    assert.equal(counters.consumed, 50);
    assert.equal(counters.succeeded, 30);
  });

  test('a scrape of the running router passes promtool check metrics', async () => {
    const { text, parsed } = await scrape();
    assert.equal(sumOf(parsed, 'imagematching_router_dependency_up', { dependency: 'kafka' }), 1);
    assert.equal(sumOf(parsed, 'imagematching_router_dependency_up', { dependency: 'database' }), 1);
    assert.equal(sumOf(parsed, 'imagematching_router_rule_paused', { rule: RULE }), 0);
    const result = promtool(['check', 'metrics'], withoutUpstreamLintExceptions(text));
    assert.equal(result.status, 0, result.output);
  });
});
