// What the engine reports as it works. Metrics (Prometheus) and tests implement it; the engine never
// depends on a metrics library directly. Labels are bounded: rule, topic, partition, step, outcome.

export type EventOutcome = 'succeeded' | 'unmatched' | 'retried' | 'dead_lettered' | 'ignored';

export interface EngineObserver {
  consumed(rule: string, topic: string, partition: number): void;
  matched(rule: string, topic: string): void;
  finished(rule: string, topic: string, outcome: EventOutcome): void;
  stepDone(rule: string, step: string, seconds: number, outcome: 'ok' | 'error'): void;
  stepRetried(rule: string, step: string): void;
  committed(rule: string, topic: string, partition: number, offset: number): void;
  commitFailed(rule: string, reason: string): void;
  inFlight(rule: string, delta: number): void;
  lag(rule: string, topic: string, partition: number, lag: number): void;
  partitionRevoked(rule: string, topic: string, partition: number): void;
}

/** What the I/O edges report (MediaWiki requests, database writes); metrics implement it. */
export interface IoObserver {
  apiRequest(domain: string, status: number | null, seconds: number, revisions?: number): void;
  dbWrite(operation: string, seconds: number, rowsByTable: Readonly<Record<string, number>>): void;
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
  partitionRevoked() {},
};
