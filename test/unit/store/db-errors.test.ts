// Database failures are sorted into "wait for the database", "try again" and "give up".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toStoreError } from '../../../lib/store/db-errors.ts';
import { DatabaseUnavailableError, PermanentError, ProgrammingError, TransientError } from '../../../lib/errors.ts';

const err = (code: string | undefined, message = 'boom') => Object.assign(new Error(message), code === undefined ? {} : { code });

const cases: Array<[string, Error, unknown]> = [
  ['a refused connection means the database is unavailable', err('ECONNREFUSED'), DatabaseUnavailableError],
  ['an administrator shutdown (57P01) means unavailable', err('57P01'), DatabaseUnavailableError],
  ['a connection exception (08006) means unavailable', err('08006'), DatabaseUnavailableError],
  ['too many connections (53300) means unavailable', err('53300'), DatabaseUnavailableError],
  ['a terminated connection without code means unavailable', err(undefined, 'Connection terminated unexpectedly'), DatabaseUnavailableError],
  ['a deadlock is retried', err('40P01'), TransientError],
  ['a statement timeout is retried', err('57014'), TransientError],
  ['a constraint violation is permanent', err('23514'), PermanentError],
  ['invalid data is permanent', err('22007'), PermanentError],
  ["a bug in the store's code is a bug, even when its message says connection", new TypeError("Cannot read properties of undefined (reading 'connection')"), ProgrammingError],
];
for (const [name, input, kind] of cases) {
  test(name, () => {
    const mapped = toStoreError(input, 'writing');
    assert.equal(mapped.constructor, kind);
  });
}
