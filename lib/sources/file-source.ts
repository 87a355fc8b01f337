// Reads events from NDJSON / JSON-lines files, for replays, backfills and runs without Kafka. Each input file is a
// one-partition topic named after the file; retry topics are JSON-lines files written by FileTopicSink. Positions
// are checkpointed per consumer group (atomically), so a restarted run resumes where it stopped.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { ConsumedMessage, EventSource, RebalanceHooks, TopicPartition, TopicPartitionOffset } from './source.ts';
import { topicFile, type FileRecord } from './file-log.ts';
import { commitAndReport, writeJsonAtomically } from './checkpoint.ts';
import { LineCounter } from './line-count.ts';

export interface FileSourceOptions {
  /** Input files or folders (every *.ndjson, *.jsonl, *.json file inside, sorted). */
  inputs: string[];
  /** Where retry topics live (FileTopicSink's folder). */
  topicsDir: string;
  /** Where checkpoints are written. */
  checkpointDir: string;
  groupId: string;
  /** Streams the rule consumes: input lines whose meta.stream is another stream are delivered marked `skip`. */
  streams: readonly string[];
  /** Keep polling files for appended lines instead of ending at EOF. */
  follow: boolean;
  hooks?: RebalanceHooks;
}

interface Checkpoint {
  [topic: string]: { line: number; byte: number };
}

const CHUNK = 256 * 1024;

/** The topic name of an input file: its file name without the extension. */
export function fileTopicName(path: string): string {
  return basename(path, extname(path)).replace(/[^A-Za-z0-9._-]/g, '_');
}

/** The files of an input folder that are read as events. */
export const EVENT_FILE = /\.(ndjson|jsonl|json)$/;

export function listInputFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    if (!existsSync(input)) throw new Error(`input ${input} does not exist`);
    if (statSync(input).isDirectory()) {
      for (const f of readdirSync(input).sort()) if (EVENT_FILE.test(f)) files.push(join(input, f));
    } else {
      files.push(input);
    }
  }
  return files;
}

class LineFile {
  private fd: number | null = null;
  private pending = Buffer.alloc(0);
  private pendingStart: number;
  /** Byte where each delivered, uncommitted line starts, to checkpoint a line number as a byte position. */
  private readonly starts = new Map<number, number>();
  private endOfDelivered: number;
  nextLine: number;
  paused = false;
  atEnd = false;
  /** The file's line count, for lag and replay progress (line numbers are the offsets). */
  readonly counter: LineCounter;

  constructor(
    readonly topic: string,
    readonly path: string,
    readonly records: boolean,
    start: { line: number; byte: number },
  ) {
    this.nextLine = start.line;
    this.pendingStart = start.byte;
    this.endOfDelivered = start.byte;
    this.counter = new LineCounter(path);
  }

  private position(): number {
    return this.pendingStart + this.pending.length;
  }

  /** Read up to `max` complete lines. At EOF of a finished file, a last line without a newline counts too. */
  read(max: number, finalAtEof: boolean): Array<{ line: number; data: Buffer }> {
    const out: Array<{ line: number; data: Buffer }> = [];
    if (this.fd === null) {
      if (!existsSync(this.path)) {
        this.atEnd = true;
        return out;
      }
      this.fd = openSync(this.path, 'r');
    }
    for (;;) {
      let nl = this.pending.indexOf(10);
      while (nl >= 0 && out.length < max) {
        this.deliver(out, this.pending.subarray(0, nl), nl + 1);
        nl = this.pending.indexOf(10);
      }
      if (out.length >= max) return out;
      const chunk = Buffer.allocUnsafe(CHUNK);
      const n = readSync(this.fd, chunk, 0, CHUNK, this.position());
      if (n === 0) {
        this.atEnd = this.pending.length === 0 || finalAtEof;
        if (finalAtEof && this.pending.length > 0) this.deliver(out, this.pending, this.pending.length);
        return out;
      }
      this.atEnd = false;
      this.pending = this.pending.length === 0 ? chunk.subarray(0, n) : Buffer.concat([this.pending, chunk.subarray(0, n)]);
    }
  }

  private deliver(out: Array<{ line: number; data: Buffer }>, data: Buffer, consumed: number): void {
    this.starts.set(this.nextLine, this.pendingStart);
    const line = Buffer.from(data);
    this.pendingStart += consumed;
    this.pending = this.pending.subarray(consumed);
    this.endOfDelivered = this.pendingStart;
    if (line.length > 0 && !(line.length === 1 && line[0] === 13)) out.push({ line: this.nextLine, data: line });
    this.nextLine++;
  }

  /** The checkpoint for "next line to read is `line`". */
  checkpointFor(line: number): { line: number; byte: number } | null {
    const byte = this.starts.get(line) ?? (line === this.nextLine ? this.endOfDelivered : undefined);
    if (byte === undefined) return null;
    for (const l of this.starts.keys()) if (l < line) this.starts.delete(l);
    return { line, byte };
  }

  hasMoreOnDisk(): boolean {
    if (!existsSync(this.path)) return false;
    const size = this.fd !== null ? fstatSync(this.fd).size : statSync(this.path).size;
    return size > this.position() || this.pending.length > 0;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export class FileSource implements EventSource {
  onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;
  private files: LineFile[] = [];
  private checkpoint: Checkpoint = {};
  private assigned = false;
  private readonly streams: Set<string>;

  constructor(private readonly options: FileSourceOptions) {
    this.streams = new Set(options.streams);
  }

  private get checkpointPath(): string {
    return join(this.options.checkpointDir, `${this.options.groupId}.json`);
  }

  async connect(): Promise<void> {
    mkdirSync(this.options.checkpointDir, { recursive: true });
    if (existsSync(this.checkpointPath)) this.checkpoint = JSON.parse(readFileSync(this.checkpointPath, 'utf8')) as Checkpoint;
  }

  /** Topics are the input files' names plus the retry topics the engine asks for. */
  subscribe(topics: string[]): void {
    const inputs = listInputFiles(this.options.inputs);
    const inputTopics = new Set(inputs.map(fileTopicName));
    this.files = inputs.map((path) => new LineFile(fileTopicName(path), path, false, this.checkpoint[fileTopicName(path)] ?? { line: 0, byte: 0 }));
    for (const topic of topics) {
      if (inputTopics.has(topic)) continue;
      this.files.push(new LineFile(topic, topicFile(this.options.topicsDir, topic), true, this.checkpoint[topic] ?? { line: 0, byte: 0 }));
    }
  }

  async consumeBatch(max: number): Promise<ConsumedMessage[]> {
    if (!this.assigned) {
      this.assigned = true;
      this.options.hooks?.assigned?.(this.files.map((f) => ({ topic: f.topic, partition: 0 })));
    }
    const out: ConsumedMessage[] = [];
    for (const file of this.files) {
      if (file.paused || out.length >= max) continue;
      for (const { line, data } of file.read(max - out.length, !this.options.follow && !file.records)) {
        out.push(file.records ? fromRecord(file.topic, line, data) : fromInputLine(file.topic, line, data, this.streams));
      }
    }
    if (out.length === 0) await new Promise((r) => setTimeout(r, 50));
    return out;
  }

  get exhausted(): boolean {
    if (this.options.follow) return false;
    return this.files.every((f) => f.atEnd && !(f.records && f.hasMoreOnDisk()));
  }

  commit(offsets: TopicPartitionOffset[]): Promise<void> {
    return commitAndReport(this, offsets);
  }

  commitSync(offsets: TopicPartitionOffset[]): void {
    let changed = false;
    for (const o of offsets) {
      const file = this.files.find((f) => f.topic === o.topic);
      const cp = file?.checkpointFor(o.offset);
      if (cp) {
        this.checkpoint[o.topic] = cp;
        changed = true;
      }
    }
    if (!changed) return;
    writeJsonAtomically(this.checkpointPath, this.checkpoint);
  }

  pause(partitions: TopicPartition[]): void {
    for (const p of partitions) for (const f of this.files) if (f.topic === p.topic) f.paused = true;
  }

  resume(partitions: TopicPartition[]): void {
    for (const p of partitions) for (const f of this.files) if (f.topic === p.topic) f.paused = false;
  }

  /** Offsets are line numbers, so the high watermark is the file's line count (only appended bytes are re-read). */
  watermarks(topic: string, partition: number): { low: number; high: number } | null {
    const file = partition === 0 ? this.files.find((f) => f.topic === topic) : undefined;
    if (!file) return null;
    // As read: a last line without a newline is a line once the file is finished (an input, without follow).
    return { low: 0, high: file.counter.lines(!this.options.follow && !file.records) };
  }

  async disconnect(): Promise<void> {
    this.options.hooks?.revoked?.(this.files.map((f) => ({ topic: f.topic, partition: 0 })));
    for (const f of this.files) f.close();
  }
}

function fromInputLine(topic: string, line: number, data: Buffer, streams: Set<string>): ConsumedMessage {
  const message: ConsumedMessage = { topic, partition: 0, offset: line, key: null, value: data, headers: [], timestamp: undefined, size: data.length };
  if (streams.size > 0) {
    // Cheap pre-filter: only lines that name another stream are skipped (and counted as such by the engine);
    // anything unparsable goes on (to the DLQ).
    const stream = /"stream"\s*:\s*"([^"]+)"/.exec(data.subarray(0, 4096).toString('utf8'))?.[1];
    if (stream !== undefined && !streams.has(stream) && ![...streams].some((s) => stream.endsWith(`.${s}`))) message.skip = 'other_stream';
  }
  return message;
}

function fromRecord(topic: string, line: number, data: Buffer): ConsumedMessage {
  const r = JSON.parse(data.toString('utf8')) as FileRecord;
  const dec = (text: string, enc?: string) => Buffer.from(text, enc === 'base64' ? 'base64' : 'utf8');
  return {
    topic,
    partition: 0,
    offset: line,
    key: r.key === null ? null : dec(r.key, r.key_encoding),
    value: dec(r.value, r.value_encoding),
    headers: r.headers.map((h) => ({ [h.key]: dec(h.value, h.encoding) })),
    timestamp: r.timestamp,
    size: data.length,
  };
}
