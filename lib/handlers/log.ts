// `log`: writes a log line for the event, e.g. to watch what a new rule matches before it does anything.
import { Type } from '@sinclair/typebox';
import { compileTemplateTree } from '../rules/template.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info', description: 'Log level' }),
    message: Type.String({ default: 'event matched rule {{rule}}', 'x-kind': 'template', description: 'The log message' }),
    fields: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { 'x-kind': 'mapping of templates', description: 'Extra structured fields; one whose key the line has already (service, rule, topic, partition, offset, level, time, msg) goes under `fields`' })),
  },
  { additionalProperties: false },
);

/** Keys every line has already: pino's own and the logger's bindings (service, rule, and for an event its coordinates). */
const LINE_KEYS = ['level', 'time', 'msg'];

/**
 * The fields of the line, each key once: the event's coordinates unless the event's logger carries them already,
 * then the user's fields; a user field whose key the line has already goes under `fields` instead of repeating it.
 */
export function lineFields(
  bindings: Record<string, unknown>,
  source: { topic: string; partition: number; offset: number },
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const taken = new Set([...LINE_KEYS, ...Object.keys(bindings)]);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries({ topic: source.topic, partition: source.partition, offset: source.offset })) {
    if (!taken.has(key)) out[key] = value;
  }
  for (const key of Object.keys(out)) taken.add(key);
  const colliding: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (taken.has(key) || key === 'fields') colliding[key] = value;
    else out[key] = value;
  }
  if (Object.keys(colliding).length > 0) out.fields = colliding;
  return out;
}

export const logHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'log',
  description: 'Logs a line about the event, with its topic, partition and offset: to watch what a new rule matches before it does anything.',
  examples: [{ summary: 'Log the revisions a rule matches', options: { message: 'revision {{message.rev_id}} of {{message.page_title}}', fields: { wiki: '{{message.database}}' } } }],
  options: Options,
  create(options) {
    const message = compileTemplateTree(options.message);
    const fields = compileTemplateTree(options.fields ?? {});
    return {
      async run(ctx) {
        ctx.log[options.level](lineFields(ctx.log.bindings(), ctx.source, fields.evaluate(ctx) as Record<string, unknown>), String(message.evaluate(ctx)));
      },
    };
  },
};
