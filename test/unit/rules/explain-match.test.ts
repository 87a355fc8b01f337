// explainMatch agrees with the matcher on every case of matcher.test.ts (same decision, same captures), and says
// where and why a non-match failed: the first failing pattern, each alternative of a list-form match, the
// match_not entry that excluded the event.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatcher } from '../../../lib/rules/matcher.ts';
import { explainMatch, formatFailure, showValue } from '../../../lib/rules/explain-match.ts';
import { CAPTURING, MATCHING, NOT_MATCHING, event, targetOf } from './matcher-cases.ts';

describe('explainMatch agrees with compileMatcher', () => {
  for (const [name, match, matchNot] of MATCHING) {
    test(`matches ${name}, with the matcher's captures`, () => {
      const matcher = compileMatcher(match, matchNot);
      const tested = matcher.test(event);
      assert.ok(tested.matched);
      assert.deepEqual(explainMatch(matcher, event), { matched: true, captures: tested.captures });
    });
  }
  for (const [name, match, matchNot] of NOT_MATCHING) {
    test(`does not match ${name}, and names a pattern of the rule with a reason`, () => {
      const matcher = compileMatcher(match, matchNot);
      const target = targetOf(name);
      assert.deepEqual(matcher.test(target), { matched: false });
      const explained = explainMatch(matcher, target);
      assert.equal(explained.matched, false);
      assert.ok(!explained.matched && explained.failures.length > 0);
      for (const f of explained.failures) {
        assert.match(f.path, /^match(_not)?\b/);
        assert.notEqual(f.reason, 'does not match', `${name}: the explanation found no failing pattern`);
      }
    });
  }
  for (const [name, match, captures] of CAPTURING) {
    test(`captures ${name}`, () => assert.deepEqual(explainMatch(compileMatcher(match), event), { matched: true, captures }));
  }
});

describe('explainMatch says why', () => {
  const revision = {
    database: 'enwiki',
    page_id: 77,
    page_namespace: 0,
    rev_content_changed: false,
    rev_slots: { main: { rev_slot_content_model: 'wikibase-item' } },
    meta: { domain: 'www.wikidata.org' },
    performer: { user_groups: ['*', 'user'] },
  };
  const cases: [string, unknown, unknown, unknown, string[]][] = [
    [
      'a nested value that differs',
      { rev_slots: { main: { rev_slot_content_model: 'wikitext' } } },
      undefined,
      revision,
      ['match.rev_slots.main.rev_slot_content_model: expected "wikitext", got "wikibase-item"'],
    ],
    ['a missing field', { page_title: 'X' }, undefined, revision, ['match.page_title: field is missing']],
    ['the first failing key only, in pattern order', { database: 'dewiki', page_id: 1 }, undefined, revision, ['match.database: expected "dewiki", got "enwiki"']],
    [
      'each alternative of a list-form match',
      [{ page_namespace: 0, rev_slots: { main: { rev_slot_content_model: 'wikitext' } } }, { page_namespace: 0, rev_content_model: 'wikitext' }],
      undefined,
      revision,
      ['match[0].rev_slots.main.rev_slot_content_model: expected "wikitext", got "wikibase-item"', 'match[1].rev_content_model: field is missing'],
    ],
    ['the match_not entry that matched', { page_namespace: 0 }, [{ page_namespace: 1 }, { rev_content_changed: false }], revision, ['match_not[1] matched: rev_content_changed is false']],
    [
      'every leaf of a matching match_not mapping',
      undefined,
      [{ database: 'enwiki', meta: { domain: '/wikidata/' } }],
      revision,
      ['match_not[0] matched: database is "enwiki", meta.domain "www.wikidata.org" matches /wikidata/'],
    ],
    ['an empty match_not mapping', undefined, [{}], revision, ['match_not[0] matched: the event is a mapping (an empty pattern matches any)']],
    ['a scalar list', { database: ['dewiki', 'frwiki'] }, undefined, revision, ['match.database: expected one of ["dewiki", "frwiki"], got "enwiki"']],
    ['an empty list', { database: [] }, undefined, revision, ['match.database: expected one of [] (an empty list matches nothing), got "enwiki"']],
    [
      'a list mixing regexes and scalars, alternative by alternative',
      { meta: { domain: ['/wikipedia/', 'x'] } },
      undefined,
      revision,
      ['match.meta.domain: no alternative matched (match.meta.domain[0]: expected a match of /wikipedia/, got "www.wikidata.org"; match.meta.domain[1]: expected "x", got "www.wikidata.org")'],
    ],
    ['a regex against a boolean', { rev_content_changed: '/true/' }, undefined, revision, ['match.rev_content_changed: expected a string or number matching /true/, got false']],
    ['a mapping pattern against a scalar', { database: { x: 1 } }, undefined, revision, ['match.database: expected a mapping, got "enwiki"']],
    ['a scalar absent from an array value', { performer: { user_groups: 'bot' } }, undefined, revision, ['match.performer.user_groups: expected an element equal to "bot", got ["*","user"]']],
    ['a non-object event', { database: 'enwiki' }, undefined, 'enwiki', ['match: expected a mapping, got "enwiki"']],
    ['a number that is not its string form', { page_id: '77' }, undefined, revision, ['match.page_id: expected "77", got 77']],
  ];
  for (const [name, match, matchNot, target, expected] of cases) {
    test(name, () => {
      const explained = explainMatch(compileMatcher(match, matchNot), target);
      assert.equal(explained.matched, false);
      assert.deepEqual(explained.matched ? [] : explained.failures.map(formatFailure), expected);
    });
  }

  test('long values are shortened in reasons', () => {
    const shown = showValue('x'.repeat(500));
    assert.equal(shown.length, 80);
    assert.ok(shown.endsWith('…'));
  });
});
