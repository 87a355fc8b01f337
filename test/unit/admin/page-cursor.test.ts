import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePageCursor, encodePageCursor } from '../../../lib/admin/page-cursor.ts';

describe('suggestible-page cursors', () => {
  test('a cursor decodes to the wiki and page id it was made from, beyond 2^53 too', () => {
    for (const cursor of [{ wiki: 'enwiki', pageId: '1' }, { wiki: 'zh_min_nanwiki', pageId: '9007199254740993' }]) {
      const text = encodePageCursor(cursor);
      assert.match(text, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodePageCursor(text), cursor);
    }
  });

  test('text this server did not issue decodes to null', () => {
    const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const cases = [
      '',
      'has spaces',
      'x'.repeat(600),
      Buffer.from('{').toString('base64url'),
      forged(['suggestible-pages/2', 'enwiki', '5']),
      forged(['suggestible-pages/1', 'enwiki']),
      forged(['suggestible-pages/1', 'enwiki', 5]),
      forged(['suggestible-pages/1', 'enwiki', '0']),
      forged(['suggestible-pages/1', 'enwiki', '5 OR 1=1']),
      forged([1, '2024-05-01T12:00:00.000000Z', 'enwiki', '1', 'a.jpg']),
    ];
    for (const text of cases) assert.equal(decodePageCursor(text), null, text.slice(0, 40));
  });
});
