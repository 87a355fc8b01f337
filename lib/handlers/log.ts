// `log`: writes a log line for the event, e.g. to watch what a new rule matches before it does anything.
import { Type } from '@sinclair/typebox';
import { compileTemplateTree } from '../rules/template.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    level: Type.Union([Type.Literal('debug'), Type.Literal('info'), Type.Literal('warn'), Type.Literal('error')], { default: 'info', description: 'Log level' }),
    message: Type.String({ default: 'event matched rule {{rule}}', 'x-kind': 'template', description: 'The log message' }),
    fields: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { 'x-kind': 'mapping of templates', description: 'Extra structured fields' })),
  },
  { additionalProperties: false },
);

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
        const extra = fields.evaluate(ctx) as Record<string, unknown>;
        ctx.log[options.level]({ ...extra, topic: ctx.source.topic, partition: ctx.source.partition, offset: ctx.source.offset }, String(message.evaluate(ctx)));
      },
    };
  },
};
