import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLog } from '../helpers/log-lines.ts';

describe('createLogger', () => {
  test('every line names the service it is given (config service.name), the default otherwise', () => {
    const named = captureLog('info', 'imagematching-router-codfw');
    named.log.child({ rule: 'r' }).info('hello');
    assert.equal(named.lines()[0]!.service, 'imagematching-router-codfw');
    const plain = captureLog('info');
    plain.log.info('hello');
    assert.equal(plain.lines()[0]!.service, 'imagematching-router');
  });
});
