// `produce`: sends a derived event to a Kafka topic and waits for the broker's acknowledgement, so the
// source offset is committed only once the derived event is durable.
import { Type } from '@sinclair/typebox';
import { compileTemplateTree } from '../rules/template.ts';
import { PermanentError } from '../errors.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    topic: Type.String({ minLength: 1, description: 'Destination topic (template)' }),
    key: Type.Optional(Type.String({ description: 'Message key (template); default: the source message key' })),
    value: Type.Unknown({ default: '{{message}}', description: 'Event body: a template tree, sent as JSON' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Extra headers (templates)' })),
  },
  { additionalProperties: false },
);

export const produceHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'produce',
  description: 'Produce a derived JSON event to a topic (acknowledged before the step succeeds).',
  options: Options,
  create(options, env) {
    const topic = compileTemplateTree(options.topic);
    const key = options.key === undefined ? null : compileTemplateTree(options.key);
    const value = compileTemplateTree(options.value);
    const headers = compileTemplateTree(options.headers ?? {});
    return {
      async run(ctx) {
        const destination = String(topic.evaluate(ctx) ?? '');
        if (!/^[A-Za-z0-9._-]+$/.test(destination)) throw new PermanentError(`produce: invalid topic name ${JSON.stringify(destination)}`);
        const body = value.evaluate(ctx);
        const renderedKey = key ? String(key.evaluate(ctx) ?? '') : ctx.source.key;
        const rendered = headers.evaluate(ctx) as Record<string, unknown>;
        const report = await env.producer.produce({
          topic: destination,
          key: renderedKey || null,
          value: JSON.stringify(body),
          headers: Object.entries(rendered).map(([k, v]) => ({ [k]: String(v) })),
        });
        return { result: report };
      },
    };
  },
};
