// Every Prometheus metric the router exposes, created on one Registry per process (or per test).
// Labels are bounded (rule, topic, partition, step, outcome, domain, status class, table, operation); never ids or titles.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'imagematching_router_';

/** What the router reports about itself at scrape time; set once the router is running. */
export interface RouterStateSource {
  /** Reachability of the dependencies, as /readyz sees it. */
  health(): Promise<{ kafka: boolean | null; database: boolean }>;
  rules(): ReadonlyArray<{ name: string; isPaused: boolean }>;
}

export interface Metrics {
  readonly registry: Registry;

  // Engine: one series per rule and topic (and partition where Kafka state is per partition).
  readonly eventsConsumed: Counter<'rule' | 'topic' | 'partition'>;
  readonly eventsMatched: Counter<'rule' | 'topic'>;
  readonly eventsFinished: Counter<'rule' | 'topic' | 'outcome'>;
  readonly eventsSkipped: Counter<'rule' | 'topic' | 'reason'>;
  readonly stepDuration: Histogram<'rule' | 'step' | 'outcome'>;
  readonly stepRetries: Counter<'rule' | 'step'>;
  readonly eventsInFlight: Gauge<'rule'>;
  readonly consumerLag: Gauge<'rule' | 'topic' | 'partition'>;
  readonly eventAge: Gauge<'rule' | 'topic' | 'partition'>;
  readonly committedOffset: Gauge<'rule' | 'topic' | 'partition'>;
  readonly commitFailures: Counter<'rule'>;
  readonly rulePaused: Gauge<'rule'>;
  readonly dependencyUp: Gauge<'dependency'>;
  readonly rulesReloads: Counter<'outcome'>;
  readonly rulesLastReload: Gauge;

  // Helpers for the MediaWiki client and the store, which observe them directly.
  readonly mediawikiRequests: Counter<'domain' | 'status_class'>;
  readonly mediawikiRequestDuration: Histogram<'domain'>;
  readonly mediawikiRevisionsPerRequest: Histogram<'domain'>;
  readonly dbWriteDuration: Histogram<'operation'>;
  readonly dbRowsWritten: Counter<'table'>;

  /** Let the scrape report readiness and paused rules; until called those gauges have no series. */
  setStateSource(source: RouterStateSource): void;
}

export interface MetricsOptions {
  /** Node.js process metrics (CPU, memory, event loop lag, GC); on by default. */
  defaultMetrics?: boolean;
  /** How long a dependency probe result is reused across scrapes, so frequent scrapes do not hammer PostgreSQL. */
  healthCacheMs?: number;
}

// Steps are HTTP calls and database writes: from a millisecond to the 10 s default HTTP timeout and beyond.
const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const HTTP_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];
// The Action API takes at most 50 revision ids per request.
const REVISION_BUCKETS = [1, 2, 5, 10, 20, 30, 40, 50];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const name = (n: string) => `${METRIC_PREFIX}${n}`;

  let source: RouterStateSource | null = null;
  const healthCacheMs = options.healthCacheMs ?? 1000;
  let cachedHealth: { at: number; value: Promise<{ kafka: boolean | null; database: boolean }> } | null = null;
  const currentHealth = () => {
    if (!source) return null;
    const now = Date.now();
    if (!cachedHealth || now - cachedHealth.at >= healthCacheMs) {
      cachedHealth = { at: now, value: source.health().catch(() => ({ kafka: false, database: false })) };
    }
    return cachedHealth.value;
  };

  const metrics: Metrics = {
    registry,
    eventsConsumed: new Counter({
      name: name('events_consumed_total'),
      help: 'Kafka messages read by a rule, per topic and partition (source and retry topics), before matching',
      labelNames: ['rule', 'topic', 'partition'],
      registers,
    }),
    eventsMatched: new Counter({
      name: name('events_matched_total'),
      help: "Events that matched a rule's match/match_not (topic is the original source topic, also for retries)",
      labelNames: ['rule', 'topic'],
      registers,
    }),
    eventsFinished: new Counter({
      name: name('events_finished_total'),
      help: 'Events a rule finished with, by outcome: succeeded, unmatched, skipped (read and deliberately not applied), retried (parked in a retry topic), dead_lettered, ignored (another rule\'s retry); one per event read',
      labelNames: ['rule', 'topic', 'outcome'],
      registers,
    }),
    eventsSkipped: new Counter({
      name: name('events_skipped_total'),
      help: 'Events finished as skipped, by reason: canary, other_stream, revision_missing, revision_hidden, parent_unavailable, page_missing, title_invalid, redirect',
      labelNames: ['rule', 'topic', 'reason'],
      registers,
    }),
    stepDuration: new Histogram({
      name: name('step_duration_seconds'),
      help: 'Duration of one attempt of a rule step (handler), by outcome ok or error',
      labelNames: ['rule', 'step', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    }),
    stepRetries: new Counter({
      name: name('step_retries_total'),
      help: 'In-process retries of a failed rule step (before the event goes to a retry topic)',
      labelNames: ['rule', 'step'],
      registers,
    }),
    eventsInFlight: new Gauge({
      name: name('events_in_flight'),
      help: 'Matched events of a rule that are queued, held for a retry, or running their steps',
      labelNames: ['rule'],
      registers,
    }),
    consumerLag: new Gauge({
      name: name('consumer_lag_messages'),
      help: "Messages between a partition's high watermark and the rule's committed (or committable) offset",
      labelNames: ['rule', 'topic', 'partition'],
      registers,
    }),
    eventAge: new Gauge({
      name: name('event_age_seconds'),
      help: "Age of the events a rule's partition is behind on: now minus the event time (Kafka timestamp, or meta.dt) of its oldest unfinished event, or of the last finished one while messages wait to be fetched; 0 when caught up",
      labelNames: ['rule', 'topic', 'partition'],
      registers,
    }),
    committedOffset: new Gauge({
      name: name('committed_offset'),
      help: 'Last offset committed by a rule for a partition (the next offset to consume)',
      labelNames: ['rule', 'topic', 'partition'],
      registers,
    }),
    commitFailures: new Counter({
      name: name('offset_commit_failures_total'),
      help: 'Offset commits that failed (they are retried on the next commit interval)',
      labelNames: ['rule'],
      registers,
    }),
    rulePaused: new Gauge({
      name: name('rule_paused'),
      help: 'Whether a rule was paused through the admin API (1) or is consuming (0)',
      labelNames: ['rule'],
      registers,
      collect() {
        if (!source) return;
        this.reset();
        for (const rule of source.rules()) this.set({ rule: rule.name }, rule.isPaused ? 1 : 0);
      },
    }),
    dependencyUp: new Gauge({
      name: name('dependency_up'),
      help: 'Whether a dependency (kafka, database) answered the readiness probe (1) or not (0); no kafka series without Kafka',
      labelNames: ['dependency'],
      registers,
      async collect() {
        const health = await currentHealth();
        if (!health) return;
        if (health.kafka !== null) this.set({ dependency: 'kafka' }, health.kafka ? 1 : 0);
        this.set({ dependency: 'database' }, health.database ? 1 : 0);
      },
    }),
    rulesReloads: new Counter({
      name: name('rules_reloads_total'),
      help: 'Rule reloads (SIGHUP, POST /v1/reload) by outcome: applied (also when nothing changed), rejected (invalid rule set, the running rules stay), failed (an error while swapping)',
      labelNames: ['outcome'],
      registers,
    }),
    rulesLastReload: new Gauge({
      name: name('rules_last_reload_success_timestamp_seconds'),
      help: 'Unix time of the last applied rule reload; no sample until one',
      registers,
    }),
    mediawikiRequests: new Counter({
      name: name('mediawiki_requests_total'),
      help: 'MediaWiki Action API requests by wiki domain and HTTP status class (2xx, 3xx, 4xx, 5xx, or error when no response)',
      labelNames: ['domain', 'status_class'],
      registers,
    }),
    mediawikiRequestDuration: new Histogram({
      name: name('mediawiki_request_duration_seconds'),
      help: 'MediaWiki Action API request latency, until the whole response was read',
      labelNames: ['domain'],
      buckets: HTTP_BUCKETS,
      registers,
    }),
    mediawikiRevisionsPerRequest: new Histogram({
      name: name('mediawiki_revisions_per_request'),
      help: 'Revision ids batched into one MediaWiki Action API request',
      labelNames: ['domain'],
      buckets: REVISION_BUCKETS,
      registers,
    }),
    dbWriteDuration: new Histogram({
      name: name('db_write_duration_seconds'),
      help: 'PostgreSQL write latency per store operation (one transaction)',
      labelNames: ['operation'],
      buckets: DB_BUCKETS,
      registers,
    }),
    dbRowsWritten: new Counter({
      name: name('db_rows_written_total'),
      help: 'Rows inserted or updated in PostgreSQL, per table',
      labelNames: ['table'],
      registers,
    }),
    setStateSource(s) {
      source = s;
      cachedHealth = null;
    },
  };
  // Every outcome from zero, so increase() sees the first rejected reload (a series born at 1 shows no increase).
  for (const outcome of ['applied', 'rejected', 'failed']) metrics.rulesReloads.inc({ outcome }, 0);
  return metrics;
}

/** HTTP status → the bounded status_class label: 2xx..5xx, or `error` when there was no response. */
export function statusClass(status: number | null | undefined): string {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return 'error';
  return `${Math.floor(status / 100)}xx`;
}

/** Time a MediaWiki request: call the result with the status (or null for a network error) and the revision count. */
export function startMediaWikiTimer(metrics: Metrics, domain: string): (status: number | null, revisions?: number) => void {
  const end = metrics.mediawikiRequestDuration.startTimer({ domain });
  return (status, revisions) => {
    end();
    metrics.mediawikiRequests.inc({ domain, status_class: statusClass(status) });
    if (revisions !== undefined) metrics.mediawikiRevisionsPerRequest.observe({ domain }, revisions);
  };
}

/** Time a database write: call the result with the table and rows written when it committed. */
export function startDbWriteTimer(metrics: Metrics, operation: string): (table?: string, rows?: number) => void {
  const end = metrics.dbWriteDuration.startTimer({ operation });
  return (table, rows) => {
    end();
    if (table !== undefined && rows !== undefined && rows > 0) metrics.dbRowsWritten.inc({ table }, rows);
  };
}
