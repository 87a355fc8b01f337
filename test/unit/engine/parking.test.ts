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

  test('a dead letter records the failure as headers and in a JSON envelope', () => {
    const m = buildDeadLetter('imr', event, source, { ...failure, retriable: false, errorClass: 'InvalidEventError' });
    assert.equal(m.topic, 'imr.error');
    assert.deepEqual(m.key, event.key);
    const h = headerMap(m.headers);
    assert.equal(h.get(HEADER.sourceOffset), '1234');
    assert.equal(h.get(HEADER.rule), 'revision_images');
    assert.equal(h.get(HEADER.errorRetriable), 'false');
    const envelope = parseDeadLetter(Buffer.from(m.value as string));
    assert.equal(envelope.error.class, 'InvalidEventError');
    assert.equal(envelope.attempts, 3);
    assert.deepEqual(envelope.source, { ...source, timestamp: 1700000000000 });
    assert.equal(envelope.original.value, '{"page_id":42}');
    assert.equal(envelope.original.value_encoding, 'utf8');
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
