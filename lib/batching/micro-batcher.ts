// Collects items submitted by concurrent events for a short linger and hands them to one `flush` call,
// so N events cost one API request or one database round trip. Each submitter gets its own item's result.
//
// Group-commit behaviour: while `maxInFlight` flushes run, new items keep accumulating, so batches grow
// under load instead of queueing many small requests. Shared by the MediaWiki client and the store.

export interface MicroBatcherOptions<I, O> {
  /** Largest batch handed to `flush`. */
  maxSize: number;
  /** How long the first item of a batch waits for company; 0 flushes on the next macrotask. */
  lingerMs: number;
  /** Flushes allowed to run at the same time (default 1). */
  maxInFlight?: number;
  /** Must return one result per item, in the same order; a throw rejects every item of the batch. */
  flush(items: I[]): Promise<O[]>;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

export interface MicroBatcherStats {
  batches: number;
  items: number;
  largestBatch: number;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];
  readonly stats: MicroBatcherStats = { batches: 0, items: 0, largestBatch: 0 };

  constructor(private readonly options: MicroBatcherOptions<I, O>) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxSize) this.drain();
      else this.arm();
    });
  }

  /** Resolves when nothing is queued or in flight (tests and shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private arm(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.drain();
    }, this.options.lingerMs);
    // A pending linger must never keep a stopping process alive.
    this.timer.unref();
  }

  private drain(): void {
    const maxInFlight = this.options.maxInFlight ?? 1;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxSize);
      void this.run(batch);
    }
    if (this.queue.length === 0 && this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private async run(batch: Pending<I, O>[]): Promise<void> {
    this.inFlight += 1;
    this.stats.batches += 1;
    this.stats.items += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      const results = await this.options.flush(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
      batch.forEach((p, i) => p.resolve(results[i]!));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight -= 1;
      // Items that queued behind the flush have already waited at least one linger: send them now.
      if (this.queue.length > 0) this.drain();
      if (this.queue.length === 0 && this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }
}
