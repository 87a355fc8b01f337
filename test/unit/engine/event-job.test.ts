import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventContext, parseEvent } from '../../../lib/engine/event-job.ts';
import { InvalidEventError } from '../../../lib/errors.ts';
import { silentLogger, type Logger } from '../../../lib/log.ts';

describe('parseEvent', () => {
  test('reads a JSON object', () => {
    assert.deepEqual(parseEvent(Buffer.from('{"meta":{"stream":"s"},"n":1}')), { meta: { stream: 's' }, n: 1 });
  });

  const bad: Array<[string, Buffer | null, RegExp]> = [
    ['no value', null, /^empty message$/],
    ['an empty value', Buffer.alloc(0), /^empty message$/],
    ['invalid JSON', Buffer.from('{"n": 2'), /^invalid JSON: /],
    ['bytes that are not UTF-8 JSON', Buffer.from([0xff, 0x00, 0xfe]), /^invalid JSON: /],
    ['an array', Buffer.from('[1,2]'), /must be a JSON object, got array$/],
    ['null', Buffer.from('null'), /must be a JSON object, got null$/],
    ['a number', Buffer.from('42'), /must be a JSON object, got number$/],
  ];
  for (const [name, value, reason] of bad) {
    test(`refuses ${name} as an invalid event`, () => {
      assert.throws(() => parseEvent(value), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message));
    });
  }
});

describe('EventContext', () => {
  test('creates the per-event logger only when a step logs, with the event’s coordinates', () => {
    const children: Array<Record<string, unknown>> = [];
    const ruleLog = { child: (bindings: Record<string, unknown>) => (children.push(bindings), silentLogger) } as unknown as Logger;
    const ctx = new EventContext({ n: 1 }, {}, { topic: 'in', partition: 1, offset: 9, key: null, stream: 'in' }, 'r', ruleLog);
    assert.equal(children.length, 0);
    assert.equal(ctx.log, ctx.log);
    assert.deepEqual(children, [{ topic: 'in', partition: 1, offset: 9 }]);
  });
});
