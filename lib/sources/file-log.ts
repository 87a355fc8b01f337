// Topics as append-only JSON-lines files, for runs without Kafka: retry and dead-letter topics and `produce`
// steps write here. Appends are batched and fsynced before they resolve, so a parked event is durable.
import { mkdirSync, existsSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryReport, MessageSink, OutgoingMessage } from '../messaging/message.ts';

export interface FileRecord {
  key: string | null;
  key_encoding?: 'utf8' | 'base64';
  value: string;
  value_encoding?: 'utf8' | 'base64';
  headers: Array<{ key: string; value: string; encoding?: 'utf8' | 'base64' }>;
  timestamp: number;
}

function encode(buf: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? { text, encoding: 'utf8' } : { text: buf.toString('base64'), encoding: 'base64' };
}

export function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return Buffer.isBuffer(value) ? value : Buffer.from(value);
}

export function recordFromMessage(message: OutgoingMessage): FileRecord {
  const key = toBuffer(message.key ?? null);
  const value = encode(toBuffer(message.value) ?? Buffer.alloc(0));
  const k = key ? encode(key) : null;
  return {
    key: k?.text ?? null,
    ...(k && k.encoding !== 'utf8' ? { key_encoding: k.encoding } : {}),
    value: value.text,
    ...(value.encoding !== 'utf8' ? { value_encoding: value.encoding } : {}),
    headers: (message.headers ?? []).flatMap((h) =>
      Object.entries(h).map(([hk, hv]) => {
        const e = encode(toBuffer(hv)!);
        return { key: hk, value: e.text, ...(e.encoding !== 'utf8' ? { encoding: e.encoding } : {}) };
      }),
    ),
    timestamp: message.timestamp ?? Date.now(),
  };
}

export function topicFile(dir: string, topic: string): string {
  return join(dir, `${topic}.jsonl`);
}

interface TopicWriter {
  handle: Promise<FileHandle>;
  lines: number;
  queue: Array<{ line: string; resolve: (offset: number) => void; reject: (err: Error) => void }>;
  flushing: boolean;
}

export class FileTopicSink implements MessageSink {
  private readonly writers = new Map<string, TopicWriter>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  produce(message: OutgoingMessage): Promise<DeliveryReport> {
    if (!/^[A-Za-z0-9._-]+$/.test(message.topic)) return Promise.reject(new Error(`invalid topic name ${message.topic}`));
    const writer = this.writer(message.topic);
    const line = `${JSON.stringify(recordFromMessage(message))}\n`;
    return new Promise<number>((resolve, reject) => {
      writer.queue.push({ line, resolve, reject });
      void this.flush(writer);
    }).then((offset) => ({ topic: message.topic, partition: 0, offset }));
  }

  private writer(topic: string): TopicWriter {
    let writer = this.writers.get(topic);
    if (!writer) {
      const file = topicFile(this.dir, topic);
      const lines = existsSync(file) ? countLines(readFileSync(file)) : 0;
      writer = { handle: open(file, 'a'), lines, queue: [], flushing: false };
      this.writers.set(topic, writer);
    }
    return writer;
  }

  private async flush(writer: TopicWriter): Promise<void> {
    if (writer.flushing) return;
    writer.flushing = true;
    try {
      while (writer.queue.length > 0) {
        const batch = writer.queue.splice(0);
        try {
          const fh = await writer.handle;
          await fh.appendFile(batch.map((b) => b.line).join(''));
          await fh.datasync();
          for (const b of batch) b.resolve(writer.lines++);
        } catch (err) {
          for (const b of batch) b.reject(err as Error);
        }
      }
    } finally {
      writer.flushing = false;
    }
  }

  async close(): Promise<void> {
    for (const writer of this.writers.values()) await (await writer.handle).close();
    this.writers.clear();
  }
}

export function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
