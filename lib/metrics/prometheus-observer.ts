// The engine's EngineObserver backed by Prometheus metrics; it also keeps small per-rule tallies
// (counts, lag, committed offsets) that the admin API shows under /v1/rules without parsing a scrape.
import type { EngineObserver, EventOutcome, SkipReason } from '../engine/observer.ts';
import type { IoObserver } from '../observe/io-observer.ts';
import { statusClass, type Metrics } from './metrics.ts';

export interface RuleCounts {
  consumed: number;
  matched: number;
  succeeded: number;
  unmatched: number;
  skipped: number;
  retried: number;
  dead_lettered: number;
  ignored: number;
  step_retries: number;
  step_errors: number;
  commit_failures: number;
  in_flight: number;
}

/** What a run summary breaks the counts down by: skip reasons, and the step and error class of dead letters. */
export interface RuleBreakdown {
  skipped: Record<string, number>;
  /** Keyed `step: ErrorClass`. */
  dead_lettered: Record<string, number>;
}

export interface PartitionSnapshot {
  topic: string;
  partition: number;
  lag: number | null;
  /** Seconds: how old the events the partition is behind on are. */
  ageSeconds: number | null;
  committed: number | null;
}

const emptyCounts = (): RuleCounts => ({
  consumed: 0,
  matched: 0,
  succeeded: 0,
  unmatched: 0,
  skipped: 0,
  retried: 0,
  dead_lettered: 0,
  ignored: 0,
  step_retries: 0,
  step_errors: 0,
  commit_failures: 0,
  in_flight: 0,
});

const bump = (counts: Record<string, number>, key: string) => void (counts[key] = (counts[key] ?? 0) + 1);

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export class PrometheusObserver implements EngineObserver, IoObserver {
  private readonly counts = new Map<string, RuleCounts>();
  private readonly partitions = new Map<string, Map<string, PartitionSnapshot>>();
  private readonly breakdowns = new Map<string, RuleBreakdown>();

  constructor(readonly metrics: Metrics) {}

  consumed(rule: string, topic: string, partition: number): void {
    this.metrics.eventsConsumed.inc({ rule, topic, partition: String(partition) });
    this.tally(rule).consumed++;
  }

  matched(rule: string, topic: string): void {
    this.metrics.eventsMatched.inc({ rule, topic });
    this.tally(rule).matched++;
  }

  finished(rule: string, topic: string, outcome: EventOutcome, reason?: SkipReason): void {
    this.metrics.eventsFinished.inc({ rule, topic, outcome });
    if (outcome === 'skipped') this.metrics.eventsSkipped.inc({ rule, topic, reason: reason ?? 'unknown' });
    this.tally(rule)[outcome]++;
    if (outcome === 'skipped') bump(this.breakdown(rule).skipped, reason ?? 'unknown');
  }

  deadLettered(rule: string, step: string, errorClass: string): void {
    bump(this.breakdown(rule).dead_lettered, `${step}: ${errorClass}`);
  }

  stepDone(rule: string, step: string, seconds: number, outcome: 'ok' | 'error'): void {
    this.metrics.stepDuration.observe({ rule, step, outcome }, seconds);
    if (outcome === 'error') this.tally(rule).step_errors++;
  }

  stepRetried(rule: string, step: string): void {
    this.metrics.stepRetries.inc({ rule, step });
    this.tally(rule).step_retries++;
  }

  committed(rule: string, topic: string, partition: number, offset: number): void {
    this.metrics.committedOffset.set({ rule, topic, partition: String(partition) }, offset);
    this.partition(rule, topic, partition).committed = offset;
  }

  commitFailed(rule: string, _reason: string): void {
    // The reason is free text: it goes to the log line and /v1/rules (lastCommitError), never into a label.
    this.metrics.commitFailures.inc({ rule });
    this.tally(rule).commit_failures++;
  }

  inFlight(rule: string, delta: number): void {
    this.metrics.eventsInFlight.inc({ rule }, delta);
    this.tally(rule).in_flight += delta;
  }

  lag(rule: string, topic: string, partition: number, lag: number): void {
    this.metrics.consumerLag.set({ rule, topic, partition: String(partition) }, lag);
    this.partition(rule, topic, partition).lag = lag;
  }

  timeLag(rule: string, topic: string, partition: number, seconds: number): void {
    this.metrics.eventAge.set({ rule, topic, partition: String(partition) }, seconds);
    this.partition(rule, topic, partition).ageSeconds = seconds;
  }

  partitionRevoked(rule: string, topic: string, partition: number): void {
    // Another instance owns the partition now and reports it; a stale series here would double the lag.
    const labels = { rule, topic, partition: String(partition) };
    this.metrics.consumerLag.remove(labels);
    this.metrics.eventAge.remove(labels);
    this.metrics.committedOffset.remove(labels);
    this.partitions.get(rule)?.delete(tpKey(topic, partition));
  }

  /** Counters of one rule since this process started (zeros for a rule that saw nothing yet). */
  ruleCounts(rule: string): RuleCounts {
    return { ...(this.counts.get(rule) ?? emptyCounts()) };
  }

  /** Last reported lag and committed offset per partition currently owned by the rule. */
  rulePartitions(rule: string): PartitionSnapshot[] {
    return [...(this.partitions.get(rule)?.values() ?? [])].map((p) => ({ ...p }));
  }

  /** Skips by reason and dead letters by step and error class of one rule since this process started. */
  ruleBreakdown(rule: string): RuleBreakdown {
    const b = this.breakdowns.get(rule);
    return { skipped: { ...b?.skipped }, dead_lettered: { ...b?.dead_lettered } };
  }

  private breakdown(rule: string): RuleBreakdown {
    let b = this.breakdowns.get(rule);
    if (!b) this.breakdowns.set(rule, (b = { skipped: {}, dead_lettered: {} }));
    return b;
  }

  private tally(rule: string): RuleCounts {
    let counts = this.counts.get(rule);
    if (!counts) this.counts.set(rule, (counts = emptyCounts()));
    return counts;
  }

  private partition(rule: string, topic: string, partition: number): PartitionSnapshot {
    let byRule = this.partitions.get(rule);
    if (!byRule) this.partitions.set(rule, (byRule = new Map()));
    const key = tpKey(topic, partition);
    let snapshot = byRule.get(key);
    if (!snapshot) byRule.set(key, (snapshot = { topic, partition, lag: null, ageSeconds: null, committed: null }));
    return snapshot;
  }

  apiRequest(domain: string, status: number | null, seconds: number, revisions?: number): void {
    this.metrics.mediawikiRequests.inc({ domain, status_class: statusClass(status) });
    this.metrics.mediawikiRequestDuration.observe({ domain }, seconds);
    if (revisions !== undefined) this.metrics.mediawikiRevisionsPerRequest.observe({ domain }, revisions);
  }

  dbWrite(operation: string, seconds: number, rowsByTable: Readonly<Record<string, number>>): void {
    this.metrics.dbWriteDuration.observe({ operation }, seconds);
    for (const [table, rows] of Object.entries(rowsByTable)) if (rows > 0) this.metrics.dbRowsWritten.inc({ table }, rows);
  }
}
