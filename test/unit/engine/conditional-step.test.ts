// A step with `when` runs only for events whose context matches; the chain goes on either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { conditionalStep } from '../../../lib/engine/conditional-step.ts';
import { compileMatcher } from '../../../lib/rules/matcher.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { StepContext } from '../../../lib/engine/step.ts';

const ctx = (results: Record<string, unknown>): StepContext => ({
  message: { database: 'enwiki' }, match: {}, results, source: { topic: 't', partition: 0, offset: 0, key: null, stream: 't' }, rule: 'r', log: silentLogger,
});

test('runs the step when the context matches, and skips it otherwise', async () => {
  let runs = 0;
  const step = conditionalStep({ run: async () => ((runs += 1), { result: 'done' }) }, compileMatcher({ results: { record_page_images: { becameIllustrated: true } }, message: { database: '/wiki$/' } }));
  assert.deepEqual(await step.run(ctx({ record_page_images: { becameIllustrated: true } })), { result: 'done' });
  assert.equal(await step.run(ctx({ record_page_images: { becameIllustrated: false } })), undefined);
  assert.equal(await step.run(ctx({})), undefined);
  assert.equal(runs, 1);
});

test('keeps the step’s close', async () => {
  let closed = false;
  await conditionalStep({ run: async () => undefined, close: async () => void (closed = true) }, compileMatcher({})).close?.();
  assert.equal(closed, true);
});
