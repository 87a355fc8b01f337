// Runs a rule's steps for one event, retrying a failing step in process with the rule's backoff. A lost database is
// waited out (consumption stalls behind it) instead of pushing events to the retry topic.
import { asRouterError, DatabaseUnavailableError, type RouterError } from '../errors.ts';
import type { ResolvedRetry } from '../rules/schema.ts';
import { backoffDelayMs, outageBackoff, ruleBackoff } from './backoff.ts';
import type { Step, StepContext } from './step.ts';
import type { SkipReason } from './observer.ts';

export interface RunnableStep {
  name: string;
  step: Step;
}

export type ChainOutcome =
  /** `skipped`: a step said why the event was not applied (the last one that did). */
  | { kind: 'done'; stoppedAt?: string; skipped?: SkipReason }
  /** `error` carries its context: the rule, the step and the event's coordinates. */
  | { kind: 'failed'; step: string; error: RouterError; errorClass: string; attempts: number }
  | { kind: 'abandoned' };

export interface ChainHooks {
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random?: () => number;
  onStepDone?(step: string, seconds: number, outcome: 'ok' | 'error'): void;
  onRetry?(step: string, error: RouterError, attempt: number, delayMs: number, ctx: StepContext): void;
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The outcome of every chain that ran to its end: shared, since it carries nothing of the event. */
const DONE: ChainOutcome = Object.freeze({ kind: 'done' });

export async function runChain(
  steps: readonly RunnableStep[],
  ctx: StepContext,
  retry: ResolvedRetry,
  signal: AbortSignal,
  hooks: ChainHooks,
): Promise<ChainOutcome> {
  let skipped: SkipReason | undefined;
  for (const { name, step } of steps) {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return { kind: 'abandoned' };
      const started = performance.now();
      try {
        const outcome = await step.run(ctx);
        hooks.onStepDone?.(name, (performance.now() - started) / 1000, 'ok');
        if (outcome && outcome.result !== undefined) (ctx.results as Record<string, unknown>)[name] = outcome.result;
        if (outcome?.skipped !== undefined) skipped = outcome.skipped;
        if (outcome?.stop) return skipped === undefined ? { kind: 'done', stoppedAt: name } : { kind: 'done', stoppedAt: name, skipped };
        break;
      } catch (thrown) {
        hooks.onStepDone?.(name, (performance.now() - started) / 1000, 'error');
        const { source } = ctx;
        const error = asRouterError(thrown).withContext({ topic: source.topic, partition: source.partition, offset: source.offset, rule: ctx.rule, step: name });
        const waitOut = error instanceof DatabaseUnavailableError;
        if (!error.retriable || (!waitOut && attempt >= retry.inProcess)) {
          return { kind: 'failed', step: name, error, errorClass: error.errorClass, attempts: attempt + 1 };
        }
        const delay = Math.max(error.retryAfterMs ?? 0, backoffDelayMs(waitOut ? outageBackoff(retry) : ruleBackoff(retry), attempt, hooks.random));
        hooks.onRetry?.(name, error, attempt + 1, delay, ctx);
        await hooks.sleep(delay, signal);
      }
    }
  }
  return skipped === undefined ? DONE : { kind: 'done', skipped };
}
