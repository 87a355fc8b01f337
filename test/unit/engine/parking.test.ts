import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEADER,
  buildDeadLetter,
  buildRedriveMessage,
  buildRetryMessage,
  parseDeadLetter,
  readRetryState,
  type FailureInfo,
  type ParkedEventSource,
} from '../../../lib/engine/parking.ts';
import { recordFromMessage } from '../../../lib/sources/file-log.ts';

const event: ParkedEventSource = {
  topic: 'eqiad.mediawiki.revision-create',
  partition: 3,
  offset: 1234,
  key: Buffer.from('enwiki:42'),
  value: Buffer.from('{"page_id":42}'),
  headers: [{ 'content-type': Buffer.from('application/json') }],
  timestamp: 1700000000000,
};
const failure: FailureInfo = {
  rule: 'revision_images',
  step: 'http',
  errorClass: 'TransientError',
  errorMessage: 'http: POST example.org/x answered 503',
  retriable: true,
  attempts: 3,
  firstFailedAt: new Date('2026-11-25T10:00:00Z'),
  failedAt: new Date('2026-11-25T10:00:05Z'),
};
const source = { topic: event.topic, partition: event.partition, offset: event.offset };

function headerMap(headers: Array<Record<string, Buffer | string>> | undefined): Map<string, string> {
  return new Map((headers ?? []).flatMap((h) => Object.entries(h).map(([k, v]) => [k, v.toString()] as [string, string])));
}

describe('retry and dead-letter messages', () => {
  test('a retry message keeps the original bytes, key and headers and carries its due time and round', () => {
    const m = buildRetryMessage('imr', event, source, failure, 1, 1_800_000_000_000);
    assert.equal(m.topic, 'imr.retry.eqiad.mediawiki.revision-create');
    assert.deepEqual(m.value, event.value);
    assert.deepEqual(m.key, event.key);
    const h = headerMap(m.headers);
    assert.equal(h.get('content-type'), 'application/json');
    assert.equal(h.get(HEADER.dueAt), '1800000000000');
    assert.equal(h.get(HEADER.attempt), '1');
    assert.equal(h.get(HEADER.errorClass), 'TransientError');
  });

  test('reading a retry message back gives the original coordinates, not the retry topic', () => {
    const m = buildRetryMessage('imr', event, source, failure, 2, 99);
    const consumed: ParkedEventSource = {
      topic: m.topic,
      partition: 0,
      offset: 7,
      key: m.key as Buffer,
      value: m.value as Buffer,
      headers: (m.headers ?? []).map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)]))),
    };
    const state = readRetryState(consumed);
    assert.deepEqual(state?.source, source);
    assert.equal(state?.rule, 'revision_images');
    assert.equal(state?.round, 2);
    assert.equal(state?.attempts, 3);
    assert.equal(state?.dueAt, 99);
    assert.equal(state?.firstFailedAt?.toISOString(), '2026-11-25T10:00:00.000Z');
  });

  test('a message that never failed has no retry state', () => {
    assert.equal(readRetryState(event), null);
  });

  test('a dead letter records the failure once, in a JSON envelope, with rule, step and error class as headers', () => {
    const m = buildDeadLetter('imr', event, source, { ...failure, retriable: false, errorClass: 'InvalidEventError' });
    assert.equal(m.topic, 'imr.error');
    assert.deepEqual(m.key, event.key);
    assert.deepEqual([...headerMap(m.headers)], [[HEADER.rule, 'revision_images'], [HEADER.step, 'http'], [HEADER.errorClass, 'InvalidEventError']]);
    const envelope = parseDeadLetter(Buffer.from(m.value as string));
    assert.equal(envelope.error.class, 'InvalidEventError');
    assert.equal(envelope.error.retriable, false);
    assert.equal(envelope.attempts, 3);
    assert.deepEqual(envelope.source, { ...source, timestamp: 1700000000000 });
    assert.equal(envelope.original.value, '{"page_id":42}');
    assert.equal(envelope.original.value_encoding, 'utf8');
    assert.deepEqual(envelope.original.headers, [{ key: 'content-type', value: 'application/json', encoding: 'utf8' }]);
  });

  test('a dead letter of a 60-byte line is compact: no default written out, the failure not repeated as headers', () => {
    const line = Buffer.from(`{"broken json ${'x'.repeat(45)}`);
    const parse: FailureInfo = { ...failure, step: 'parse', errorClass: 'InvalidEventError', errorMessage: 'invalid JSON: Unterminated string in JSON at position 60', retriable: false, attempts: 1, firstFailedAt: failure.failedAt };
    const m = buildDeadLetter('imagematching-router', { ...event, key: null, headers: [], timestamp: undefined, value: line }, { topic: 'events', partition: 0, offset: 199999 }, parse);
    const record = JSON.stringify(recordFromMessage(m));
    // The complete letters of before took 1.2 KB for such a line; what is left is the line, where it was, and why.
    assert.ok(record.length < 650, `${record.length} bytes: ${record}`);
    const envelope = parseDeadLetter(Buffer.from(m.value as string));
    assert.deepEqual(
      [envelope.attempts, envelope.first_failed_at, envelope.error.retriable, envelope.source.timestamp, envelope.original.key, envelope.original.headers],
      [1, envelope.failed_at, false, null, null, []],
    );
    assert.deepEqual(buildRedriveMessage('imagematching-router', envelope, 5).value, line);
  });

  test('a complete dead letter as written before compact letters is still read, and redriven to the same bytes', () => {
    const old = {
      service: 'imr', rule: 'revision_images', step: 'http',
      error: { class: 'TransientError', message: 'answered 503', retriable: true },
      attempts: 3, first_failed_at: '2026-11-25T10:00:00.000Z', failed_at: '2026-11-25T10:00:05.000Z',
      source: { topic: 'eqiad.mediawiki.revision-create', partition: 3, offset: 1234, timestamp: null },
      original: { key: 'enwiki:42', key_encoding: 'utf8', value: '{"page_id":42}', value_encoding: 'utf8', headers: [{ key: 'content-type', value: 'application/json', encoding: 'utf8' }] },
    };
    const envelope = parseDeadLetter(Buffer.from(JSON.stringify(old)));
    assert.deepEqual(envelope, old);
    const redrive = buildRedriveMessage('imr', envelope, 5);
    assert.deepEqual([redrive.key, redrive.value], [Buffer.from('enwiki:42'), Buffer.from('{"page_id":42}')]);
  });

  test('bytes that are not UTF-8 survive the round trip through a dead letter and redrive', () => {
    const binary: ParkedEventSource = { ...event, value: Buffer.from([0xff, 0xfe, 0x00, 0x7b]) };
    const dl = buildDeadLetter('imr', binary, source, failure);
    const envelope = parseDeadLetter(Buffer.from(dl.value as string));
    assert.equal(envelope.original.value_encoding, 'base64');
    const redrive = buildRedriveMessage('imr', envelope, 5);
    assert.deepEqual(redrive.value, binary.value);
  });

  test('redrive restores the original event into the rule retry topic, due now, for that rule only', () => {
    const dl = buildDeadLetter('imr', event, source, failure);
    const redrive = buildRedriveMessage('imr', parseDeadLetter(Buffer.from(dl.value as string)), 1234567);
    assert.equal(redrive.topic, 'imr.retry.eqiad.mediawiki.revision-create');
    assert.deepEqual(redrive.value, event.value);
    assert.deepEqual(redrive.key, event.key);
    const h = headerMap(redrive.headers);
    assert.equal(h.get('content-type'), 'application/json');
    assert.equal(h.get(HEADER.rule), 'revision_images');
    assert.equal(h.get(HEADER.attempt), '0');
    assert.equal(h.get(HEADER.dueAt), '1234567');
    assert.equal(h.get(HEADER.sourceOffset), '1234');
  });
});
