// Tests for rule matching: exact values, regexes with captures, nesting, any-of lists, array event values,
// match_not, and missing fields. Table-driven; each case name reads as a sentence.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatcher, MatchPatternError, parseRegexPattern } from '../../../lib/rules/matcher.ts';
import { CAPTURING, MATCHING, NOT_MATCHING, event, targetOf } from './matcher-cases.ts';

describe('compileMatcher matches', () => {
  for (const [name, match, matchNot] of MATCHING) {
    test(name, () => assert.equal(compileMatcher(match, matchNot).test(event).matched, true));
  }
});

describe('compileMatcher does not match', () => {
  for (const [name, match, matchNot] of NOT_MATCHING) {
    test(name, () => assert.deepEqual(compileMatcher(match, matchNot).test(targetOf(name)), { matched: false }));
  }
});

describe('compileMatcher captures', () => {
  for (const [name, match, captures] of CAPTURING) {
    test(name, () => assert.deepEqual(compileMatcher(match).test(event), { matched: true, captures }));
  }

  test('is stateless with the g flag', () => {
    const m = compileMatcher({ database: '/wiki/g' });
    assert.equal(m.test(event).matched, true);
    assert.equal(m.test(event).matched, true);
  });
});

describe('compileMatcher rejects bad patterns', () => {
  const cases: [string, unknown, unknown, { path: (string | number)[]; reason: string }[]][] = [
    [
      'an invalid regex with its path',
      { meta: { domain: '/(en/' } },
      undefined,
      [{ path: ['match', 'meta', 'domain'], reason: 'invalid regular expression /(en/: Unterminated group' }],
    ],
    ['an unknown flag', { a: '/x/q' }, undefined, [{ path: ['match', 'a'], reason: 'invalid regular expression /x/q: unknown flag "q" (allowed: gimsuy)' }]],
    ['a duplicated flag', { a: '/x/ii' }, undefined, [{ path: ['match', 'a'], reason: 'invalid regular expression /x/ii: duplicate flag "i"' }]],
    [
      'every bad regex, in match and in each match_not entry',
      { a: ['ok', '/[/'] },
      [{ b: 1 }, { c: { d: '/+/' } }],
      [
        { path: ['match', 'a', 1], reason: 'invalid regular expression /[/: Unterminated character class' },
        { path: ['match_not', 1, 'c', 'd'], reason: 'invalid regular expression /+/: Nothing to repeat' },
      ],
    ],
    ['a match list entry that is not a mapping', ['a'], undefined, [{ path: ['match', 0], reason: 'must be a mapping' }]],
    ['an empty match list', [], undefined, [{ path: ['match'], reason: 'must be a mapping or a non-empty list of mappings' }]],
    ['a match that is a scalar', 'a', undefined, [{ path: ['match'], reason: 'must be a mapping or a non-empty list of mappings' }]],
    ['a match_not entry that is not a mapping', undefined, [{}, 'x'], [{ path: ['match_not', 1], reason: 'must be a mapping' }]],
  ];
  for (const [name, match, matchNot, problems] of cases) {
    test(`reports ${name}`, () => {
      assert.throws(
        () => compileMatcher(match, matchNot),
        (err: unknown) => {
          assert.ok(err instanceof MatchPatternError);
          assert.deepEqual(err.problems, problems);
          return true;
        },
      );
    });
  }
});

describe('parseRegexPattern', () => {
  const cases: [string, string, string | null][] = [
    ['parses /body/flags', '/^a$/i', '/^a$/i'],
    ['keeps slashes inside the body', '/a\\/b/c/', '/a\\/b\\/c/'],
    ['treats a plain string as a literal', 'plain', null],
    ['treats a lone slash as a literal', '/', null],
    ['treats an empty body as a literal', '//', null],
    ['treats a path with capitals after the last slash as a literal', '/wiki/Main_Page', null],
  ];
  for (const [name, source, expected] of cases) {
    test(name, () => assert.equal(parseRegexPattern(source)?.toString() ?? null, expected));
  }
});
