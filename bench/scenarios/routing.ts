// routing: the engine alone. A rule with a `match` (9 in 10 events match) and a `produce` of the event to an
// output topic, acknowledged before the source offset may be committed. Latency of the rate phase is the
// derived message's timestamp (set when the router produced it) minus the send time carried in the event.
import { KafkaConsumerClient } from '../../lib/kafka/consumer.ts';
import { consumerSettings } from '../../lib/kafka/client-config.ts';
import { consumeBaseline, consumeProduceBaseline } from '../lib/baselines.ts';
import { ratio, runRouterScenario, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import { kafkaSettings, percentile, uniqueName, type BenchMessage } from '../lib/services.ts';

function routingEvent(i: number, sentMs: number | null): BenchMessage {
  const wiki = i % 10 === 9 ? 'frwiki' : i % 2 === 0 ? 'enwiki' : 'dewiki';
  const event = {
    meta: { stream: 'bench.routing', dt: '2024-01-01T00:00:00.000Z', id: `routing-${i}`, domain: 'en.wikipedia.org' },
    wiki,
    page_id: 1 + (i % 50_000),
    filename: `Routed_${i}.jpg`,
    is_accepted: i % 3 === 0,
    ...(sentMs === null ? {} : { sent_ms: sentMs }),
  };
  return { key: `${wiki}:${event.page_id}`, value: JSON.stringify(event) };
}

export async function routingScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const output = (prefix: string) => `${prefix}.bench.routed`;
  return runRouterScenario(
    {
      name: 'routing',
      stream: 'bench.routing',
      rules: ({ prefix }) => `rules:
  - name: bench_routing
    topics: [bench.routing]
    match:
      wiki: '/^(en|de)wiki$/'
      meta: { domain: '/\\.wikipedia\\.org$/' }
    key: '{{message.wiki}}:{{message.page_id}}'
    concurrency: 2000
    steps:
      - produce: { topic: '${output(prefix)}' }
`,
      extraTopics: ({ prefix }) => [output(prefix)],
      backlog: (i) => routingEvent(i, null),
      rateEvent: (i) => routingEvent(10_000_000 + i, Date.now()),
      async measure(ctx) {
        const matchedBacklog = Math.round(options.events * 0.9);
        // Read the output topic back: every matched event once (at least), and the rate phase's latencies.
        const consumer = new KafkaConsumerClient(consumerSettings(kafkaSettings, uniqueName('imr-bench-routed')));
        await consumer.connect();
        consumer.subscribe([output(ctx.prefix)]);
        const latencies: number[] = [];
        const rateMatched = Math.round(ctx.rateEvents * 0.9);
        let seen = 0;
        const deadline = Date.now() + 120_000;
        try {
          while (latencies.length < rateMatched || seen < matchedBacklog + rateMatched) {
            if (Date.now() > deadline) break;
            for (const m of await consumer.consumeBatch(500)) {
              seen += 1;
              const value = m.value!.toString('utf8');
              const at = value.indexOf('"sent_ms":');
              if (at >= 0) latencies.push(m.timestamp! - Number(/^\d+/.exec(value.slice(at + 10))![0]));
            }
          }
        } finally {
          await consumer.disconnect();
        }
        latencies.sort((a, b) => a - b);
        const consume = await consumeBaseline(ctx.topic, options.events);
        const consumeParse = await consumeBaseline(ctx.topic, options.events, true);
        const consumeProduce = await consumeProduceBaseline(ctx.topic, options.events);
        return {
          p50_ms: percentile(latencies, 50),
          p99_ms: percentile(latencies, 99),
          latency_max_ms: latencies.at(-1) ?? NaN,
          latency_events: latencies.length,
          baseline_events_per_s: Math.round(consume),
          ratio_to_baseline: ratio(ctx.eventsPerS, consume),
          baseline_consume_parse_events_per_s: Math.round(consumeParse),
          baseline_consume_produce_events_per_s: Math.round(consumeProduce),
          ratio_to_consume_produce: ratio(ctx.eventsPerS, consumeProduce),
          output_messages: seen,
          api_requests_per_event: 0,
        };
      },
    },
    options,
  );
}
