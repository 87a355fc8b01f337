// A small handler map for rule tests: the real handlers live in lib/handlers and are written separately.
// Only the option schemas matter to validation.
import { Type } from '@sinclair/typebox';
import type { HandlerSchema } from '../../../lib/rules/validate.ts';

export const testHandlers: ReadonlyMap<string, HandlerSchema> = new Map<string, HandlerSchema>([
  [
    'http',
    {
      options: Type.Object(
        {
          method: Type.Union([Type.Literal('GET'), Type.Literal('POST')]),
          uri: Type.String(),
          timeout_ms: Type.Optional(Type.Integer({ minimum: 1, default: 10000 })),
          body: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown())])),
        },
        { additionalProperties: false },
      ),
    },
  ],
  [
    'log',
    {
      options: Type.Object(
        {
          level: Type.Optional(Type.Union([Type.Literal('debug'), Type.Literal('info')], { default: 'info' })),
          message: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    },
  ],
  ['fetch_revisions', { options: Type.Object({}, { additionalProperties: false }) }],
]);
