// Tracks the offsets of one partition that were handed to the engine, and which of them finished, so the
// committable position is always the highest CONTIGUOUS finished offset + 1, whatever order events finish in.

export class PartitionOffsets {
  /** Offsets received and not yet part of the committable prefix, ascending (a queue with a moving head). */
  private pending: number[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  private lastTracked = -1;
  /** Next offset to commit: every received offset below it has finished. null until something finished. */
  private nextCommit: number | null = null;

  /**
   * Register an offset handed to the engine. Offsets must be tracked in ascending order; an offset at or
   * below the last one (a redelivery after pause/resume or seek) returns false and must not be processed again.
   */
  track(offset: number): boolean {
    if (offset <= this.lastTracked) return false;
    this.lastTracked = offset;
    this.pending.push(offset);
    return true;
  }

  /** Mark an offset finished (its effects are durable, or it is parked in a retry or dead-letter topic). */
  finish(offset: number): void {
    if (this.pending.length === this.head) return;
    this.finished.add(offset);
    while (this.head < this.pending.length) {
      const first = this.pending[this.head]!;
      if (!this.finished.has(first)) break;
      this.finished.delete(first);
      this.head++;
      this.nextCommit = first + 1;
    }
    // Compact occasionally so the queue does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
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

  /** The lowest unfinished offset, for diagnostics. */
  get oldestUnfinished(): number | null {
    return this.head < this.pending.length ? this.pending[this.head]! : null;
  }
}
