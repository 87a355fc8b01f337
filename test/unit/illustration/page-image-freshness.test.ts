// When PageImages' props read after an edit can be taken as that revision's: the race between an edit and its
// links update, decided from the answer's lastrevid and the revision's age.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pageImageFreshness } from '../../../lib/illustration/page-image-freshness.ts';

describe('pageImageFreshness', () => {
  const edited = Date.parse('2024-05-01T10:00:00Z');
  const settle = 60_000;
  const cases: Array<[string, number | null, number, string]> = [
    ['an answer that does not know the revision yet is behind', 100, edited + 600_000, 'behind'],
    ['an answer without lastrevid is behind', null, edited + 600_000, 'behind'],
    ['the latest revision within the settling time is settling', 101, edited + 59_999, 'settling'],
    ['the latest revision exactly at the settling time is current', 101, edited + 60_000, 'current'],
    ['the latest revision long after the edit is current', 101, edited + 3_600_000, 'current'],
    ['a later revision is ahead', 102, edited + 10, 'ahead'],
  ];
  for (const [behaviour, lastRevId, now, expected] of cases) {
    test(behaviour, () => {
      assert.equal(pageImageFreshness(lastRevId, 101, edited, now, settle), expected);
    });
  }
});
