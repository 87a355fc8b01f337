// Bounds the events a rule holds in memory per partition: at its pending limit a partition holds polling, and one
// stuck there for `stallPauseMs` is paused in the client, so the others go on (docs/design-decisions.md, Backpressure).
import type { TopicPartition } from '../sources/source.ts';

/** What backpressure reads and sets of a partition. */
export interface BackpressuredPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offsets: { readonly unfinished: number };
  /** Paused in the client. */
  paused: boolean;
}

export interface PauseChanges {
  pause: TopicPartition[];
  resume: TopicPartition[];
}

export class Backpressure {
  /** Since when a partition has held polling at its pending limit (null: none is at its limit). */
  private atLimitSince: number | null = null;

  constructor(
    readonly maxPending: number,
    private readonly stallPauseMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * True while an unpaused partition is at its pending limit: the loop does not poll, so no more events enter memory
   * and librdkafka keeps what it prefetched. Pausing instead would drop that prefetch and fetch it again on resume.
   */
  holdsPolling(partitions: Iterable<BackpressuredPartition>): boolean {
    for (const state of partitions) {
      if (!state.paused && state.offsets.unfinished >= this.maxPending) {
        this.atLimitSince ??= this.now();
        return true;
      }
    }
    this.atLimitSince = null;
    return false;
  }

  /**
   * Marks the partitions to pause (all of them while an operator paused the rule, or those still at their limit after
   * the stall time) and to resume (at half the limit or below, unless paused by the operator), and returns them.
   */
  changes(partitions: Iterable<BackpressuredPartition>, adminPaused: boolean): PauseChanges {
    const max = this.maxPending;
    const stalled = this.atLimitSince !== null && this.now() - this.atLimitSince >= this.stallPauseMs;
    const pause: TopicPartition[] = [];
    const resume: TopicPartition[] = [];
    for (const state of partitions) {
      const pending = state.offsets.unfinished;
      const shouldPause = adminPaused || (stalled && pending >= max);
      const mayResume = !adminPaused && pending <= Math.floor(max / 2);
      if (shouldPause && !state.paused) {
        state.paused = true;
        pause.push({ topic: state.topic, partition: state.partition });
      } else if (state.paused && mayResume) {
        state.paused = false;
        resume.push({ topic: state.topic, partition: state.partition });
      }
    }
    return { pause, resume };
  }

  /** Paused in the client, or holding polling at its limit: what the admin API reports as paused. */
  isHeld(state: BackpressuredPartition): boolean {
    return state.paused || state.offsets.unfinished >= this.maxPending;
  }
}
