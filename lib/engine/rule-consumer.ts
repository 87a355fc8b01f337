// Consumes the topics of one rule in its own consumer group and drives each event through the rule:
// match → ordered, concurrent steps → commit. Offsets are committed per partition only up to the highest
// contiguous event that finished (effects durable, or parked in a retry or dead-letter topic).
import type { Logger } from '../log.ts';
import { InvalidEventError, MessageTooLargeError, ProgrammingError, asRouterError, type RouterError } from '../errors.ts';
import type { CompiledRule } from '../rules/compile.ts';
import type { SourceCoordinates, StepContext } from '../handlers/types.ts';
import type { EventSource, ConsumedMessage, TopicPartition, RebalanceHooks } from '../sources/source.ts';
import type { OutgoingMessage } from '../kafka/producer.ts';
import type { MessageSink } from '../handlers/environment.ts';
import { backoffDelayMs, PARKING_BACKOFF, ruleBackoff, type BackoffPolicy } from './backoff.ts';
import { KeyScheduler, type ScheduledJob } from './key-scheduler.ts';
import { PartitionOffsets } from './partition-offsets.ts';
import { abortableSleep, runChain, type ChainHooks, type RunnableStep } from './run-chain.ts';
import { buildDeadLetter, buildRetryMessage, readRetryState, type FailureInfo, type RetryState } from './parking.ts';
import type { EngineObserver } from './observer.ts';
import { isCanaryEvent } from './canary.ts';

export interface RuleConsumerOptions {
  service: string;
  rule: CompiledRule;
  steps: RunnableStep[];
  sources: string[];
  retryTopics: string[];
  producer: MessageSink;
  log: Logger;
  observer: EngineObserver;
  commitIntervalMs: number;
  maxPendingPerPartition: number;
  /** Creates the source client (Kafka, file, EventStreams) with the engine's rebalance hooks. */
  createClient(hooks: RebalanceHooks): EventSource;
  /** The rule stream of an event from `topic` (its original topic, for retries); default: the rule's first stream. */
  streamOf?: (topic: string, event: Record<string, unknown>) => string;
  batchSize?: number;
  /** How long a partition may sit at its pending limit before it is paused in the client (default 1,000 ms). */
  stallPauseMs?: number;
  now?: () => number;
}

/** How long the poll loop waits before it looks again while a partition is at its pending limit. */
const HOLD_WAIT_MS = 2;

class PartitionState {
  readonly offsets = new PartitionOffsets();
  readonly controller = new AbortController();
  readonly holds = new Set<NodeJS.Timeout>();
  committed: number | null = null;
  paused = false;
  /** Set when the partition is revoked: its events' completions no longer count. */
  revoked = false;
  constructor(readonly topic: string, readonly partition: number) {}
}

/** What a step sees of one event; the per-event logger is created on first use (most events never log). */
class EventContext implements StepContext {
  readonly results: Record<string, unknown> = {};
  private eventLog: Logger | undefined;
  constructor(
    readonly message: Record<string, unknown>,
    readonly match: Record<string, unknown>,
    readonly source: SourceCoordinates,
    readonly rule: string,
    private readonly ruleLog: Logger,
  ) {}

  get log(): Logger {
    return (this.eventLog ??= this.ruleLog.child({ topic: this.source.topic, partition: this.source.partition, offset: this.source.offset }));
  }
}

/**
 * One consumed event on its way through the rule: the scheduler's job, and everything needed to finish or park
 * it. A class, not closures, because tens of thousands are created a second.
 */
class EventJob implements ScheduledJob {
  constructor(
    readonly key: string,
    readonly state: PartitionState,
    readonly message: ConsumedMessage,
    /** Where the event originally came from (for a retry, not the retry topic). */
    readonly source: SourceCoordinates,
    readonly retry: RetryState | null,
    /** The parsed event, or why it could not be parsed (then the job parks it). */
    readonly parsed: EventContext | RouterError,
    private readonly runner: (job: EventJob) => Promise<void>,
  ) {}

  run(): Promise<void> {
    return this.runner(this);
  }
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

export type RuleConsumerStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

export class RuleConsumer {
  private client!: EventSource;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly scheduler: KeyScheduler<EventJob>;
  private readonly retryTopics: Set<string>;
  private stopping = false;
  private adminPaused = false;
  private loop: Promise<void> | null = null;
  private commitInFlight = false;
  private lastCommitAt = 0;
  /** Since when a partition has held polling at its pending limit (null: none is at its limit). */
  private atLimitSince: number | null = null;
  private readonly now: () => number;
  /** Shared by every event: nothing on the per-event path allocates closures. */
  private readonly chainHooks: ChainHooks;
  private readonly runJob = (job: EventJob): Promise<void> => this.process(job);
  private readonly streamOf: (topic: string, event: Record<string, unknown>) => string;
  /** The retry-topic rounds' backoff: the rule's retry settings. */
  private readonly retryBackoff: BackoffPolicy;
  status: RuleConsumerStatus = 'starting';
  lastCommitError: string | null = null;

  constructor(private readonly opts: RuleConsumerOptions) {
    this.scheduler = new KeyScheduler<EventJob>(opts.rule.rule.concurrency, (job, err) =>
      opts.log.error({ err: (err as Error).message, key: job.key }, 'job failed unexpectedly'),
    );
    this.retryTopics = new Set(opts.retryTopics);
    this.now = opts.now ?? Date.now;
    this.retryBackoff = ruleBackoff(opts.rule.rule.retry);
    const firstStream = opts.rule.rule.topics[0] ?? '';
    this.streamOf = opts.streamOf ?? (() => firstStream);
    const name = opts.rule.rule.name;
    this.chainHooks = {
      sleep: abortableSleep,
      onStepDone: (step, seconds, result) => opts.observer.stepDone(name, step, seconds, result),
      onRetry: (step, error, attempt, delay, ctx) => {
        opts.observer.stepRetried(name, step);
        ctx.log.debug({ step, attempt, delay, err: error.message, errorClass: error.errorClass }, 'retrying step');
      },
    };
  }

  get name(): string {
    return this.opts.rule.rule.name;
  }

  get topics(): string[] {
    return [...this.opts.sources, ...this.opts.retryTopics];
  }

  /** True when the source is finite and fully delivered, and every delivered event finished. */
  get drained(): boolean {
    return this.client?.exhausted === true && this.scheduler.running === 0 && this.scheduler.queued === 0 &&
      [...this.partitions.values()].every((s) => s.offsets.unfinished === 0);
  }

  /** Unfinished events per assigned partition, for the admin API and tests. */
  pending(): Array<{ topic: string; partition: number; unfinished: number; committed: number | null; paused: boolean }> {
    return [...this.partitions.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      unfinished: s.offsets.unfinished,
      committed: s.committed,
      paused: s.paused || s.offsets.unfinished >= this.opts.maxPendingPerPartition,
    }));
  }

  async start(): Promise<void> {
    this.client = this.opts.createClient({
      assigned: (tps) => this.onAssigned(tps),
      revoked: (tps) => this.onRevoked(tps),
    });
    this.client.onCommitResult = (err, offsets) => {
      if (err) {
        this.lastCommitError = err.message;
        this.opts.observer.commitFailed(this.name, err.message);
        this.opts.log.warn({ err: err.message, offsets }, 'offset commit failed; will retry');
      }
    };
    await this.client.connect();
    this.client.subscribe(this.topics);
    this.status = 'running';
    this.loop = this.run();
  }

  pause(): void {
    this.adminPaused = true;
    this.status = 'paused';
  }

  resume(): void {
    this.adminPaused = false;
    if (this.status === 'paused') this.status = 'running';
  }

  get isPaused(): boolean {
    return this.adminPaused;
  }

  private async run(): Promise<void> {
    // Never poll more than the backpressure budget allows in one go, so memory stays bounded by it.
    const batchSize = Math.max(1, Math.min(this.opts.batchSize ?? 500, this.opts.maxPendingPerPartition));
    while (!this.stopping) {
      this.applyBackpressure();
      if (this.now() - this.lastCommitAt >= this.opts.commitIntervalMs) {
        // Lag changes as fast as commits do: report it at their pace, not on every poll.
        this.reportLag();
        void this.commit();
      }
      if (this.holdsPolling()) {
        await new Promise((r) => setTimeout(r, HOLD_WAIT_MS));
        continue;
      }
      let batch: ConsumedMessage[];
      try {
        batch = await this.client.consumeBatch(batchSize);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'consume failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const message of batch) this.accept(message);
    }
  }

  private onAssigned(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const key = tpKey(tp.topic, tp.partition);
      if (!this.partitions.has(key)) this.partitions.set(key, new PartitionState(tp.topic, tp.partition));
    }
    this.opts.log.info({ partitions: tps }, 'partitions assigned');
  }

  /** Runs inside the rebalance callback: stop the partition's work and commit only what finished. */
  private onRevoked(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const key = tpKey(tp.topic, tp.partition);
      const state = this.partitions.get(key);
      if (!state) continue;
      this.partitions.delete(key);
      state.revoked = true;
      this.release(state);
      this.commitSyncState(state);
      this.opts.observer.partitionRevoked(this.name, tp.topic, tp.partition);
    }
    this.opts.log.info({ partitions: tps }, 'partitions revoked');
  }

  /** Abandon a partition's queued, held and running work; nothing of it is committed from now on. */
  private release(state: PartitionState): void {
    state.controller.abort();
    for (const timer of state.holds) clearTimeout(timer);
    state.holds.clear();
    const dropped = this.scheduler.drop((job) => job.state === state);
    if (dropped.length > 0) this.opts.observer.inFlight(this.name, -dropped.length);
  }

  private commitSyncState(state: PartitionState): void {
    const offset = state.offsets.committable;
    if (offset === null || offset === state.committed) return;
    try {
      this.client.commitSync([{ topic: state.topic, partition: state.partition, offset }]);
      state.committed = offset;
      this.opts.observer.committed(this.name, state.topic, state.partition, offset);
    } catch (err) {
      this.lastCommitError = (err as Error).message;
      this.opts.observer.commitFailed(this.name, (err as Error).message);
      this.opts.log.warn({ err: (err as Error).message, topic: state.topic, partition: state.partition }, 'final commit failed');
    }
  }

  private accept(message: ConsumedMessage): void {
    const state = this.partitions.get(tpKey(message.topic, message.partition));
    if (!state || !state.offsets.track(message.offset)) return; // revoked meanwhile, or a redelivery already tracked
    this.opts.observer.consumed(this.name, message.topic, message.partition);

    let retry: RetryState | null = null;
    if (this.retryTopics.has(message.topic)) {
      retry = readRetryState(message);
      if (!retry || retry.rule !== this.name) {
        // Another rule's retry: this rule has nothing to do with it.
        this.opts.observer.finished(this.name, message.topic, 'ignored');
        this.finish(state, message.offset);
        return;
      }
    }
    if (message.skip !== undefined) {
      // Read by the source but not this rule's (a file line of another stream): counted, never processed.
      this.opts.observer.finished(this.name, message.topic, 'skipped', message.skip);
      this.finish(state, message.offset);
      return;
    }
    const messageKey = message.key === null || message.key === undefined ? null : message.key.toString();
    const origin = retry?.source ?? message;
    let event: Record<string, unknown>;
    try {
      event = parseEvent(message.value);
    } catch (err) {
      const source: SourceCoordinates = { topic: origin.topic, partition: origin.partition, offset: origin.offset, key: messageKey, stream: this.streamOf(origin.topic, {}) };
      // Parked through the scheduler under a key of its own, so the partition keeps its order.
      this.opts.observer.matched(this.name, source.topic);
      const error = asRouterError(err).withContext({ topic: source.topic, partition: source.partition, offset: source.offset, rule: this.name, step: 'parse' });
      this.schedule(new EventJob(`${message.topic}/${message.partition}/${message.offset}`, state, message, source, retry, error, this.runJob), 0);
      return;
    }
    const source: SourceCoordinates = { topic: origin.topic, partition: origin.partition, offset: origin.offset, key: messageKey, stream: this.streamOf(origin.topic, event) };
    if (!this.opts.rule.rule.canary && isCanaryEvent(event)) {
      this.opts.observer.finished(this.name, source.topic, 'skipped', 'canary');
      this.finish(state, message.offset);
      return;
    }
    const matched = this.opts.rule.matcher.test(event);
    if (!matched.matched) {
      this.opts.observer.finished(this.name, source.topic, 'unmatched');
      this.finish(state, message.offset);
      return;
    }
    this.opts.observer.matched(this.name, source.topic);
    const ctx = new EventContext(event, matched.captures, source, this.name, this.opts.log);
    const key = this.opts.rule.orderingKey(ctx) ?? messageKey ?? `${message.topic}/${message.partition}`;
    this.schedule(new EventJob(key, state, message, source, retry, ctx, this.runJob), retry ? retry.dueAt - this.now() : 0);
  }

  /** Queue a job now, or hold a retry until it is due without blocking anything else (its offset stays uncommitted). */
  private schedule(job: EventJob, waitMs: number): void {
    this.opts.observer.inFlight(this.name, 1);
    if (waitMs <= 0) {
      this.scheduler.push(job);
      return;
    }
    const { state } = job;
    const timer = setTimeout(() => {
      state.holds.delete(timer);
      if (!state.controller.signal.aborted) this.scheduler.push(job);
    }, waitMs);
    state.holds.add(timer);
  }

  /** An event is done (effects durable, or parked): its offset may be committed once all before it are. */
  private finish(state: PartitionState, offset: number): void {
    if (!state.revoked) state.offsets.finish(offset);
  }

  private async process(job: EventJob): Promise<void> {
    try {
      const { parsed } = job;
      if (!(parsed instanceof EventContext)) {
        await this.park(job, parsed, 1);
        return;
      }
      const outcome = await runChain(this.opts.steps, parsed, this.opts.rule.rule.retry, job.state.controller.signal, this.chainHooks);
      if (outcome.kind === 'abandoned') return;
      if (outcome.kind === 'done') {
        if (outcome.skipped === undefined) this.opts.observer.finished(this.name, job.source.topic, 'succeeded');
        else this.opts.observer.finished(this.name, job.source.topic, 'skipped', outcome.skipped);
        this.finish(job.state, job.message.offset);
        return;
      }
      await this.park(job, outcome.error, outcome.attempts);
    } finally {
      this.opts.observer.inFlight(this.name, -1);
    }
  }

  /** Send the event to its retry topic (retriable, rounds left) or the dead-letter topic; finish it once durable. */
  private async park(job: EventJob, error: RouterError, attempts: number): Promise<void> {
    const { state, message, source, retry } = job;
    const now = this.now();
    const policy = this.opts.rule.rule.retry;
    const round = (retry?.round ?? 0) + 1;
    const failure: FailureInfo = {
      rule: error.context.rule ?? this.name,
      step: error.context.step ?? 'unknown',
      errorClass: error.errorClass,
      errorMessage: error.message,
      retriable: error.retriable,
      attempts: (retry?.attempts ?? 0) + attempts,
      firstFailedAt: retry?.firstFailedAt ?? new Date(now),
      failedAt: new Date(now),
    };
    const origin = { topic: source.topic, partition: source.partition, offset: source.offset };
    let toRetry = error.retriable && round <= policy.limit;
    let parked: OutgoingMessage = toRetry
      ? buildRetryMessage(this.opts.service, message, origin, failure, round, now + Math.max(error.retryAfterMs ?? 0, backoffDelayMs(this.retryBackoff, round)))
      : buildDeadLetter(this.opts.service, message, origin, failure);
    const logFields = { ...error.context, ...origin, err: error.message, errorClass: failure.errorClass, error: error.name };
    let valueOmitted = false;
    for (let attempt = 0; ; attempt++) {
      if (state.controller.signal.aborted) return;
      try {
        await this.opts.producer.produce(parked);
        break;
      } catch (err) {
        if (err instanceof MessageTooLargeError && !valueOmitted) {
          // Too large for the broker even as a dead letter: park the envelope without the value, which stays
          // readable at its source coordinates; retrying the same bytes could never succeed.
          toRetry = false;
          valueOmitted = true;
          parked = buildDeadLetter(this.opts.service, message, origin, failure, { omitValue: true });
          continue;
        }
        // Parking must succeed before the offset may pass this event: keep trying until the partition is revoked.
        this.opts.log.warn({ ...logFields, produceError: (err as Error).message, attempt }, 'parking failed; retrying');
        await abortableSleep(backoffDelayMs(PARKING_BACKOFF, attempt), state.controller.signal);
      }
    }
    if (toRetry) {
      this.opts.log.info({ ...logFields, round }, 'event sent to retry topic');
      this.opts.observer.finished(this.name, source.topic, 'retried');
    } else {
      // A bug's stack goes to the log, for whoever fixes it; the dead letter keeps the message alone.
      const stack = error instanceof ProgrammingError ? { stack: (error.cause as Error).stack } : {};
      this.opts.log.warn({ ...logFields, ...stack, attempts: failure.attempts, ...(valueOmitted ? { valueOmitted } : {}) }, 'event dead-lettered');
      this.opts.observer.finished(this.name, source.topic, 'dead_lettered');
    }
    this.finish(state, message.offset);
  }

  /**
   * Backpressure without pausing: while an unpaused partition is at its pending limit the loop does not poll, so
   * no more events enter memory and librdkafka keeps what it prefetched (up to its queue limits). Pausing instead
   * would drop that prefetch, and the resume fetches it again: draining a backlog that way made the broker send
   * 12x the messages consumed (whole compressed batches, decoded again from their start). A partition still at
   * its limit after `stallPauseMs` (a stuck key, retries held until due, a database outage) is paused in the
   * client by applyBackpressure, so the other partitions go on and the consumer keeps polling (group membership).
   */
  private holdsPolling(): boolean {
    const max = this.opts.maxPendingPerPartition;
    for (const state of this.partitions.values()) {
      if (!state.paused && state.offsets.unfinished >= max) {
        this.atLimitSince ??= this.now();
        return true;
      }
    }
    this.atLimitSince = null;
    return false;
  }

  private applyBackpressure(): void {
    const max = this.opts.maxPendingPerPartition;
    const stalled = this.atLimitSince !== null && this.now() - this.atLimitSince >= (this.opts.stallPauseMs ?? 1000);
    const toPause: TopicPartition[] = [];
    const toResume: TopicPartition[] = [];
    for (const state of this.partitions.values()) {
      const pending = state.offsets.unfinished;
      const shouldPause = this.adminPaused || (stalled && pending >= max);
      const mayResume = !this.adminPaused && pending <= Math.floor(max / 2);
      if (shouldPause && !state.paused) {
        state.paused = true;
        toPause.push({ topic: state.topic, partition: state.partition });
      } else if (state.paused && mayResume) {
        state.paused = false;
        toResume.push({ topic: state.topic, partition: state.partition });
      }
    }
    try {
      this.client.pause(toPause);
      this.client.resume(toResume);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'pause/resume failed');
    }
  }

  private reportLag(): void {
    for (const state of this.partitions.values()) {
      const w = this.client.watermarks(state.topic, state.partition);
      if (!w || w.high < 0) continue;
      const position = state.committed ?? state.offsets.committable ?? w.low;
      this.opts.observer.lag(this.name, state.topic, state.partition, Math.max(0, w.high - position));
    }
  }

  /** Commit every partition whose finished prefix moved. Failures are reported and retried next time. */
  async commit(): Promise<void> {
    if (this.commitInFlight) return;
    this.lastCommitAt = this.now();
    const batch: Array<{ state: PartitionState; offset: number }> = [];
    for (const state of this.partitions.values()) {
      const offset = state.offsets.committable;
      if (offset !== null && offset !== state.committed) batch.push({ state, offset });
    }
    if (batch.length === 0) return;
    this.commitInFlight = true;
    try {
      await this.client.commit(batch.map(({ state, offset }) => ({ topic: state.topic, partition: state.partition, offset })));
      for (const { state, offset } of batch) {
        if (state.committed === null || offset > state.committed) state.committed = offset;
        this.opts.observer.committed(this.name, state.topic, state.partition, offset);
      }
      this.lastCommitError = null;
    } catch {
      /* reported through onCommitResult */
    } finally {
      this.commitInFlight = false;
    }
  }

  /** Graceful stop: no more fetching, let in-flight events finish within the deadline, commit, disconnect. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.status === 'stopped' || this.stopping) return;
    this.status = 'stopping';
    this.stopping = true;
    await this.loop;
    for (const state of this.partitions.values()) {
      for (const timer of state.holds) clearTimeout(timer);
      state.holds.clear();
    }
    // Queued events are drained too, not dropped: an event that finished while an earlier one was dropped could
    // not be committed and would be applied twice after the restart. The deadline bounds the wait.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.scheduler.idle(), new Promise((r) => (timer = setTimeout(r, deadlineMs)))]);
    clearTimeout(timer);
    for (const state of this.partitions.values()) {
      state.controller.abort();
      this.commitSyncState(state);
    }
    await this.client.disconnect();
    this.status = 'stopped';
  }
}

export function parseEvent(value: Buffer | null): Record<string, unknown> {
  if (!value || value.length === 0) throw new InvalidEventError('empty message');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new InvalidEventError(`invalid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidEventError(`event must be a JSON object, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}
