import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  asRouterError,
  DatabaseUnavailableError,
  InvalidEventError,
  MessageTooLargeError,
  PermanentError,
  ProgrammingError,
  RouterError,
  TransientError,
  UnclassifiedError,
} from '../../lib/errors.ts';

/** A real TypeError of Node's own, with its `code`, as a bug in a handler would raise it. */
function nodeTypeError(): TypeError {
  try {
    Buffer.from(42 as unknown as string);
  } catch (err) {
    return err as TypeError;
  }
  throw new Error('Buffer.from(42) did not throw');
}

describe('asRouterError classifies what was thrown', () => {
  const cases: Array<[string, () => unknown, new (...args: never[]) => RouterError, boolean, string]> = [
    ['a TypeError is a bug, not retried', () => new TypeError("Cannot read properties of undefined (reading 'page_id')"), ProgrammingError, false, 'TypeError'],
    ['a TypeError of Node’s own is a bug', nodeTypeError, ProgrammingError, false, 'TypeError'],
    ['a RangeError is a bug', () => new RangeError('Invalid array length'), ProgrammingError, false, 'RangeError'],
    ['a ReferenceError is a bug', () => new ReferenceError('x is not defined'), ProgrammingError, false, 'ReferenceError'],
    ['a SyntaxError is a bug', () => new SyntaxError('Unexpected token'), ProgrammingError, false, 'SyntaxError'],
    ['an EvalError is a bug', () => new EvalError('eval'), ProgrammingError, false, 'EvalError'],
    ['a URIError is a bug', () => new URIError('URI malformed'), ProgrammingError, false, 'URIError'],
    ['a plain Error (a network library’s) is assumed transient', () => new Error('socket hang up'), UnclassifiedError, true, 'Error'],
    ['a subclass of Error it does not know is assumed transient', () => new (class DriverError extends Error {})('lost'), UnclassifiedError, true, 'Error'],
    ['a thrown string is assumed transient', () => 'gone', UnclassifiedError, true, 'string'],
    ['a RouterError stays what it is', () => new PermanentError('404'), PermanentError, false, 'PermanentError'],
    ['a TransientError stays retriable', () => new TransientError('503'), TransientError, true, 'TransientError'],
    ['a database outage stays retriable', () => new DatabaseUnavailableError('refused'), DatabaseUnavailableError, true, 'DatabaseUnavailableError'],
    ['a message too large is not retried', () => new MessageTooLargeError('too large', 'svc.error', 20_000_000), MessageTooLargeError, false, 'MessageTooLargeError'],
  ];
  for (const [name, thrown, type, retriable, errorClass] of cases) {
    test(name, () => {
      const error = asRouterError(thrown());
      assert.ok(error instanceof type, `${error.name} is not a ${type.name}`);
      assert.equal(error.retriable, retriable);
      assert.equal(error.errorClass, errorClass);
    });
  }

  test('a bug keeps the thrown message without its stack, and the thrown error as cause', () => {
    const thrown = new TypeError("Cannot read properties of undefined (reading 'page_id')");
    const error = asRouterError(thrown);
    assert.equal(error.message, "Cannot read properties of undefined (reading 'page_id')");
    assert.equal(error.cause, thrown);
  });

  test('an unclassified error is still a TransientError, so everything that waits one out does', () => {
    assert.ok(asRouterError(new Error('ECONNRESET')) instanceof TransientError);
  });
});

describe('withContext', () => {
  test('returns a copy of the same class that says where it happened, and leaves the thrown error as it was', () => {
    const shared = new TransientError('mediawiki: 503', { retryAfterMs: 2000 });
    const first = shared.withContext({ topic: 'in', partition: 1, offset: 7, rule: 'r', step: 'fetch' });
    const second = shared.withContext({ topic: 'in', partition: 1, offset: 8, rule: 'r', step: 'fetch' });
    assert.ok(first instanceof TransientError);
    assert.deepEqual(first.context, { topic: 'in', partition: 1, offset: 7, rule: 'r', step: 'fetch' });
    assert.equal(second.context.offset, 8, 'each event has its own coordinates');
    assert.deepEqual(shared.context, {}, 'an error shared by a batch is never written to');
    assert.equal(first.message, shared.message);
    assert.equal(first.retriable, true);
    assert.equal(first.retryAfterMs, 2000);
    assert.equal(first.stack, shared.stack);
    assert.equal(first.name, 'TransientError');
  });

  test('adds to the context already there', () => {
    const error = new InvalidEventError('no page id').withContext({ rule: 'r' }).withContext({ step: 'parse', offset: 3 });
    assert.deepEqual(error.context, { rule: 'r', step: 'parse', offset: 3 });
  });

  test('keeps the class a wrapped throw is named by, and the fields of the subclass', () => {
    const bug = asRouterError(new RangeError('Invalid time value')).withContext({ step: 'record' });
    assert.ok(bug instanceof ProgrammingError);
    assert.equal(bug.errorClass, 'RangeError');
    const large = new MessageTooLargeError('too large', 'svc.error', 5000).withContext({ step: 'produce' });
    assert.deepEqual([large.destination, large.bytes, large.context.step], ['svc.error', 5000, 'produce']);
  });
});
