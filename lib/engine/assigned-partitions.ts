// The partitions a rule consumer holds now: per partition its offsets, its pending work (to abandon on revocation)
// and its committed position. Looked up per consumed message, so lookups allocate nothing.
import { setMaxListeners } from 'node:events';
import type { TopicPartition } from '../sources/source.ts';
import { PartitionOffsets } from './partition-offsets.ts';

export class PartitionState {
  readonly offsets = new PartitionOffsets();
  /** Aborted when the partition's work is abandoned: revocation, or the end of a graceful stop. */
  readonly controller = new AbortController();
  /** Timers of retries held until their due time. */
  readonly holds = new Set<NodeJS.Timeout>();
  committed: number | null = null;
  paused = false;
  /** Set when the partition is revoked: its events' completions no longer count. */
  revoked = false;
  constructor(readonly topic: string, readonly partition: number) {
    // Every event waiting out a backoff (a database outage: all of them) listens on this one signal. Their number
    // is bounded by the partition's in-flight events, so Node's leak warning at 11 listeners is noise here.
    setMaxListeners(0, this.controller.signal);
  }

  /** An event is done (effects durable, or parked): its offset may be committed once all before it are. */
  finish(offset: number): void {
    if (!this.revoked) this.offsets.finish(offset);
  }

  /** Cancel the retries held for their due time; their offsets stay uncommitted. */
  dropHolds(): void {
    for (const timer of this.holds) clearTimeout(timer);
    this.holds.clear();
  }
}

export class AssignedPartitions {
  private readonly byTopic = new Map<string, Map<number, PartitionState>>();
  private readonly all = new Set<PartitionState>();

  get(topic: string, partition: number): PartitionState | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  /** Adds the partitions not held yet; one already held keeps its state. */
  assign(tps: readonly TopicPartition[]): void {
    for (const { topic, partition } of tps) {
      let partitions = this.byTopic.get(topic);
      if (!partitions) this.byTopic.set(topic, (partitions = new Map()));
      if (partitions.has(partition)) continue;
      const state = new PartitionState(topic, partition);
      partitions.set(partition, state);
      this.all.add(state);
    }
  }

  /** Removes a partition and marks it revoked; its state is returned so its work can be abandoned and committed. */
  revoke(tp: TopicPartition): PartitionState | undefined {
    const partitions = this.byTopic.get(tp.topic);
    const state = partitions?.get(tp.partition);
    if (!partitions || !state) return undefined;
    partitions.delete(tp.partition);
    if (partitions.size === 0) this.byTopic.delete(tp.topic);
    this.all.delete(state);
    state.revoked = true;
    return state;
  }

  values(): IterableIterator<PartitionState> {
    return this.all.values();
  }

  /** Unfinished events over every partition. */
  get unfinished(): number {
    let n = 0;
    for (const state of this.all) n += state.offsets.unfinished;
    return n;
  }
}
