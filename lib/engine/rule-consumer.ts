// Consumes the topics of one rule in its own consumer group and drives each event through the rule:
// match → ordered, concurrent steps → commit. Offsets are committed per partition only up to the highest
// contiguous event that finished (effects durable, or parked in a retry or dead-letter topic).
import type { Logger } from '../log.ts';
import { InvalidEventError, asRouterError, errorClassName, type RouterError } from '../errors.ts';
import type { CompiledRule } from '../rules/compile.ts';
import type { StepContext } from '../handlers/types.ts';
import type { EventSource, ConsumedMessage, TopicPartition, RebalanceHooks } from '../sources/source.ts';
import type { OutgoingMessage } from '../kafka/producer.ts';
import type { MessageSink } from '../handlers/environment.ts';
import { retryDelayMs } from '../rules/compile.ts';
import { KeyScheduler, type ScheduledJob } from './key-scheduler.ts';
import { PartitionOffsets } from './partition-offsets.ts';
import { abortableSleep, runChain, type RunnableStep } from './run-chain.ts';
import { buildDeadLetter, buildRetryMessage, readRetryState, type FailureInfo, type RetryState } from './parking.ts';
import type { EngineObserver } from './observer.ts';

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
  batchSize?: number;
  now?: () => number;
}

class PartitionState {
  readonly offsets = new PartitionOffsets();
  readonly controller = new AbortController();
  readonly holds = new Set<NodeJS.Timeout>();
  committed: number | null = null;
  paused = false;
  constructor(readonly topic: string, readonly partition: number) {}
}

interface EventJob extends ScheduledJob {
  readonly state: PartitionState;
}

/** Everything needed to park a failed event in its retry topic or the dead-letter topic. */
interface Failure {
  state: PartitionState;
  message: ConsumedMessage;
  /** Where the event originally came from (for a retry, not the retry topic). */
  source: { topic: string; partition: number; offset: number };
  retry: RetryState | null;
  step: string;
  error: RouterError;
  errorClass: string;
  attempts: number;
  finish: () => void;
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
  private readonly now: () => number;
  status: RuleConsumerStatus = 'starting';
  lastCommitError: string | null = null;

  constructor(private readonly opts: RuleConsumerOptions) {
    this.scheduler = new KeyScheduler<EventJob>(opts.rule.rule.concurrency, (job, err) =>
      opts.log.error({ err: (err as Error).message, key: job.key }, 'job failed unexpectedly'),
    );
    this.retryTopics = new Set(opts.retryTopics);
    this.now = opts.now ?? Date.now;
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
      paused: s.paused,
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
      let batch: ConsumedMessage[];
      try {
        batch = await this.client.consumeBatch(batchSize);
      } catch (err) {
        this.opts.log.warn({ err: (err as Error).message }, 'consume failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      for (const message of batch) this.accept(message);
      this.applyBackpressure();
      if (this.now() - this.lastCommitAt >= this.opts.commitIntervalMs) {
        // Lag changes as fast as commits do: report it at their pace, not on every poll.
        this.reportLag();
        void this.commit();
      }
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
    const finish = () => {
      if (this.partitions.get(tpKey(state.topic, state.partition)) === state) state.offsets.finish(message.offset);
    };

    let retry: RetryState | null = null;
    if (this.retryTopics.has(message.topic)) {
      retry = readRetryState(message);
      if (!retry || retry.rule !== this.name) {
        // Another rule's retry: this rule has nothing to do with it.
        this.opts.observer.finished(this.name, message.topic, 'ignored');
        finish();
        return;
      }
    }
    const source = retry?.source ?? { topic: message.topic, partition: message.partition, offset: message.offset };

    let event: Record<string, unknown>;
    try {
      event = parseEvent(message.value);
    } catch (err) {
      this.opts.observer.matched(this.name, source.topic);
      const error = asRouterError(err);
      this.parkInOrder({ state, message, source, retry, step: 'parse', error, errorClass: errorClassName(error), attempts: 1, finish });
      return;
    }
    const matched = this.opts.rule.matcher.test(event);
    if (!matched.matched) {
      this.opts.observer.finished(this.name, source.topic, 'unmatched');
      finish();
      return;
    }
    this.opts.observer.matched(this.name, source.topic);
    const ruleLog = this.opts.log;
    let eventLog: Logger | undefined;
    const ctx: StepContext = {
      message: event,
      match: matched.captures,
      results: {},
      source: { topic: source.topic, partition: source.partition, offset: source.offset, key: message.key?.toString() ?? null },
      rule: this.name,
      // Created on first use: a child logger per event is measurable at tens of thousands of events a second.
      get log() {
        return (eventLog ??= ruleLog.child({ topic: source.topic, partition: source.partition, offset: source.offset }));
      },
    };
    const key = this.opts.rule.orderingKey(ctx) ?? message.key?.toString() ?? `${message.topic}/${message.partition}`;
    const job: EventJob = {
      key,
      state,
      run: async () => {
        try {
          await this.process(job, message, ctx, source, retry, finish);
        } finally {
          this.opts.observer.inFlight(this.name, -1);
        }
      },
    };
    this.opts.observer.inFlight(this.name, 1);
    const wait = retry ? retry.dueAt - this.now() : 0;
    if (wait > 0) {
      // Hold a retry until it is due without blocking anything else; its offset stays uncommitted meanwhile.
      const timer = setTimeout(() => {
        state.holds.delete(timer);
        if (!state.controller.signal.aborted) this.scheduler.push(job);
      }, wait);
      state.holds.add(timer);
    } else {
      this.scheduler.push(job);
    }
  }

  private async process(
    job: EventJob,
    message: ConsumedMessage,
    ctx: StepContext,
    source: { topic: string; partition: number; offset: number },
    retry: RetryState | null,
    finish: () => void,
  ): Promise<void> {
    const signal = job.state.controller.signal;
    const outcome = await runChain(this.opts.steps, ctx, this.opts.rule.rule.retry, signal, {
      sleep: abortableSleep,
      onStepDone: (step, seconds, result) => this.opts.observer.stepDone(this.name, step, seconds, result),
      onRetry: (step, error, attempt, delay) => {
        this.opts.observer.stepRetried(this.name, step);
        ctx.log.debug({ step, attempt, delay, err: error.message }, 'retrying step');
      },
    });
    if (outcome.kind === 'abandoned') return;
    if (outcome.kind === 'done') {
      this.opts.observer.finished(this.name, source.topic, 'succeeded');
      finish();
      return;
    }
    const { step, error, errorClass, attempts } = outcome;
    await this.park({ state: job.state, message, source, retry, step, error, errorClass, attempts, finish });
  }

  /** Park an event that could not be parsed; runs through the scheduler so the partition keeps its order. */
  private parkInOrder(failure: Failure): void {
    const { message } = failure;
    this.opts.observer.inFlight(this.name, 1);
    this.scheduler.push({
      key: `${message.topic}/${message.partition}/${message.offset}`,
      state: failure.state,
      run: async () => {
        try {
          await this.park(failure);
        } finally {
          this.opts.observer.inFlight(this.name, -1);
        }
      },
    });
  }

  /** Send the event to its retry topic (retriable, rounds left) or the dead-letter topic; finish it once durable. */
  private async park({ state, message, source, retry, step, error, errorClass, attempts, finish }: Failure): Promise<void> {
    const now = this.now();
    const policy = this.opts.rule.rule.retry;
    const round = (retry?.round ?? 0) + 1;
    const failure: FailureInfo = {
      rule: this.name,
      step,
      errorClass,
      errorMessage: error.message,
      retriable: error.retriable,
      attempts: (retry?.attempts ?? 0) + attempts,
      firstFailedAt: retry?.firstFailedAt ?? new Date(now),
      failedAt: new Date(now),
    };
    let toRetry = error.retriable && round <= policy.limit;
    let parked: OutgoingMessage = toRetry
      ? buildRetryMessage(this.opts.service, message, source, failure, round, now + Math.max(error.retryAfterMs ?? 0, retryDelayMs(policy, round)))
      : buildDeadLetter(this.opts.service, message, source, failure);
    const logFields = { topic: source.topic, partition: source.partition, offset: source.offset, step, err: error.message, errorClass };
    let valueOmitted = false;
    for (let attempt = 0; ; attempt++) {
      if (state.controller.signal.aborted) return;
      try {
        await this.opts.producer.produce(parked);
        break;
      } catch (err) {
        if (/too large/i.test((err as Error).message) && !valueOmitted) {
          // Too large for the broker even as a dead letter: park the envelope without the value, which stays
          // readable at its source coordinates; retrying the same bytes could never succeed.
          toRetry = false;
          valueOmitted = true;
          parked = buildDeadLetter(this.opts.service, message, source, failure, { omitValue: true });
          continue;
        }
        // Parking must succeed before the offset may pass this event: keep trying until the partition is revoked.
        this.opts.log.warn({ ...logFields, produceError: (err as Error).message, attempt }, 'parking failed; retrying');
        await abortableSleep(Math.min(30_000, 200 * 2 ** Math.min(attempt, 8)), state.controller.signal);
      }
    }
    if (toRetry) {
      this.opts.log.info({ ...logFields, round }, 'event sent to retry topic');
      this.opts.observer.finished(this.name, source.topic, 'retried');
    } else {
      this.opts.log.warn({ ...logFields, attempts: failure.attempts }, 'event dead-lettered');
      this.opts.observer.finished(this.name, source.topic, 'dead_lettered');
    }
    finish();
  }

  private applyBackpressure(): void {
    const max = this.opts.maxPendingPerPartition;
    const toPause: TopicPartition[] = [];
    const toResume: TopicPartition[] = [];
    for (const state of this.partitions.values()) {
      const pending = state.offsets.unfinished;
      const shouldPause = this.adminPaused || pending >= max;
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
