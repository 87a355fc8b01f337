// The loop that feeds a rule consumer: before every poll it lets the consumer do its periodic work (backpressure,
// commits), waits while polling is held, and hands each polled message over, until it is stopped.
import type { Logger } from '../log.ts';
import type { ConsumedMessage, EventSource } from '../sources/source.ts';

/** How long the loop waits before it looks again while polling is held. */
const HOLD_WAIT_MS = 2;
/** How long it waits after a failed poll (the client reconnects by itself; the next poll usually works). */
const CONSUME_RETRY_MS = 500;

export interface PollLoopOptions {
  client: Pick<EventSource, 'consumeBatch'>;
  /** The most messages one poll takes. */
  batchSize: number;
  log: Logger;
  /** Runs before every poll. */
  beforePoll(): void;
  /** True while polling must wait (a partition at its pending limit). */
  holdsPolling(): boolean;
  accept(message: ConsumedMessage): void;
  sleep?: (ms: number) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class PollLoop {
  private stopping = false;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: PollLoopOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Resolves once the loop has stopped; a poll under way finishes and its messages are accepted first. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const { client, batchSize, log } = this.opts;
    const wait = this.opts.sleep ?? sleep;
    while (!this.stopping) {
      this.opts.beforePoll();
      if (this.opts.holdsPolling()) {
        await wait(HOLD_WAIT_MS);
        continue;
      }
      let batch: ConsumedMessage[];
      try {
        batch = await client.consumeBatch(batchSize);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'consume failed; retrying');
        await wait(CONSUME_RETRY_MS);
        continue;
      }
      for (const message of batch) this.opts.accept(message);
    }
  }
}
