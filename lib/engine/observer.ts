// What the engine reports as it works. Metrics (Prometheus) and tests implement it; the engine never
// depends on a metrics library directly. Labels are bounded: rule, topic, partition, step, outcome.

export type EventOutcome = 'succeeded' | 'unmatched' | 'skipped' | 'retried' | 'dead_lettered' | 'ignored';

/**
 * Why an event was read and deliberately not applied (outcome `skipped`): a bounded set, so it can be a metric label.
 * canary: a Wikimedia canary event (meta.domain canary); other_stream: a file line of a stream the rule does not read;
 * the rest are what a step found (an unavailable revision or parent, a title that names no page, a redirect).
 */
export const SKIP_REASONS = [
  'canary',
  'other_stream',
  'revision_missing',
  'revision_hidden',
  'parent_unavailable',
  'page_missing',
  'title_invalid',
  'redirect',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface EngineObserver {
  consumed(rule: string, topic: string, partition: number): void;
  matched(rule: string, topic: string): void;
  /** Exactly once per event read; `reason` is set for outcome `skipped`. */
  finished(rule: string, topic: string, outcome: EventOutcome, reason?: SkipReason): void;
  /** With finished(…, 'dead_lettered'): the step that failed and the error's class (both bounded), for run summaries. */
  deadLettered?(rule: string, step: string, errorClass: string): void;
  stepDone(rule: string, step: string, seconds: number, outcome: 'ok' | 'error'): void;
  stepRetried(rule: string, step: string): void;
  committed(rule: string, topic: string, partition: number, offset: number): void;
  commitFailed(rule: string, reason: string): void;
  inFlight(rule: string, delta: number): void;
  lag(rule: string, topic: string, partition: number, lag: number): void;
  /** How old (seconds) the events the partition is behind on are (lib/engine/lag.ts partitionTimeLag). */
  timeLag(rule: string, topic: string, partition: number, seconds: number): void;
  partitionRevoked(rule: string, topic: string, partition: number): void;
}


export const noopObserver: EngineObserver = {
  consumed() {},
  matched() {},
  finished() {},
  stepDone() {},
  stepRetried() {},
  committed() {},
  commitFailed() {},
  inFlight() {},
  lag() {},
  timeLag() {},
  partitionRevoked() {},
};
