import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runChain, type RunnableStep } from '../../../lib/engine/run-chain.ts';
import { DatabaseUnavailableError, PermanentError, TransientError } from '../../../lib/errors.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { StepContext } from '../../../lib/engine/step.ts';

const retry = { inProcess: 2, limit: 3, delayMs: 100, maxDelayMs: 1000 };

function context(): StepContext {
  return { message: {}, match: {}, results: {}, source: { topic: 't', partition: 0, offset: 0, key: null, stream: 't' }, rule: 'r', log: silentLogger };
}

function failing(times: number, error: () => Error, result: unknown = 'ok'): RunnableStep & { calls: number } {
  const s = {
    name: 'flaky',
    calls: 0,
    step: {
      run: async () => {
        s.calls++;
        if (s.calls <= times) throw error();
        return { result };
      },
    },
  };
  return s;
}

describe('runChain', () => {
  const sleeps: number[] = [];
  const hooks = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };

  test('runs every step and keeps each result under the step name', async () => {
    const ctx = context();
    const steps: RunnableStep[] = [
      { name: 'a', step: { run: async () => ({ result: 1 }) } },
      { name: 'b', step: { run: async (c) => ({ result: (c.results.a as number) + 1 }) } },
    ];
    const outcome = await runChain(steps, ctx, retry, new AbortController().signal, hooks);
    assert.deepEqual(outcome, { kind: 'done' });
    assert.deepEqual(ctx.results, { a: 1, b: 2 });
  });

  test('a stop result ends the chain successfully', async () => {
    let reached = false;
    const steps: RunnableStep[] = [
      { name: 'drop', step: { run: async () => ({ stop: true }) } },
      { name: 'never', step: { run: async () => void (reached = true) } },
    ];
    const outcome = await runChain(steps, context(), retry, new AbortController().signal, hooks);
    assert.deepEqual(outcome, { kind: 'done', stoppedAt: 'drop' });
    assert.equal(reached, false);
  });

  test('a step that says why it skipped the event makes the outcome skipped with that reason, stopping or not', async () => {
    const stopping: RunnableStep[] = [
      { name: 'fetch', step: { run: async () => ({ result: 1, skipped: 'revision_hidden', stop: true }) } },
      { name: 'never', step: { run: async () => assert.fail('ran after a stop') } },
    ];
    assert.deepEqual(await runChain(stopping, context(), retry, new AbortController().signal, hooks), { kind: 'done', stoppedAt: 'fetch', skipped: 'revision_hidden' });
    const going: RunnableStep[] = [
      { name: 'diff', step: { run: async () => ({ skipped: 'parent_unavailable' }) } },
      { name: 'record', step: { run: async () => ({ result: 2 }) } },
    ];
    assert.deepEqual(await runChain(going, context(), retry, new AbortController().signal, hooks), { kind: 'done', skipped: 'parent_unavailable' });
  });

  test('a transient error is retried in process with growing backoff, then succeeds', async () => {
    sleeps.length = 0;
    const step = failing(2, () => new TransientError('503'));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'done');
    assert.equal(step.calls, 3);
    assert.deepEqual(sleeps, [50, 100]); // random 0.5 × min(1000, 100 × 2^attempt)
  });

  test('after the in-process retries a transient error fails the chain as retriable', async () => {
    const step = failing(10, () => new TransientError('503'));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.attempts, 3);
    assert.equal(outcome.error.retriable, true);
    assert.equal(outcome.errorClass, 'TransientError');
  });

  test('a permanent error fails at once', async () => {
    const step = failing(10, () => new PermanentError('404'));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'failed');
    assert.equal(step.calls, 1);
  });

  test('a server-requested delay (Retry-After) is honoured', async () => {
    sleeps.length = 0;
    const step = failing(1, () => new TransientError('429', { retryAfterMs: 5000 }));
    await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.deepEqual(sleeps, [5000]);
  });

  test('a database outage is waited out beyond the in-process retry budget', async () => {
    const step = failing(8, () => new DatabaseUnavailableError('connection refused'));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'done');
    assert.equal(step.calls, 9);
  });

  test('an aborted chain (revoked partition, shutdown) is abandoned, not failed', async () => {
    const controller = new AbortController();
    const step = failing(100, () => new DatabaseUnavailableError('down'));
    const outcome = await runChain([step], context(), retry, controller.signal, {
      sleep: async () => controller.abort(),
    });
    assert.deepEqual(outcome, { kind: 'abandoned' });
  });

  test('an unknown thrown value is treated as transient', async () => {
    const step = failing(10, () => new Error('surprise'));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind === 'failed') assert.equal(outcome.error.retriable, true);
  });

  test('a bug in a step (a TypeError) fails at once, not retried, under its own class', async () => {
    sleeps.length = 0;
    const step = failing(10, () => new TypeError("Cannot read properties of undefined (reading 'rev_id')"));
    const outcome = await runChain([step], context(), retry, new AbortController().signal, hooks);
    assert.equal(step.calls, 1);
    assert.deepEqual(sleeps, []);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.equal(outcome.error.retriable, false);
    assert.equal(outcome.errorClass, 'TypeError');
    assert.equal(outcome.error.message, "Cannot read properties of undefined (reading 'rev_id')");
  });

  test('the failed error says which rule, step and event it is about', async () => {
    const ctx = { ...context(), rule: 'images', source: { topic: 'eqiad.mediawiki.revision-create', partition: 3, offset: 41, key: null, stream: 'mediawiki.revision-create' } };
    const shared = new PermanentError('404');
    const step = { name: 'fetch', step: { run: async () => Promise.reject(shared) } };
    const outcome = await runChain([step], ctx, retry, new AbortController().signal, hooks);
    assert.equal(outcome.kind, 'failed');
    if (outcome.kind !== 'failed') return;
    assert.deepEqual(outcome.error.context, { topic: 'eqiad.mediawiki.revision-create', partition: 3, offset: 41, rule: 'images', step: 'fetch' });
    assert.deepEqual(shared.context, {}, 'the thrown error itself is left alone');
  });
});
