// How long the engine waits before it tries again: one exponential backoff, with the named policy of each retry
// (a failing step, a retry-topic round, a database outage, a parked event's produce). Pure: inject `random`.
import type { ResolvedRetry } from '../rules/schema.ts';

export interface BackoffPolicy {
  /** The ceiling of the first wait (attempt 0); it doubles with every attempt. */
  readonly baseMs: number;
  /** No wait is longer. */
  readonly maxMs: number;
  /** From this attempt on the ceiling stops doubling (before `maxMs` caps it). */
  readonly maxExponent: number;
  /** Full jitter (a random wait below the ceiling, so retries of many events spread out), or the ceiling itself. */
  readonly jitter: boolean;
}

/**
 * The wait before retry `attempt` (from 0): `min(maxMs, baseMs × 2^min(attempt, maxExponent))`, with full jitter
 * `floor(random() × that)`.
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(0, attempt), policy.maxExponent));
  return policy.jitter ? Math.floor(random() * ceiling) : ceiling;
}

/**
 * A failing step's in-process retries (attempt from 0) and the retry-topic rounds (attempt = the round, from 1): the
 * rule's `retry.delay_ms` and `retry.max_delay_ms`, full jitter. Rounds are at most 20, so the exponent needs no stop.
 */
export function ruleBackoff(retry: Pick<ResolvedRetry, 'delayMs' | 'maxDelayMs'>): BackoffPolicy {
  return { baseMs: retry.delayMs, maxMs: retry.maxDelayMs, maxExponent: Infinity, jitter: true };
}

/**
 * A database outage, waited out in process for as long as it lasts: the rule's settings, but as an outage's attempts
 * have no limit (a step's have `retry.in_process`, at most 10), the ceiling stops doubling after ten of them.
 */
export function outageBackoff(retry: Pick<ResolvedRetry, 'delayMs' | 'maxDelayMs'>): BackoffPolicy {
  return { baseMs: retry.delayMs, maxMs: retry.maxDelayMs, maxExponent: 10, jitter: true };
}

/**
 * Producing a parked event (retry or dead-letter topic), tried until it is durable, since the offset may not pass the
 * event before: 200 ms doubling to 30 s. Not the rule's settings: parking fails only when the broker does, for every
 * rule alike.
 */
export const PARKING_BACKOFF: BackoffPolicy = Object.freeze({ baseMs: 200, maxMs: 30_000, maxExponent: Infinity, jitter: false });
