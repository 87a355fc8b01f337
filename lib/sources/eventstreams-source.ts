// Reads server-sent events from an EventStreams-compatible URL (Wikimedia's public stream service by default).
// Resumes with Last-Event-ID, from the last received event after a dropped connection and from the last committed
// one after a restart, reconnecting with exponential backoff; reading pauses (TCP backpressure) when the buffer is full.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { createParser } from 'eventsource-parser';
import type { Logger } from '../log.ts';
import type { ConsumedMessage, EventSource, RebalanceHooks, TopicPartition, TopicPartitionOffset } from './source.ts';
import { commitAndReport, writeJsonAtomically } from './checkpoint.ts';

export const EVENTSTREAMS_TOPIC = 'eventstreams';

export interface EventStreamsSourceOptions {
  /** URL template; `{streams}` becomes the comma-joined stream names. */
  url: string;
  streams: readonly string[];
  checkpointDir: string;
  groupId: string;
  userAgent: string;
  reconnectMaxMs: number;
  maxBuffered?: number;
  hooks?: RebalanceHooks;
  log?: Logger;
}

interface Checkpoint {
  lastEventId: string | null;
  next: number;
}

export class EventStreamsSource implements EventSource {
  onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;
  private buffer: ConsumedMessage[] = [];
  private readonly ids = new Map<number, string>();
  private checkpoint: Checkpoint = { lastEventId: null, next: 0 };
  private nextOffset = 0;
  private lastReceivedId: string | null = null;
  private paused = false;
  private stopped = false;
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private assigned = false;
  /** Connections opened so far (for tests and the admin API). */
  connections = 0;

  constructor(private readonly options: EventStreamsSourceOptions) {}

  private get checkpointPath(): string {
    return join(this.options.checkpointDir, `${this.options.groupId}.eventstreams.json`);
  }

  async connect(): Promise<void> {
    mkdirSync(this.options.checkpointDir, { recursive: true });
    if (existsSync(this.checkpointPath)) this.checkpoint = JSON.parse(readFileSync(this.checkpointPath, 'utf8')) as Checkpoint;
    this.nextOffset = this.checkpoint.next;
    this.lastReceivedId = this.checkpoint.lastEventId;
  }

  subscribe(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    const url = this.options.url.replace('{streams}', this.options.streams.map(encodeURIComponent).join(','));
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.readOnce(url);
        failures = 0; // the server ended the stream normally: reconnect at once
      } catch (err) {
        if (this.stopped) return;
        failures++;
        this.options.log?.warn({ err: (err as Error).message, failures }, 'EventStreams connection failed; reconnecting');
      }
      if (this.stopped) return;
      const delay = failures === 0 ? 100 : Math.min(this.options.reconnectMaxMs, 250 * 2 ** Math.min(failures, 10)) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private async readOnce(url: string): Promise<void> {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'user-agent': this.options.userAgent };
    if (this.lastReceivedId) headers['last-event-id'] = this.lastReceivedId;
    this.abort = new AbortController();
    const response = await request(url, { headers, signal: this.abort.signal, bodyTimeout: 0, headersTimeout: 30_000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      throw new Error(`EventStreams answered ${response.statusCode}`);
    }
    this.connections++;
    const parser = createParser({
      onEvent: (event) => {
        if (event.event !== undefined && event.event !== 'message') return;
        const offset = this.nextOffset++;
        const value = Buffer.from(event.data);
        if (event.id) {
          this.ids.set(offset, event.id);
          this.lastReceivedId = event.id;
        }
        this.buffer.push({ topic: EVENTSTREAMS_TOPIC, partition: 0, offset, key: null, value, headers: [], timestamp: Date.now(), size: value.length });
      },
    });
    for await (const chunk of response.body) {
      parser.feed((chunk as Buffer).toString('utf8'));
      // Stop pulling from the socket while the engine is behind: TCP backpressure, nothing dropped.
      while (!this.stopped && (this.paused || this.buffer.length >= (this.options.maxBuffered ?? 5000))) {
        await new Promise((r) => setTimeout(r, 20));
      }
      if (this.stopped) break;
    }
  }

  async consumeBatch(max: number): Promise<ConsumedMessage[]> {
    if (!this.assigned) {
      this.assigned = true;
      this.options.hooks?.assigned?.([{ topic: EVENTSTREAMS_TOPIC, partition: 0 }]);
    }
    if (this.paused || this.buffer.length === 0) {
      await new Promise((r) => setTimeout(r, 50));
      return [];
    }
    return this.buffer.splice(0, max);
  }

  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    return commitAndReport(this, offsets);
  }

  commitSync(offsets: TopicPartitionOffset[]): void {
    const o = offsets.find((x) => x.topic === EVENTSTREAMS_TOPIC);
    if (!o) return;
    // The id of the last finished event: the server resumes after it.
    let id: string | undefined;
    for (let n = o.offset - 1; n >= this.checkpoint.next && id === undefined; n--) id = this.ids.get(n);
    for (const n of this.ids.keys()) if (n < o.offset - 1) this.ids.delete(n);
    this.checkpoint = { lastEventId: id ?? this.checkpoint.lastEventId, next: o.offset };
    writeJsonAtomically(this.checkpointPath, this.checkpoint);
  }

  pause(_: TopicPartition[]): void {
    this.paused = true;
  }

  resume(_: TopicPartition[]): void {
    this.paused = false;
  }

  watermarks(): null {
    return null;
  }

  async disconnect(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop?.catch(() => undefined);
    this.options.hooks?.revoked?.([{ topic: EVENTSTREAMS_TOPIC, partition: 0 }]);
  }
}
