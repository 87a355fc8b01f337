// `drop`: ends the rule's chain for this event, successfully. Useful after a `log` step or in a rule that
// exists only to stop certain events from reaching later steps.
import { Type } from '@sinclair/typebox';
import type { HandlerDefinition } from './types.ts';

const Options = Type.Object({}, { additionalProperties: false });

export const dropHandler: HandlerDefinition<typeof Options> = {
  name: 'drop',
  description: 'Ends the chain successfully (the event counts as succeeded): after a `log` step, or in a rule that exists to keep some events from later steps.',
  examples: [{ summary: 'Stop here', options: {} }],
  options: Options,
  create() {
    return { run: async () => ({ stop: true }) };
  },
};
