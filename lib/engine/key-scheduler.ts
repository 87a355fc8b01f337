// Runs jobs so that jobs with the same key run one at a time in arrival order, while jobs with different keys
// run in parallel up to a concurrency limit. Keys take turns (round robin), so one busy key cannot starve others.

export interface ScheduledJob {
  readonly key: string;
  run(): Promise<void>;
}

export class KeyScheduler<J extends ScheduledJob> {
  private readonly queues = new Map<string, J[]>();
  /** Keys with queued jobs and nothing running, in the order they became ready (a queue with a moving head). */
  private ready: string[] = [];
  private readyHead = 0;
  private readonly runningKeys = new Set<string>();
  private queuedCount = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly onError: (job: J, err: unknown) => void = () => undefined,
  ) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError('concurrency must be a positive integer');
  }

  get running(): number {
    return this.runningKeys.size;
  }

  get queued(): number {
    return this.queuedCount;
  }

  push(job: J): void {
    // Fast path, the common case: a key with nothing queued or running, a free slot and nobody waiting for one.
    if (this.runningKeys.size < this.concurrency && this.readyHead === this.ready.length && !this.runningKeys.has(job.key) && !this.queues.has(job.key)) {
      this.runningKeys.add(job.key);
      void this.execute(job);
      return;
    }
    let queue = this.queues.get(job.key);
    if (!queue) {
      queue = [];
      this.queues.set(job.key, queue);
    }
    queue.push(job);
    this.queuedCount++;
    if (queue.length === 1 && !this.runningKeys.has(job.key)) this.ready.push(job.key);
    this.pump();
  }

  /** Remove queued (not running) jobs matching the predicate, e.g. those of revoked partitions. */
  drop(predicate: (job: J) => boolean): J[] {
    const dropped: J[] = [];
    for (const [key, queue] of this.queues) {
      const kept = queue.filter((job) => (predicate(job) ? (dropped.push(job), false) : true));
      if (kept.length === queue.length) continue;
      this.queuedCount -= queue.length - kept.length;
      if (kept.length === 0) {
        this.queues.delete(key);
        const i = this.ready.indexOf(key, this.readyHead);
        if (i >= 0) this.ready.splice(i, 1);
      } else {
        this.queues.set(key, kept);
      }
    }
    this.notifyIdle();
    return dropped;
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.queuedCount === 0 && this.runningKeys.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.runningKeys.size < this.concurrency && this.readyHead < this.ready.length) {
      const key = this.ready[this.readyHead++]!;
      if (this.readyHead === this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      } else if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      const queue = this.queues.get(key);
      const job = queue?.shift();
      if (!queue || !job) continue;
      this.queuedCount--;
      if (queue.length === 0) this.queues.delete(key);
      this.runningKeys.add(key);
      void this.execute(job);
    }
  }

  private async execute(job: J): Promise<void> {
    try {
      await job.run();
    } catch (err) {
      this.onError(job, err);
    } finally {
      this.runningKeys.delete(job.key);
      if (this.queues.has(job.key)) this.ready.push(job.key);
      this.pump();
      this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    if (this.queuedCount === 0 && this.runningKeys.size === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
