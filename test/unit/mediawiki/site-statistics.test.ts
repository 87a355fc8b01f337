// siteinfo statistics read to the wiki's article count; anything else in its place is no count at all.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseArticleCount, siteStatisticsQuery } from '../../../lib/mediawiki/site-statistics.ts';

describe('site statistics', () => {
  test('asks for the statistics part of siteinfo', () => {
    assert.deepEqual(siteStatisticsQuery(), { action: 'query', meta: 'siteinfo', siprop: 'statistics', format: 'json', formatversion: '2' });
  });

  test('reads the article count of a real-shaped answer', () => {
    const json = {
      batchcomplete: true,
      query: { statistics: { pages: 63_412_807, articles: 6_943_216, edits: 1_287_432_908, images: 917_504, users: 49_021_554, activeusers: 121_403, admins: 838, jobs: 0, 'cirrussearch-article-words': 4_913_330_205 } },
    };
    assert.equal(parseArticleCount(json), 6_943_216);
  });

  const malformed: Array<[string, Record<string, unknown>]> = [
    ['no query', { batchcomplete: true }],
    ['no statistics', { query: {} }],
    ['a string count', { query: { statistics: { articles: '6943216' } } }],
    ['a negative count', { query: { statistics: { articles: -1 } } }],
    ['a fractional count', { query: { statistics: { articles: 1.5 } } }],
  ];
  for (const [what, json] of malformed) {
    test(`an answer with ${what} gives no count`, () => {
      assert.equal(parseArticleCount(json), null);
    });
  }

  test('an empty wiki has zero articles', () => {
    assert.equal(parseArticleCount({ query: { statistics: { articles: 0 } } }), 0);
  });
});
