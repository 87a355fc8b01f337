// Builds the messages that park a failed event: in `<service>.retry.<topic>` with a due time, or in the
// dead-letter topic `<service>.error`. Both keep the original key, value and headers, so nothing is lost and
// `redrive` can restore the event exactly. Pure: no I/O here.
import type { Headers, OutgoingMessage } from '../messaging/message.ts';

export const HEADER = {
  rule: 'imr.rule',
  step: 'imr.step',
  attempt: 'imr.attempt',
  dueAt: 'imr.due_at',
  sourceTopic: 'imr.source.topic',
  sourcePartition: 'imr.source.partition',
  sourceOffset: 'imr.source.offset',
  errorClass: 'imr.error.class',
  errorMessage: 'imr.error.message',
  errorRetriable: 'imr.error.retriable',
  firstFailedAt: 'imr.first_failed_at',
  failedAt: 'imr.failed_at',
  redriven: 'imr.redriven_at',
} as const;

const OUR_HEADERS = new Set<string>(Object.values(HEADER));

export interface RawHeader {
  [key: string]: Buffer | string;
}

/** An event as consumed, with where it originally came from (which, for retries, is not the retry topic). */
export interface ParkedEventSource {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeader[];
  timestamp?: number | undefined;
}

export interface FailureInfo {
  rule: string;
  step: string;
  errorClass: string;
  errorMessage: string;
  retriable: boolean;
  /** Attempts made so far, counting every in-process try over all rounds. */
  attempts: number;
  firstFailedAt: Date;
  failedAt: Date;
}

export interface RetryState {
  rule: string;
  /** Retry-topic rounds already done (0 for an event that never went through the retry topic). */
  round: number;
  attempts: number;
  dueAt: number;
  source: { topic: string; partition: number; offset: number };
  firstFailedAt: Date | null;
}

export function retryTopicName(service: string, sourceTopic: string): string {
  return `${service}.retry.${sourceTopic}`;
}

export function deadLetterTopicName(service: string): string {
  return `${service}.error`;
}

function headerValue(headers: RawHeader[], name: string): string | undefined {
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i]!;
    if (name in h) return h[name]!.toString();
  }
  return undefined;
}

/** The original headers, without the router's own bookkeeping. */
export function originalHeaders(headers: RawHeader[]): RawHeader[] {
  return headers.filter((h) => !Object.keys(h).some((k) => OUR_HEADERS.has(k)));
}

/** Retry bookkeeping carried by a message from a retry topic; null for a message that never failed. */
export function readRetryState(message: ParkedEventSource): RetryState | null {
  const rule = headerValue(message.headers, HEADER.rule);
  const round = headerValue(message.headers, HEADER.attempt);
  if (rule === undefined || round === undefined) return null;
  const firstFailed = headerValue(message.headers, HEADER.firstFailedAt);
  return {
    rule,
    round: Number(round) || 0,
    attempts: Number(headerValue(message.headers, 'imr.attempts') ?? round) || 0,
    dueAt: Number(headerValue(message.headers, HEADER.dueAt)) || 0,
    source: {
      topic: headerValue(message.headers, HEADER.sourceTopic) ?? message.topic,
      partition: Number(headerValue(message.headers, HEADER.sourcePartition) ?? message.partition),
      offset: Number(headerValue(message.headers, HEADER.sourceOffset) ?? message.offset),
    },
    firstFailedAt: firstFailed ? new Date(firstFailed) : null,
  };
}

function failureHeaders(source: { topic: string; partition: number; offset: number }, failure: FailureInfo): Headers {
  return [
    { [HEADER.rule]: failure.rule },
    { [HEADER.step]: failure.step },
    { [HEADER.sourceTopic]: source.topic },
    { [HEADER.sourcePartition]: String(source.partition) },
    { [HEADER.sourceOffset]: String(source.offset) },
    { [HEADER.errorClass]: failure.errorClass },
    { [HEADER.errorMessage]: failure.errorMessage.slice(0, 2000) },
    { [HEADER.errorRetriable]: String(failure.retriable) },
    { [HEADER.firstFailedAt]: failure.firstFailedAt.toISOString() },
    { [HEADER.failedAt]: failure.failedAt.toISOString() },
    { 'imr.attempts': String(failure.attempts) },
  ];
}

/** The message that parks an event in its retry topic until `dueAt`. The value is the original bytes. */
export function buildRetryMessage(
  service: string,
  event: ParkedEventSource,
  source: { topic: string; partition: number; offset: number },
  failure: FailureInfo,
  round: number,
  dueAt: number,
): OutgoingMessage {
  return {
    topic: retryTopicName(service, source.topic),
    key: event.key,
    value: event.value ?? Buffer.alloc(0),
    headers: [...(originalHeaders(event.headers) as Headers), ...failureHeaders(source, failure), { [HEADER.attempt]: String(round) }, { [HEADER.dueAt]: String(dueAt) }],
  };
}

export interface DeadLetterEnvelope {
  service: string;
  rule: string;
  step: string;
  error: { class: string; message: string; retriable: boolean };
  attempts: number;
  first_failed_at: string;
  failed_at: string;
  source: { topic: string; partition: number; offset: number; timestamp: number | null };
  original: {
    key: string | null;
    key_encoding: 'utf8' | 'base64';
    value: string | null;
    value_encoding: 'utf8' | 'base64';
    headers: Array<{ key: string; value: string; encoding: 'utf8' | 'base64' }>;
    /** Set when the original value was too large to park: its size; the bytes stay at `source` in the source topic. */
    omitted_bytes?: number;
  };
}

function encode(buf: Buffer): { text: string; encoding: 'utf8' | 'base64' } {
  const text = buf.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buf) ? { text, encoding: 'utf8' } : { text: buf.toString('base64'), encoding: 'base64' };
}

function decode(text: string, encoding: 'utf8' | 'base64'): Buffer {
  return Buffer.from(text, encoding === 'base64' ? 'base64' : 'utf8');
}

/**
 * The dead letter: a JSON envelope as value (original bytes inside) and the original key. It is compact: the failure
 * is written once, in the envelope, with only rule, step and error class repeated as headers (to filter on without
 * parsing), and no field at its default (parseDeadLetter fills them in, and reads the older, complete letters too).
 */
export function buildDeadLetter(
  service: string,
  event: ParkedEventSource,
  source: { topic: string; partition: number; offset: number },
  failure: FailureInfo,
  options: { omitValue?: boolean } = {},
): OutgoingMessage {
  const key = event.key ? encode(event.key) : null;
  const value = event.value && !options.omitValue ? encode(event.value) : null;
  const headers = originalHeaders(event.headers).flatMap((h) =>
    Object.entries(h).map(([k, v]) => {
      const e = encode(Buffer.isBuffer(v) ? v : Buffer.from(v));
      return { key: k, value: e.text, ...(e.encoding === 'base64' ? { encoding: e.encoding } : {}) };
    }),
  );
  const failedAt = failure.failedAt.toISOString();
  const firstFailedAt = failure.firstFailedAt.toISOString();
  const envelope = {
    service,
    rule: failure.rule,
    step: failure.step,
    error: { class: failure.errorClass, message: failure.errorMessage, ...(failure.retriable ? { retriable: true } : {}) },
    ...(failure.attempts !== 1 ? { attempts: failure.attempts } : {}),
    ...(firstFailedAt !== failedAt ? { first_failed_at: firstFailedAt } : {}),
    failed_at: failedAt,
    source: { ...source, ...(event.timestamp !== undefined ? { timestamp: event.timestamp } : {}) },
    original: {
      ...(key ? { key: key.text, ...(key.encoding === 'base64' ? { key_encoding: key.encoding } : {}) } : {}),
      ...(value ? { value: value.text, ...(value.encoding === 'base64' ? { value_encoding: value.encoding } : {}) } : {}),
      ...(headers.length > 0 ? { headers } : {}),
      ...(options.omitValue ? { omitted_bytes: event.value?.length ?? 0 } : {}),
    },
  };
  return {
    topic: deadLetterTopicName(service),
    key: event.key,
    value: JSON.stringify(envelope),
    headers: [{ [HEADER.rule]: failure.rule }, { [HEADER.step]: failure.step }, { [HEADER.errorClass]: failure.errorClass }],
  };
}

type Encoding = 'utf8' | 'base64';
const encodingOf = (value: unknown): Encoding => (value === 'base64' ? 'base64' : 'utf8');

/** A dead letter's envelope with every default filled in; compact letters and the older, complete ones alike. */
export function parseDeadLetter(value: Buffer | null): DeadLetterEnvelope {
  if (!value) throw new Error('dead letter has no value');
  const raw = JSON.parse(value.toString('utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!raw || typeof raw !== 'object' || !raw.original || typeof raw.original !== 'object' || typeof raw.rule !== 'string') {
    throw new Error('not a dead-letter envelope');
  }
  const original = raw.original as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const failedAt = String(raw.failed_at ?? '');
  return {
    service: String(raw.service ?? ''),
    rule: raw.rule,
    step: String(raw.step ?? 'unknown'),
    error: { class: String(raw.error?.class ?? 'Error'), message: String(raw.error?.message ?? ''), retriable: raw.error?.retriable === true },
    attempts: typeof raw.attempts === 'number' ? raw.attempts : 1,
    first_failed_at: String(raw.first_failed_at ?? failedAt),
    failed_at: failedAt,
    source: {
      topic: String(raw.source?.topic ?? ''),
      partition: Number(raw.source?.partition ?? 0),
      offset: Number(raw.source?.offset ?? 0),
      timestamp: typeof raw.source?.timestamp === 'number' ? raw.source.timestamp : null,
    },
    original: {
      key: typeof original.key === 'string' ? original.key : null,
      key_encoding: encodingOf(original.key_encoding),
      value: typeof original.value === 'string' ? original.value : null,
      value_encoding: encodingOf(original.value_encoding),
      headers: Array.isArray(original.headers)
        ? (original.headers as Array<Record<string, unknown>>).map((h) => ({ key: String(h.key), value: String(h.value), encoding: encodingOf(h.encoding) }))
        : [],
      ...(typeof original.omitted_bytes === 'number' ? { omitted_bytes: original.omitted_bytes } : {}),
    },
  };
}

/**
 * The message that re-injects a dead letter into its rule's input: the rule's retry topic, due now, with a
 * fresh attempt budget. Only the named rule picks it up, so other rules on the same stream are not re-run.
 */
export function buildRedriveMessage(service: string, envelope: DeadLetterEnvelope, now: number): OutgoingMessage {
  const original = envelope.original;
  return {
    topic: retryTopicName(service, envelope.source.topic),
    key: original.key === null ? null : decode(original.key, original.key_encoding),
    value: original.value === null ? Buffer.alloc(0) : decode(original.value, original.value_encoding),
    headers: [
      ...original.headers.map((h) => ({ [h.key]: decode(h.value, h.encoding) })),
      { [HEADER.rule]: envelope.rule },
      { [HEADER.attempt]: '0' },
      { [HEADER.dueAt]: String(now) },
      { [HEADER.sourceTopic]: envelope.source.topic },
      { [HEADER.sourcePartition]: String(envelope.source.partition) },
      { [HEADER.sourceOffset]: String(envelope.source.offset) },
      { [HEADER.redriven]: new Date(now).toISOString() },
    ],
  };
}
