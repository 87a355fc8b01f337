import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from '../../../lib/admin/cursor.ts';

const cursor = { updatedAt: '2024-05-01T12:00:00.123456Z', wiki: 'enwiki', pageId: '9007199254740993', image: 'Ünïcode "quoted", image.jpg' };

describe('recommendation cursors', () => {
  test('a cursor decodes to exactly what was encoded, microseconds and big page ids included', () => {
    assert.deepEqual(decodeCursor(encodeCursor(cursor)), cursor);
  });

  test('a cursor is URL-safe text that does not show its fields in the clear', () => {
    const text = encodeCursor(cursor);
    assert.match(text, /^[A-Za-z0-9_-]+$/);
    assert.ok(!text.includes('enwiki'));
  });

  test('text that is not a cursor this server issued decodes to null', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases = [
      '',
      'not base64!',
      'x'.repeat(5000),
      Buffer.from('not json').toString('base64url'),
      forged({ updatedAt: cursor.updatedAt }),
      forged([2, cursor.updatedAt, 'enwiki', '1', 'a.jpg']),
      forged([1, '2024-05-01 12:00:00', 'enwiki', '1', 'a.jpg']),
      forged([1, '2024-13-45T12:00:00.000000Z', 'enwiki', '1', 'a.jpg']),
      forged([1, cursor.updatedAt, '', '1', 'a.jpg']),
      forged([1, cursor.updatedAt, 'enwiki', 1, 'a.jpg']),
      forged([1, cursor.updatedAt, 'enwiki', '1; DROP TABLE x', 'a.jpg']),
      forged([1, cursor.updatedAt, 'enwiki', '1', '']),
    ];
    for (const text of cases) assert.equal(decodeCursor(text), null, text.slice(0, 60));
  });
});
