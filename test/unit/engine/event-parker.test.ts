import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { EventParker, type FailedEvent } from '../../../lib/engine/event-parker.ts';
import { parseDeadLetter, readRetryState, type RetryState } from '../../../lib/engine/parking.ts';
import { asRouterError, MessageTooLargeError, PermanentError, TransientError, type RouterError } from '../../../lib/errors.ts';
import { createLogger } from '../../../lib/log.ts';
import type { OutgoingMessage } from '../../../lib/messaging/message.ts';

const NOW = Date.UTC(2024, 0, 1);
const retry = { inProcess: 2, limit: 3, delayMs: 1000, maxDelayMs: 300_000 };

function setup(produce: (m: OutgoingMessage) => void = () => undefined) {
  const produced: OutgoingMessage[] = [];
  const sleeps: number[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  const parker = new EventParker({
    service: 'svc',
    rule: 'r',
    retry,
    producer: {
      produce: async (m) => {
        produce(m);
        produced.push(m);
        return { topic: m.topic, partition: 0, offset: produced.length - 1 };
      },
    },
    log,
    now: () => NOW,
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  });
  return { parker, produced, sleeps, lines };
}

function event(retryState: RetryState | null = null, value = '{"n":1}'): FailedEvent {
  return {
    message: { topic: 'in', partition: 2, offset: 40, key: Buffer.from('k'), value: Buffer.from(value), headers: [{ trace: Buffer.from('abc') }], timestamp: 5 },
    source: { topic: 'in', partition: 2, offset: 40, key: 'k', stream: 'in' },
    retry: retryState,
  };
}

const inStep = (error: RouterError, step = 'fetch') => error.withContext({ topic: 'in', partition: 2, offset: 40, rule: 'r', step });
const signal = () => new AbortController().signal;
const header = (m: OutgoingMessage, name: string) => m.headers!.find((h) => name in h)?.[name]?.toString();

describe('EventParker', () => {
  test('a retriable failure with rounds left goes to the retry topic, due after the rule’s backoff for round 1', async () => {
    const { parker, produced } = setup();
    assert.equal(await parker.park(event(), inStep(new TransientError('503')), 3, signal()), 'retried');
    assert.equal(produced.length, 1);
    const parked = produced[0]!;
    assert.equal(parked.topic, 'svc.retry.in');
    assert.equal(parked.value.toString(), '{"n":1}');
    // random 0.5 × min(300,000, 1,000 × 2¹)
    const state = readRetryState({ ...event().message, topic: parked.topic, headers: parked.headers as never });
    assert.deepEqual(state, { rule: 'r', round: 1, attempts: 3, dueAt: NOW + 1000, source: { topic: 'in', partition: 2, offset: 40 }, firstFailedAt: new Date(NOW) });
    assert.equal(header(parked, 'imr.step'), 'fetch');
  });

  test('a delay the remote side asked for wins over a shorter backoff', async () => {
    const { parker, produced } = setup();
    await parker.park(event(), inStep(new TransientError('429', { retryAfterMs: 60_000 })), 1, signal());
    assert.equal(header(produced[0]!, 'imr.due_at'), String(NOW + 60_000));
  });

  test('a permanent failure, or a retriable one past its last round, is dead-lettered with the step from its context', async () => {
    const lastRound: RetryState = { rule: 'r', round: 3, attempts: 9, dueAt: 0, source: { topic: 'in', partition: 2, offset: 40 }, firstFailedAt: new Date(NOW - 60_000) };
    const cases: Array<[string, FailedEvent, RouterError, number, boolean]> = [
      ['permanent', event(), inStep(new PermanentError('404'), 'resolve'), 3, false],
      ['retriable, no rounds left', event(lastRound), inStep(new TransientError('503'), 'resolve'), 12, true],
    ];
    for (const [name, failed, error, attempts, retriable] of cases) {
      const { parker, produced } = setup();
      assert.equal(await parker.park(failed, error, 3, signal()), 'dead_lettered', name);
      const envelope = parseDeadLetter(Buffer.from(produced[0]!.value as string));
      assert.equal(produced[0]!.topic, 'svc.error', name);
      assert.deepEqual([envelope.rule, envelope.step, envelope.attempts, envelope.error.retriable], ['r', 'resolve', attempts, retriable], name);
      assert.deepEqual(envelope.source, { topic: 'in', partition: 2, offset: 40, timestamp: 5 }, name);
      assert.equal(envelope.original.value, '{"n":1}', name);
    }
  });

  test('a bug is dead-lettered under the thrown class and message, and its stack goes to the log only', async () => {
    const { parker, produced, lines } = setup();
    const bug = inStep(asRouterError(new TypeError("Cannot read properties of undefined (reading 'x')")), 'diff');
    assert.equal(await parker.park(event(), bug, 1, signal()), 'dead_lettered');
    const envelope = parseDeadLetter(Buffer.from(produced[0]!.value as string));
    assert.deepEqual(envelope.error, { class: 'TypeError', message: "Cannot read properties of undefined (reading 'x')", retriable: false });
    const line = lines.find((l) => l.msg === 'event dead-lettered')!;
    assert.deepEqual([line.rule, line.step, line.topic, line.partition, line.offset, line.errorClass, line.error], ['r', 'diff', 'in', 2, 40, 'TypeError', 'ProgrammingError']);
    assert.match(String(line.stack), /TypeError: Cannot read properties/);
    assert.doesNotMatch(JSON.stringify(envelope), /at /, 'no stack frames in the dead letter');
  });

  test('a message too large for the broker is dead-lettered without its value, however retriable the failure', async () => {
    const { parker, produced } = setup((m) => {
      if (Buffer.byteLength(m.value) > 4096) throw new MessageTooLargeError('Broker: Message size too large', m.topic, Buffer.byteLength(m.value));
    });
    const big = event(null, JSON.stringify({ blob: 'x'.repeat(10_000) }));
    assert.equal(await parker.park(big, inStep(new TransientError('503')), 1, signal()), 'dead_lettered');
    assert.equal(produced.length, 1);
    const envelope = parseDeadLetter(Buffer.from(produced[0]!.value as string));
    assert.equal(envelope.original.value, null);
    assert.equal(envelope.original.omitted_bytes, Buffer.byteLength(big.message.value!));
    assert.deepEqual([envelope.source.topic, envelope.source.offset], ['in', 40]);
  });

  test('a failed produce is tried again with the parking backoff until it is durable', async () => {
    let failures = 3;
    const { parker, produced, sleeps } = setup(() => {
      if (failures-- > 0) throw new TransientError('Local: Message timed out');
    });
    assert.equal(await parker.park(event(), inStep(new PermanentError('404')), 1, signal()), 'dead_lettered');
    assert.deepEqual(sleeps, [200, 400, 800]);
    assert.equal(produced.length, 1);
  });

  test('parking is abandoned when the partition is revoked meanwhile', async () => {
    const controller = new AbortController();
    const { parker, produced } = setup(() => {
      controller.abort();
      throw new TransientError('Local: Broker transport failure');
    });
    assert.equal(await parker.park(event(), inStep(new PermanentError('404')), 1, controller.signal), 'abandoned');
    assert.equal(produced.length, 0);
  });
});
