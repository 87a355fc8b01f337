import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelayMs, outageBackoff, PARKING_BACKOFF, ruleBackoff } from '../../../lib/engine/backoff.ts';

describe('backoffDelayMs with a rule’s retry settings', () => {
  const policy = ruleBackoff({ delayMs: 1000, maxDelayMs: 5000 });
  const cases: [string, number, number, number][] = [
    ['uses the base delay for the first attempt', 0, 0.999999, 999],
    ['doubles the ceiling per attempt', 2, 0.5, 2000],
    ['caps the ceiling at maxDelayMs', 10, 0.5, 2500],
    ['can be zero (full jitter)', 3, 0, 0],
    ['treats a negative attempt as the first', -1, 0.5, 500],
  ];
  for (const [name, attempt, random, expected] of cases) test(name, () => assert.equal(backoffDelayMs(policy, attempt, () => random), expected));
});

describe('backoffDelayMs for a database outage', () => {
  const policy = outageBackoff({ delayMs: 10, maxDelayMs: 300_000 });
  const cases: [string, number, number][] = [
    ['doubles like a step retry at first', 3, 80],
    ['stops doubling after ten attempts', 10, 10_240],
    ['stays there however long the outage lasts', 5_000, 10_240],
  ];
  for (const [name, attempt, ceiling] of cases) test(name, () => assert.equal(backoffDelayMs(policy, attempt, () => 0.999999), ceiling - 1));

  test('is capped by max_delay_ms when that is lower', () => {
    assert.equal(backoffDelayMs(outageBackoff({ delayMs: 1000, maxDelayMs: 300_000 }), 10, () => 0.5), 150_000);
  });
});

describe('backoffDelayMs for parking', () => {
  const cases: [number, number][] = [
    [0, 200],
    [1, 400],
    [7, 25_600],
    [8, 30_000],
    [10_000, 30_000],
  ];
  for (const [attempt, expected] of cases) {
    test(`waits ${expected} ms, without jitter, before attempt ${attempt + 1}`, () => assert.equal(backoffDelayMs(PARKING_BACKOFF, attempt, () => 0), expected));
  }
});
