// Runs extractImages on worker threads, so the scan of large texts uses another core instead of the event loop
// that also polls Kafka, writes to PostgreSQL and serves the admin API. Same answers as calling it directly.
// A thread takes texts, or whole revisions answers as bytes (moved, not copied), which it decodes, parses and
// scans itself, so those texts never reach the event loop's heap (readRevisionImages).
import { Worker } from 'node:worker_threads';
import { TransientError } from '../errors.ts';
import { readRevisionImages, type RevisionImagesOutcome, type RevisionsAnswer } from './revision-images.ts';
import { extractImages } from '../wikitext/extract-images.ts';
import type { FileNamespaceNames } from '../wikitext/siteinfo.ts';

export type ExtractionRequest =
  | { id: number; text: string; names: FileNamespaceNames }
  | { id: number; answer: RevisionsAnswer; requested: readonly number[]; names: FileNamespaceNames };

export type ExtractionReply =
  | { id: number; images: string[] }
  | { id: number; outcome: RevisionImagesOutcome }
  | { id: number; error: string; errorName?: string };

// The built-in errors a thread's reply may name, rebuilt so a bug in the thread is classified as one (never retried).
const BUILT_IN_ERRORS: Readonly<Record<string, ErrorConstructor>> = { TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError };

/** The error a thread reported, as the class it was when thrown there. */
function threadError(reply: { error: string; errorName?: string }): Error {
  const Ctor = (reply.errorName !== undefined && Object.hasOwn(BUILT_IN_ERRORS, reply.errorName) ? BUILT_IN_ERRORS[reply.errorName] : undefined) ?? Error;
  return new Ctor(reply.error);
}

/** Extracts images from wikitext: in the calling thread, or on an ExtractionPool's threads. */
export interface ImageExtractor {
  extract(text: string, names: FileNamespaceNames): Promise<string[]>;
  /** readRevisionImages of a revisions answer; the answer's bytes may be moved to a thread (unusable after). */
  readRevisions(answer: RevisionsAnswer, requested: readonly number[], names: FileNamespaceNames): Promise<RevisionImagesOutcome>;
}

/** Extraction in the calling thread (`extract_threads: 0`). */
export const inThreadExtractor: ImageExtractor = {
  extract: async (text, names) => extractImages(text, names),
  readRevisions: async (answer, requested, names) => readRevisionImages(answer, requested, names),
};

interface Pending {
  resolve: (value: string[] | RevisionImagesOutcome) => void;
  reject: (err: Error) => void;
}

/** The buffers a request can move instead of copy: an answer's bytes when they own their whole ArrayBuffer. */
function movable(request: ExtractionRequest): ArrayBuffer[] {
  if (!('answer' in request)) return [];
  const { bytes } = request.answer;
  // Small Buffers share Node's pool: moving one would take its neighbours' memory away, so those are copied.
  // An empty buffer (or one already moved) is copied too: postMessage drops a message that moves a moved one.
  const whole = bytes.byteOffset === 0 && bytes.byteLength > 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  return whole ? [bytes.buffer as ArrayBuffer] : [];
}

// A thread keeps nothing between messages: a small young generation (V8's default grows to 16 MB per semi-space)
// cut the router's peak RSS by 60-75 MB with one thread at the same throughput (docs/performance.md).
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 8 };

class ExtractionThread {
  readonly pending = new Map<number, Pending>();
  /** null until the first text, and after the thread died: the next text starts a new one. */
  private worker: Worker | null = null;
  private closed = false;
  /** Texts of this turn of the event loop, sent together by `flush`. */
  private readonly queued: ExtractionRequest[] = [];

  constructor(private readonly url: URL) {}

  private spawn(): Worker {
    // From the TypeScript sources the thread needs tsx's loader as well; the compiled build runs as is.
    const worker = this.url.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(this.url.href)}); })`, { eval: true, resourceLimits: THREAD_LIMITS })
      : new Worker(this.url, { resourceLimits: THREAD_LIMITS });
    worker.on('message', (replies: ExtractionReply[]) => {
      for (const reply of replies) {
        const pending = this.pending.get(reply.id);
        if (pending === undefined) continue;
        this.pending.delete(reply.id);
        if ('error' in reply) pending.reject(threadError(reply));
        else pending.resolve('images' in reply ? reply.images : reply.outcome);
      }
      // An idle thread must not keep the process alive; one with texts to answer must.
      if (this.pending.size === 0) worker.unref();
    });
    // A thread that dies (out of memory, a crash) fails what it held as retriable; the next text starts another.
    worker.on('error', (err) => this.fail(worker, err));
    worker.on('exit', (code) => this.fail(worker, new Error(`extraction thread exited with code ${code}`)));
    return worker;
  }

  private fail(worker: Worker, err: Error): void {
    if (this.worker !== worker) return;
    this.worker = null;
    worker.removeAllListeners();
    void worker.terminate();
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.queued.length = 0;
    for (const p of pending) p.reject(new TransientError(`image extraction failed: ${err.message}`, { cause: err }));
  }

  /** Queues a text; texts queued in one turn of the event loop go to the thread in one message. */
  send(request: ExtractionRequest, pending: Pending): void {
    if (this.closed) {
      pending.reject(new TransientError('image extraction stopped: the router is closing'));
      return;
    }
    this.worker ??= this.spawn();
    if (this.pending.size === 0) this.worker.ref();
    this.pending.set(request.id, pending);
    this.queued.push(request);
    if (this.queued.length === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    if (this.queued.length === 0) return;
    const batch = this.queued.splice(0);
    // The thread died since these were queued: fail() already rejected them.
    if (this.worker === null) return;
    try {
      this.worker.postMessage(batch, [...new Set(batch.flatMap(movable))]);
    } catch (err) {
      // Not sendable (an answer whose bytes were already moved): fail these requests, not the process.
      for (const { id } of batch) {
        const pending = this.pending.get(id);
        this.pending.delete(id);
        pending?.reject(new TransientError(`image extraction: the request could not be sent: ${(err as Error).message}`, { cause: err }));
      }
      if (this.pending.size === 0) this.worker.unref();
    }
  };

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    worker?.removeAllListeners();
    await worker?.terminate();
    for (const p of this.pending.values()) p.reject(new TransientError('image extraction stopped: the router is closing'));
    this.pending.clear();
  }
}

/** `size` extraction threads; each text goes to the thread with the fewest texts waiting. */
export class ExtractionPool implements ImageExtractor {
  private readonly threads: ExtractionThread[];
  private nextId = 1;

  /** `workerUrl`: the thread's script, extraction-worker beside this file unless a test plays a failing one. */
  constructor(size: number, workerUrl = new URL(`./extraction-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)) {
    this.threads = Array.from({ length: size }, () => new ExtractionThread(workerUrl));
  }

  extract(text: string, names: FileNamespaceNames): Promise<string[]> {
    return this.send((id) => ({ id, text, names })) as Promise<string[]>;
  }

  readRevisions(answer: RevisionsAnswer, requested: readonly number[], names: FileNamespaceNames): Promise<RevisionImagesOutcome> {
    return this.send((id) => ({ id, answer, requested, names })) as Promise<RevisionImagesOutcome>;
  }

  private send(request: (id: number) => ExtractionRequest): Promise<string[] | RevisionImagesOutcome> {
    let thread = this.threads[0]!;
    for (const other of this.threads) if (other.pending.size < thread.pending.size) thread = other;
    const built = request(this.nextId++);
    return new Promise((resolve, reject) => thread.send(built, { resolve, reject }));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}
