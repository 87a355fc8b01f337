// Tracks the offsets of one partition that were handed to the engine, and which of them finished, so the
// committable position is always the highest CONTIGUOUS finished offset + 1, whatever order events finish in.

export class PartitionOffsets {
  /** Offsets received and not yet part of the committable prefix, ascending (a queue with a moving head). */
  private pending: number[] = [];
  /** The event time (epoch ms, NaN when unknown) of each pending offset, at the same index. */
  private times: number[] = [];
  private head = 0;
  /** The event time of the last offset of the committable prefix (NaN when unknown or none yet). */
  private finishedTime = NaN;
  private readonly finished = new Set<number>();
  private lastTracked = -1;
  /** Next offset to commit: every received offset below it has finished. null until something finished. */
  private nextCommit: number | null = null;

  /**
   * Register an offset handed to the engine. Offsets must be tracked in ascending order; an offset at or
   * below the last one (a redelivery after pause/resume or seek) returns false and must not be processed again.
   */
  track(offset: number, eventTime = NaN): boolean {
    if (offset <= this.lastTracked) return false;
    this.lastTracked = offset;
    this.pending.push(offset);
    this.times.push(eventTime);
    return true;
  }

  /** Sets the event time of the offset tracked last, when it is known only once the event is parsed. */
  stampLast(eventTime: number): void {
    if (this.times.length > this.head) this.times[this.times.length - 1] = eventTime;
  }

  /** Mark an offset finished (its effects are durable, or it is parked in a retry or dead-letter topic). */
  finish(offset: number): void {
    if (this.pending.length === this.head) return;
    this.finished.add(offset);
    while (this.head < this.pending.length) {
      const first = this.pending[this.head]!;
      if (!this.finished.has(first)) break;
      this.finished.delete(first);
      this.finishedTime = this.times[this.head]!;
      this.head++;
      this.nextCommit = first + 1;
    }
    // Compact occasionally so the queue does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (next to consume), or null when nothing new finished. */
  get committable(): number | null {
    return this.nextCommit;
  }

  /** Events received but not finished: buffered, waiting for their key, running, or held for a retry due time. */
  get unfinished(): number {
    return this.pending.length - this.head;
  }

  /** The event time of the oldest unfinished event (NaN when unknown or none). */
  get oldestUnfinishedTime(): number {
    return this.head < this.pending.length ? this.times[this.head]! : NaN;
  }

  /** The event time of the newest event of the committable prefix (NaN when unknown or none). */
  get lastFinishedTime(): number {
    return this.finishedTime;
  }

  /** The lowest unfinished offset, for diagnostics. */
  get oldestUnfinished(): number | null {
    return this.head < this.pending.length ? this.pending[this.head]! : null;
  }
}
