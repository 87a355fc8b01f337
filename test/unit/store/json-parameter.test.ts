import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jsonParameter } from '../../../lib/store/json-parameter.ts';

describe('jsonParameter', () => {
  test('is JSON.stringify for ordinary rows', () => {
    const rows = [{ wiki: 'enwiki', pageId: 1, reasons: ['a|b', 'quote"d'], revId: null }];
    assert.equal(jsonParameter(rows), JSON.stringify(rows));
  });

  test('turns lone surrogates into U+FFFD, as a UTF-8 encoding of the string would', () => {
    const parsed = JSON.parse(jsonParameter([{ a: 'x\ud800y', b: '\udfff', c: 'end\udbff' }])) as Array<Record<string, string>>;
    assert.deepEqual(parsed, [{ a: 'x\ufffdy', b: '\ufffd', c: 'end\ufffd' }]);
    assert.ok(!/\\ud[89a-f]/.test(jsonParameter([{ a: '\ud800' }])), 'no surrogate escape is left for PostgreSQL to refuse');
  });

  test('keeps well-formed pairs and text that only looks like an escape', () => {
    const rows = [{ emoji: 'face 😀', literal: '\\ud800', both: '\\\ud800' }];
    const parsed = JSON.parse(jsonParameter(rows)) as Array<Record<string, string>>;
    assert.equal(parsed[0]!.emoji, 'face 😀');
    assert.equal(parsed[0]!.literal, '\\ud800', 'a backslash followed by "ud800" is text, not an escape');
    assert.equal(parsed[0]!.both, '\\\ufffd', 'an escaped backslash, then a lone surrogate');
  });

  test('leaves NUL escaped, so PostgreSQL refuses it as before (a permanent error for that event)', () => {
    assert.equal(jsonParameter(['a\u0000b']), '["a\\u0000b"]');
  });
});
