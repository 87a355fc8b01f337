// A step with `when`: it runs only for events whose context (message, match, results of earlier steps, source, rule)
// matches the pattern; otherwise the chain goes on without it. The pattern is the rule language's match (rules/matcher).
import type { Matcher } from '../rules/matcher.ts';
import type { Step } from './step.ts';

export function conditionalStep(step: Step, when: Matcher): Step {
  return {
    run: (ctx) => (when.test(ctx).matched ? step.run(ctx) : Promise.resolve(undefined)),
    ...(step.close ? { close: () => step.close!() } : {}),
  };
}
