// Display titles become DB keys, and title look-ups follow normalisation and redirects to a page id.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { pageTitleToDbKey, parseTitles, titlesQuery } from '../../../lib/mediawiki/titles.ts';

describe('pageTitleToDbKey', () => {
  const cases: Array<[string, string | null]> = [
    ['Earthworm', 'Earthworm'],
    ['new York  City', 'New_York_City'],
    ['  Lake\u00a0Geneva ', 'Lake_Geneva'],
    ['Already_a_key', 'Already_a_key'],
    ['éclair', 'Éclair'],
    ['\u200eMarked', 'Marked'],
    ['', null],
    ['Bad|title', null],
    ['Bad [title]', null],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} becomes ${JSON.stringify(expected)}`, () => assert.equal(pageTitleToDbKey(input), expected));
  }
});

describe('parseTitles', () => {
  const json = {
    query: {
      normalized: [{ from: 'earthworm', to: 'Earthworm' }],
      redirects: [{ from: 'Earthworm', to: 'Lumbricina' }],
      pages: [
        { pageid: 42, ns: 0, title: 'Lumbricina' },
        { ns: 0, title: 'No such page', missing: true },
        { title: 'Talk:', invalid: true, invalidreason: 'empty title' },
      ],
    },
  };

  test('follows normalisation and redirects to the page', () => {
    assert.deepEqual(parseTitles(json, ['earthworm'])[0], { kind: 'found', title: 'Lumbricina', pageId: 42, namespace: 0, redirectedFrom: 'Earthworm' });
  });

  test('reports missing and invalid titles', () => {
    assert.deepEqual(parseTitles(json, ['No_such_page', 'Talk:']).map((r) => r.kind), ['missing', 'invalid']);
  });

  test('asks with spaces and follows redirects', () => {
    assert.deepEqual(titlesQuery(['New_York', 'Earthworm']), { action: 'query', titles: 'New York|Earthworm', redirects: '1', format: 'json', formatversion: '2' });
  });
});
