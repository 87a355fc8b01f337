// Consumes the topics of one rule in its own consumer group and drives each event through the rule:
// match → ordered, concurrent steps → commit. Offsets are committed per partition only up to the highest
// contiguous event that finished (effects durable, or parked in a retry or dead-letter topic). It coordinates;
// polling, backpressure, commits, lag and parking are modules beside it, each with its own tests.
import type { Logger } from '../log.ts';
import { asRouterError, type RouterError } from '../errors.ts';
import type { CompiledRule } from '../rules/compile.ts';
import type { SourceCoordinates } from './step.ts';
import type { EventSource, ConsumedMessage, TopicPartition, RebalanceHooks } from '../sources/source.ts';
import type { MessageSink } from '../messaging/message.ts';
import { KeyScheduler } from './key-scheduler.ts';
import { abortableSleep, runChain, type ChainHooks, type RunnableStep } from './run-chain.ts';
import { readRetryState, type RetryState } from './parking.ts';
import type { EngineObserver } from './observer.ts';
import { isCanaryEvent } from '../messaging/canary.ts';
import { AssignedPartitions, type PartitionState } from './assigned-partitions.ts';
import { Backpressure } from './backpressure.ts';
import { EventContext, EventJob, parseEvent } from './event-job.ts';
import { EventParker } from './event-parker.ts';
import { reportLag } from './lag.ts';
import { OffsetCommitter } from './offset-committer.ts';
import { PollLoop } from './poll-loop.ts';

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

export type RuleConsumerStatus = 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

export class RuleConsumer {
  private client: EventSource | undefined;
  private committer: OffsetCommitter | undefined;
  private loop: PollLoop | undefined;
  private readonly partitions = new AssignedPartitions();
  private readonly scheduler: KeyScheduler<EventJob>;
  private readonly backpressure: Backpressure;
  private readonly parker: EventParker;
  private readonly retryTopics: Set<string>;
  private stopping = false;
  private adminPaused = false;
  private readonly now: () => number;
  /** Shared by every event: nothing on the per-event path allocates closures. */
  private readonly chainHooks: ChainHooks;
  private readonly runJob = (job: EventJob): Promise<void> => this.process(job);
  private readonly streamOf: (topic: string, event: Record<string, unknown>) => string;
  status: RuleConsumerStatus = 'starting';

  constructor(private readonly opts: RuleConsumerOptions) {
    const name = opts.rule.rule.name;
    this.scheduler = new KeyScheduler<EventJob>(opts.rule.rule.concurrency, (job, err) =>
      opts.log.error({ err: (err as Error).message, key: job.key }, 'job failed unexpectedly'),
    );
    this.retryTopics = new Set(opts.retryTopics);
    this.now = opts.now ?? Date.now;
    this.backpressure = new Backpressure(opts.maxPendingPerPartition, opts.stallPauseMs ?? 1000, this.now);
    this.parker = new EventParker({ service: opts.service, rule: name, retry: opts.rule.rule.retry, producer: opts.producer, log: opts.log, now: this.now, sleep: abortableSleep });
    const firstStream = opts.rule.rule.topics[0] ?? '';
    this.streamOf = opts.streamOf ?? (() => firstStream);
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

  /** The last commit failure, until a commit succeeds. */
  get lastCommitError(): string | null {
    return this.committer?.lastError ?? null;
  }

  /** True when the source is finite and fully delivered, and every delivered event finished. */
  get drained(): boolean {
    return this.client?.exhausted === true && this.scheduler.running === 0 && this.scheduler.queued === 0 && this.partitions.unfinished === 0;
  }

  /** Unfinished events per assigned partition, for the admin API and tests. */
  pending(): Array<{ topic: string; partition: number; unfinished: number; committed: number | null; paused: boolean }> {
    return [...this.partitions.values()].map((s) => ({
      topic: s.topic,
      partition: s.partition,
      unfinished: s.offsets.unfinished,
      committed: s.committed,
      paused: this.backpressure.isHeld(s),
    }));
  }

  async start(): Promise<void> {
    const client = this.opts.createClient({
      assigned: (tps) => this.onAssigned(tps),
      revoked: (tps) => this.onRevoked(tps),
    });
    this.client = client;
    const committer = new OffsetCommitter({
      rule: this.name,
      client,
      partitions: this.partitions,
      observer: this.opts.observer,
      log: this.opts.log,
      intervalMs: this.opts.commitIntervalMs,
      now: this.now,
    });
    this.committer = committer;
    await client.connect();
    client.subscribe(this.topics);
    this.status = 'running';
    this.loop = new PollLoop({
      client,
      // Never poll more than the backpressure budget allows in one go, so memory stays bounded by it.
      batchSize: Math.max(1, Math.min(this.opts.batchSize ?? 500, this.opts.maxPendingPerPartition)),
      log: this.opts.log,
      beforePoll: () => this.beforePoll(client, committer),
      holdsPolling: () => this.backpressure.holdsPolling(this.partitions.values()),
      accept: (message) => this.accept(message),
    });
    this.loop.start();
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

  /** Commit every partition whose finished prefix moved. Failures are reported and retried next time. */
  async commit(): Promise<void> {
    await this.committer?.commit();
  }

  private beforePoll(client: EventSource, committer: OffsetCommitter): void {
    const { pause, resume } = this.backpressure.changes(this.partitions.values(), this.adminPaused);
    try {
      client.pause(pause);
      client.resume(resume);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'pause/resume failed');
    }
    if (committer.due) {
      // Lag changes as fast as commits do: report it at their pace, not on every poll.
      reportLag(
        this.partitions.values(),
        (topic, partition) => client.watermarks(topic, partition),
        (topic, partition, lag) => this.opts.observer.lag(this.name, topic, partition, lag),
        (topic, partition, seconds) => this.opts.observer.timeLag(this.name, topic, partition, seconds),
        this.now(),
      );
      void committer.commit();
    }
  }

  private onAssigned(tps: TopicPartition[]): void {
    this.partitions.assign(tps);
    this.opts.log.info({ partitions: tps }, 'partitions assigned');
  }

  /** Runs inside the rebalance callback: stop the partition's work and commit only what finished. */
  private onRevoked(tps: TopicPartition[]): void {
    for (const tp of tps) {
      const state = this.partitions.revoke(tp);
      if (!state) continue;
      this.release(state);
      this.committer?.commitSync(state);
      this.opts.observer.partitionRevoked(this.name, tp.topic, tp.partition);
    }
    this.opts.log.info({ partitions: tps }, 'partitions revoked');
  }

  /** Abandon a partition's queued, held and running work; nothing of it is committed from now on. */
  private release(state: PartitionState): void {
    state.controller.abort();
    state.dropHolds();
    const dropped = this.scheduler.drop((job) => job.state === state);
    if (dropped.length > 0) this.opts.observer.inFlight(this.name, -dropped.length);
  }

  private accept(message: ConsumedMessage): void {
    const state = this.partitions.get(message.topic, message.partition);
    // The Kafka timestamp is the event's time where there is one; file and EventStreams events give their meta.dt below.
    if (!state || !state.offsets.track(message.offset, message.timestamp ?? NaN)) return; // revoked meanwhile, or a redelivery already tracked
    this.opts.observer.consumed(this.name, message.topic, message.partition);

    let retry: RetryState | null = null;
    if (this.retryTopics.has(message.topic)) {
      retry = readRetryState(message);
      if (!retry || retry.rule !== this.name) {
        // Another rule's retry: this rule has nothing to do with it.
        this.opts.observer.finished(this.name, message.topic, 'ignored');
        state.finish(message.offset);
        return;
      }
    }
    if (message.skip !== undefined) {
      // Read by the source but not this rule's (a file line of another stream): counted, never processed.
      this.opts.observer.finished(this.name, message.topic, 'skipped', message.skip);
      state.finish(message.offset);
      return;
    }
    const messageKey = message.key === null || message.key === undefined ? null : message.key.toString();
    const origin = retry?.source ?? message;
    let event: Record<string, unknown>;
    try {
      event = parseEvent(message.value);
    } catch (err) {
      const source: SourceCoordinates = { topic: origin.topic, partition: origin.partition, offset: origin.offset, key: messageKey, stream: this.streamOf(origin.topic, {}) };
      const error = asRouterError(err).withContext({ topic: source.topic, partition: source.partition, offset: source.offset, rule: this.name, step: 'parse' });
      // Parked through the scheduler under a key of its own, so the partition keeps its order.
      this.opts.observer.matched(this.name, source.topic);
      this.schedule(new EventJob(`${message.topic}/${message.partition}/${message.offset}`, state, message, source, retry, error, this.runJob), 0);
      return;
    }
    if (message.timestamp === undefined) state.offsets.stampLast(eventTimeOf(event));
    const source: SourceCoordinates = { topic: origin.topic, partition: origin.partition, offset: origin.offset, key: messageKey, stream: this.streamOf(origin.topic, event) };
    if (!this.opts.rule.rule.canary && isCanaryEvent(event)) {
      this.opts.observer.finished(this.name, source.topic, 'skipped', 'canary');
      state.finish(message.offset);
      return;
    }
    const matched = this.opts.rule.matcher.test(event);
    if (!matched.matched) {
      this.opts.observer.finished(this.name, source.topic, 'unmatched');
      state.finish(message.offset);
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

  private async process(job: EventJob): Promise<void> {
    try {
      const { parsed, state } = job;
      if (!(parsed instanceof EventContext)) {
        await this.park(job, parsed, 1);
        return;
      }
      const outcome = await runChain(this.opts.steps, parsed, this.opts.rule.rule.retry, state.controller.signal, this.chainHooks);
      if (outcome.kind === 'abandoned') return;
      if (outcome.kind === 'done') {
        if (outcome.skipped === undefined) this.opts.observer.finished(this.name, job.source.topic, 'succeeded');
        else this.opts.observer.finished(this.name, job.source.topic, 'skipped', outcome.skipped);
        state.finish(job.message.offset);
        return;
      }
      await this.park(job, outcome.error, outcome.attempts);
    } finally {
      this.opts.observer.inFlight(this.name, -1);
    }
  }

  /** Park a failed event (retry or dead-letter topic); it is finished once the parked message is durable. */
  private async park(job: EventJob, error: RouterError, attempts: number): Promise<void> {
    const outcome = await this.parker.park(job, error, attempts, job.state.controller.signal);
    if (outcome === 'abandoned') return;
    if (outcome === 'dead_lettered') this.opts.observer.deadLettered?.(this.name, error.context.step ?? 'unknown', error.errorClass);
    this.opts.observer.finished(this.name, job.source.topic, outcome);
    job.state.finish(job.message.offset);
  }

  /** Graceful stop: no more fetching, let in-flight events finish within the deadline, commit, disconnect. */
  async stop(deadlineMs: number): Promise<void> {
    if (this.status === 'stopped' || this.stopping) return;
    this.status = 'stopping';
    this.stopping = true;
    await this.loop?.stop();
    for (const state of this.partitions.values()) state.dropHolds();
    // Queued events are drained too, not dropped: an event that finished while an earlier one was dropped could
    // not be committed and would be applied twice after the restart. The deadline bounds the wait.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.scheduler.idle(), new Promise((r) => (timer = setTimeout(r, deadlineMs)))]);
    clearTimeout(timer);
    for (const state of this.partitions.values()) {
      state.controller.abort();
      this.committer?.commitSync(state);
    }
    await this.client?.disconnect();
    this.status = 'stopped';
  }
}

/** An event's own time (meta.dt, else dt), for sources without a Kafka timestamp; NaN when it has none. */
function eventTimeOf(event: Record<string, unknown>): number {
  const meta = event.meta;
  const dt = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>).dt : undefined;
  const text = typeof dt === 'string' ? dt : typeof event.dt === 'string' ? event.dt : undefined;
  return text === undefined ? NaN : Date.parse(text);
}
