import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, editDistance, suggest } from '../../lib/suggest.ts';

describe('edit distance', () => {
  const cases: Array<[string, string, number]> = [
    ['kafka', 'kafka', 0],
    ['kafak', 'kafka', 1], // adjacent letters swapped: one edit, not two
    ['akfka', 'kafka', 1],
    ['kafk', 'kafka', 1],
    ['kafkaa', 'kafka', 1],
    ['kefka', 'kafka', 1],
    ['', 'abc', 3],
    ['ca', 'abc', 3], // a swap is not followed by an insertion inside it (optimal string alignment)
    ['pool_sise', 'pool_size', 1],
  ];
  for (const [a, b, d] of cases) {
    test(`${JSON.stringify(a)} → ${JSON.stringify(b)} is ${d}`, () => {
      assert.equal(editDistance(a, b), d);
      assert.equal(editDistance(b, a), d);
    });
  }
});

describe('did you mean', () => {
  const known = ['kafka', 'database', 'source', 'rules', 'log'];
  const cases: Array<[string, string | undefined]> = [
    ['kafak', 'kafka'],
    ['Kafka', 'kafka'],
    ['databse', 'database'],
    ['sorce', 'source'],
    ['lgo', 'log'],
    ['metrics', undefined],
    ['x', undefined],
  ];
  for (const [word, expected] of cases) {
    test(`${word} → ${expected ?? 'nothing'}`, () => {
      assert.equal(suggest(word, known), expected);
      assert.equal(didYouMean(word, known), expected === undefined ? '' : ` (did you mean "${expected}"?)`);
    });
  }
});
