// `produce`: sends a derived event to a Kafka topic and waits for the broker's acknowledgement, so the
// source offset is committed only once the derived event is durable.
import { Type } from '@sinclair/typebox';
import { compileTemplateTree } from '../rules/template.ts';
import { PermanentError } from '../errors.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    topic: Type.String({ minLength: 1, 'x-kind': 'template', description: 'Destination topic (the exact name, no prefix added)' }),
    key: Type.Optional(
      Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())], {
        'x-kind': 'template, or template tree',
        'x-default': 'the source message key',
        description: 'Message key; a mapping is sent as JSON (`{wiki_id, page_id}`, as Wikimedia keys page streams)',
      }),
    ),
    value: Type.Unknown({ default: '{{message}}', 'x-kind': 'template tree', description: 'The event body, sent as JSON' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { 'x-kind': 'mapping of templates', description: 'Extra headers' })),
    cluster: Type.String({
      pattern: '^[a-z][a-z0-9_-]*$',
      default: 'main',
      description: 'Kafka cluster to produce to: `main` (`kafka.brokers`), whatever cluster the rule reads, or a name under `kafka.clusters`',
    }),
  },
  { additionalProperties: false },
);

export const produceHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'produce',
  description: "Produces a derived JSON event and waits for the broker's acknowledgement, so the source offset is committed only once the derived event is durable.",
  examples: [
    {
      summary: 'Forward the event, keyed by wiki and page',
      options: { topic: 'images.page_touched', key: '{{message.database}}:{{message.page_id}}', value: { wiki: '{{message.database}}', page_id: '{{message.page_id}}' } },
    },
  ],
  options: Options,
  create(options, env) {
    const topic = compileTemplateTree(options.topic);
    const key = options.key === undefined ? null : compileTemplateTree(options.key);
    const value = compileTemplateTree(options.value);
    const headers = options.headers === undefined ? null : compileTemplateTree(options.headers);
    // A valid constant destination (the usual case) is checked once, not per event.
    const constantTopic = topic.isConstant ? String(topic.evaluate({}) ?? '') : null;
    const fixedTopic = constantTopic !== null && TOPIC_NAME.test(constantTopic) ? constantTopic : null;
    const producer = env.producerFor ? env.producerFor(options.cluster) : env.producer;
    return {
      async run(ctx) {
        const destination = fixedTopic ?? checkedTopic(topic.evaluate(ctx));
        const body = value.evaluate(ctx);
        const renderedKey = key ? keyText(key.evaluate(ctx)) : ctx.source.key;
        const rendered = headers ? (headers.evaluate(ctx) as Record<string, unknown>) : null;
        const report = await producer.produce({
          topic: destination,
          key: renderedKey || null,
          value: JSON.stringify(body),
          ...(rendered ? { headers: Object.entries(rendered).map(([k, v]) => ({ [k]: String(v) })) } : {}),
        });
        return { result: report };
      },
    };
  },
};

const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;

/** A rendered key as sent: text as it is, a mapping as JSON. */
function keyText(rendered: unknown): string {
  if (rendered !== null && typeof rendered === 'object') return JSON.stringify(rendered);
  return String(rendered ?? '');
}

function checkedTopic(rendered: unknown): string {
  const destination = String(rendered ?? '');
  if (!TOPIC_NAME.test(destination)) throw new PermanentError(`produce: invalid topic name ${JSON.stringify(destination)}`);
  return destination;
}
