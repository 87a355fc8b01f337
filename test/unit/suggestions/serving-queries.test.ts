import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { float32Shortest, PAGE_SUGGESTIONS_SQL, SUGGESTIBLE_PAGES_SQL, remainingSuggestionSql } from '../../../lib/suggestions/serving-queries.ts';

describe('serving queries', () => {
  test('a real confidence reads back as the shortest decimal of its 32-bit float, as Go writes it', () => {
    const cases: Array<[number, number]> = [[0.8999999761581421, 0.9], [0.9, 0.9], [0.1, 0.1], [0, 0], [1, 1], [0.123456789, 0.12345679], [80, 80], [1 / 3, 0.33333334]];
    for (const [stored, served] of cases) assert.equal(float32Shortest(stored), served, String(stored));
  });

  test('both routes subtract the exclusions through the one condition, on their own row alias', () => {
    for (const sql of [PAGE_SUGGESTIONS_SQL, SUGGESTIBLE_PAGES_SQL]) {
      assert.ok(sql.includes(remainingSuggestionSql('s')));
      assert.equal(sql.split('recommendation_exclusions').length, 2, 'the exclusions are read in one place of each query');
    }
  });
});
