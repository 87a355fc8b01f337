// Commits a rule consumer's positions: each partition's finished prefix, asynchronously every interval, and
// synchronously when a partition is revoked or the consumer stops. A failed commit is reported and tried again.
import type { Logger } from '../log.ts';
import type { EventSource } from '../sources/source.ts';
import type { EngineObserver } from './observer.ts';
import type { PartitionState } from './assigned-partitions.ts';

export interface OffsetCommitterOptions {
  rule: string;
  client: Pick<EventSource, 'commit' | 'commitSync' | 'onCommitResult'>;
  partitions: { values(): Iterable<PartitionState> };
  observer: EngineObserver;
  log: Logger;
  intervalMs: number;
  now: () => number;
}

export class OffsetCommitter {
  /** The last commit failure, until a commit succeeds. */
  lastError: string | null = null;
  private inFlight = false;
  private lastCommitAt = 0;

  constructor(private readonly opts: OffsetCommitterOptions) {
    opts.client.onCommitResult = (err, offsets) => {
      if (err) this.failed(err.message, { offsets }, 'offset commit failed; will retry');
    };
  }

  /** True when the interval since the last commit has passed. */
  get due(): boolean {
    return this.opts.now() - this.lastCommitAt >= this.opts.intervalMs;
  }

  /** Commit every partition whose finished prefix moved. Failures are reported (onCommitResult) and retried next time. */
  async commit(): Promise<void> {
    if (this.inFlight) return;
    this.lastCommitAt = this.opts.now();
    const batch: Array<{ state: PartitionState; offset: number }> = [];
    for (const state of this.opts.partitions.values()) {
      const offset = state.offsets.committable;
      if (offset !== null && offset !== state.committed) batch.push({ state, offset });
    }
    if (batch.length === 0) return;
    this.inFlight = true;
    try {
      await this.opts.client.commit(batch.map(({ state, offset }) => ({ topic: state.topic, partition: state.partition, offset })));
      for (const { state, offset } of batch) {
        if (state.committed === null || offset > state.committed) state.committed = offset;
        this.opts.observer.committed(this.opts.rule, state.topic, state.partition, offset);
      }
      this.lastError = null;
    } catch {
      /* reported through onCommitResult */
    } finally {
      this.inFlight = false;
    }
  }

  /** Commit one partition's finished prefix at once: inside a rebalance callback, or at the end of a stop. */
  commitSync(state: PartitionState): void {
    const offset = state.offsets.committable;
    if (offset === null || offset === state.committed) return;
    try {
      this.opts.client.commitSync([{ topic: state.topic, partition: state.partition, offset }]);
      state.committed = offset;
      this.opts.observer.committed(this.opts.rule, state.topic, state.partition, offset);
    } catch (err) {
      this.failed((err as Error).message, { topic: state.topic, partition: state.partition }, 'final commit failed');
    }
  }

  private failed(reason: string, fields: Record<string, unknown>, what: string): void {
    this.lastError = reason;
    this.opts.observer.commitFailed(this.opts.rule, reason);
    this.opts.log.warn({ err: reason, ...fields }, what);
  }
}
