// `drop`: ends the rule's chain for this event, successfully. Useful after a `log` step or in a rule that
// exists only to stop certain events from reaching later steps.
import { Type } from '@sinclair/typebox';
import type { HandlerDefinition } from './types.ts';

const Options = Type.Object({}, { additionalProperties: false });

export const dropHandler: HandlerDefinition<typeof Options> = {
  name: 'drop',
  description: 'Stop processing the event (successfully).',
  options: Options,
  create() {
    return { run: async () => ({ stop: true }) };
  },
};
