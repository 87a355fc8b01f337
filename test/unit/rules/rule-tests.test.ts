// Rule test files: every problem of a bad file with file:line:column (schema, and names that do not exist in the
// rules), and the comparison of a dry run with an expectation: json_contains on captures and step options, exact
// rule sets, keys and step lists, each difference as a path with expected and actual.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../../lib/handlers/registry.ts';
import { validateRuleSources, formatProblem } from '../../../lib/rules/validate.ts';
import { DryRun } from '../../../lib/rules/dry-run.ts';
import { checkExpectation, containsDiff, parseRuleTests, type Expectation } from '../../../lib/rules/rule-tests.ts';

const registry = createRegistry();
const { rules } = validateRuleSources(
  [
    {
      file: 'rules.yaml',
      text: `rules:
  - name: revisions
    topics: [mediawiki.revision-create]
    match: { page_namespace: 0, meta: { domain: '/^(?<lang>[a-z]+)\\.wikipedia\\.org$/' } }
    steps:
      - fetch_revisions: {}
      - produce: { topic: 'out.{{match.meta.domain.lang}}', value: { id: '{{message.page_id}}', list: [1, 2] } }
  - name: everything
    topics: [mediawiki.revision-create, other.stream]
    steps:
      - log: {}
`,
    },
  ],
  registry,
);

describe('parseRuleTests', () => {
  const cases: [string, string, string[]][] = [
    ['accepts a valid file', 'tests:\n  - name: a\n    input: {page_id: 1}\n    expect: {rule: revisions, key: "x"}\n', []],
    ['reports invalid YAML with its position', 'tests:\n  - name: [\n', ['t.yaml:3:1: invalid YAML: unexpected end of the stream within a flow collection']],
    ['reports a file that is not a mapping', '- a\n', ['t.yaml:1:1: must be a mapping with the key "tests" (a list of tests)']],
    ['reports a missing tests key', 'test: []\n', ['t.yaml:1:1: missing required key "tests"', 't.yaml:1:1: test: unknown key "test" (did you mean "tests"?)']],
    ['reports an unknown key of a test at the key', 'tests:\n  - name: a\n    inptu: {}\n    expect: {matched: []}\n', ['t.yaml:3:5: tests[0].inptu: unknown key "inptu" (did you mean "input"?)']],
    ['reports an unknown expectation', 'tests:\n  - name: a\n    input: {}\n    expect: {rules: revisions}\n', ['t.yaml:4:14: tests[0].expect.rules: unknown key "rules" (did you mean "rule"?)']],
    ['needs exactly one of input and input_file', 'tests:\n  - name: a\n    input: {}\n    input_file: x.ndjson\n    expect: {matched: []}\n', ['t.yaml:2:5: tests[0]: needs exactly one of input and input_file']],
    ['needs an outcome', 'tests:\n  - name: a\n    input: {}\n    expect: {}\n', ['t.yaml:4:13: tests[0].expect: must say what happens: rule, matched, dropped or unmatched']],
    ['names an unknown rule, with a suggestion', 'tests:\n  - name: a\n    input: {}\n    expect:\n      rule: revision\n', ['t.yaml:5:13: tests[0].expect.rule: unknown rule "revision" (did you mean "revisions"?)']],
    ['names an unknown stream', 'tests:\n  - name: a\n    stream: other.streem\n    input: {}\n    expect: {matched: []}\n', ['t.yaml:3:13: tests[0].stream: no rule reads stream "other.streem" (did you mean "other.stream"?)']],
    [
      'names a step the rule does not have',
      'tests:\n  - name: a\n    input: {}\n    expect:\n      rule: revisions\n      steps: {produc: {}}\n      run: [fetch_revisions, log]\n',
      [
        't.yaml:6:15: tests[0].expect.steps.produc: rule "revisions" has no step "produc" (its steps: fetch_revisions, produce) (did you mean "produce"?)',
        't.yaml:7:30: tests[0].expect.run[1]: rule "revisions" has no step "log" (its steps: fetch_revisions, produce)',
      ],
    ],
    ['refuses key without rule', 'tests:\n  - name: a\n    input: {}\n    expect: {matched: [], key: x}\n', ['t.yaml:4:27: tests[0].expect.key: needs expect.rule (the rule whose key is checked)']],
    ['refuses rule with matched', 'tests:\n  - name: a\n    input: {}\n    expect: {rule: revisions, matched: []}\n', ['t.yaml:4:31: tests[0].expect.matched: rule and matched exclude each other (rule: the one rule that matches)']],
    ['refuses a rule both matched and unmatched', 'tests:\n  - name: a\n    input: {}\n    expect: {rule: revisions, unmatched: {revisions: ""}}\n', ['t.yaml:4:43: tests[0].expect.unmatched.revisions: rule "revisions" cannot both match and not match']],
    ['refuses a duplicate test name', 'tests:\n  - name: a\n    input: {}\n    expect: {matched: []}\n  - name: a\n    input: {}\n    expect: {matched: []}\n', ['t.yaml:5:11: tests[1].name: duplicate test name (first at tests[0])']],
  ];
  for (const [name, text, expected] of cases) {
    test(name, () => {
      const { tests, problems } = parseRuleTests({ file: 't.yaml', text }, rules);
      assert.deepEqual(problems.map(formatProblem), expected);
      if (expected.length === 0) assert.equal(tests.length, 1);
    });
  }

  test('keeps where each test and its input_file are', () => {
    const { tests } = parseRuleTests({ file: 't.yaml', text: 'tests:\n  - name: a\n    input_file: events/x.ndjson\n    expect: {matched: []}\n' }, rules);
    assert.deepEqual([tests[0]!.position, tests[0]!.inputFile, tests[0]!.inputFilePosition], [{ line: 2, column: 5 }, 'events/x.ndjson', { line: 3, column: 17 }]);
  });
});

describe('containsDiff (json_contains)', () => {
  const cases: [string, unknown, unknown, string[]][] = [
    ['passes a superset', { a: 1 }, { a: 1, b: 2 }, []],
    ['passes nested subsets', { a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2, d: 3 }], e: 1 } }, []],
    ['names a differing leaf', { a: { b: 'x' } }, { a: { b: 'y' } }, ['a.b: "x" / "y"']],
    ['names a missing key', { a: 1, z: null }, { a: 1 }, ['z: null / (missing)']],
    ['compares lists element by element', { l: [1, 3] }, { l: [1, 2] }, ['l[1]: 3 / 2']],
    ['refuses a list of another length', { l: [1] }, { l: [1, 2] }, ['l: [1] / [1,2]']],
    ['refuses a mapping where a scalar is', { a: { b: 1 } }, { a: 'x' }, ['a: {"b":1} / "x"']],
    ['keeps types apart', { a: 1 }, { a: '1' }, ['a: 1 / "1"']],
    ['quotes odd keys', { 'http#2': 1 }, {}, ['["http#2"]: 1 / (missing)']],
  ];
  for (const [name, expected, actual, diffs] of cases) {
    test(name, () => assert.deepEqual(containsDiff(expected, actual, '').map((m) => `${m.path.replace(/^\./, '')}: ${m.expected} / ${m.actual}`), diffs));
  }
});

describe('checkExpectation', () => {
  const dry = new DryRun(rules, registry);
  const article = { meta: { stream: 'mediawiki.revision-create', domain: 'en.wikipedia.org' }, database: 'enwiki', page_id: 7, page_namespace: 0 };
  const talk = { ...article, page_namespace: 1 };
  const canary = { ...article, meta: { ...article.meta, domain: 'canary' } };
  const cases: [string, unknown, string | undefined, Expectation, string[]][] = [
    ['passes an exact set of matched rules', article, undefined, { matched: ['everything', 'revisions'] }, []],
    ['reports a missing rule in the matched set, with why', talk, undefined, { matched: ['everything', 'revisions'] }, ['matched: ["everything","revisions"] / ["everything"]; revisions unmatched: match.page_namespace: expected 0, got 1']],
    ['reports a rule that matched although another was expected alone', article, undefined, { rule: 'revisions' }, ['rule: only revisions matches / also matched: everything']],
    ['reports why the expected rule did not match', talk, undefined, { rule: 'revisions' }, ['rule: revisions matches / revisions unmatched: match.page_namespace: expected 0, got 1', 'rule: only revisions matches / also matched: everything']],
    ['reports a rule on another stream', article, 'other.stream', { matched: ['revisions', 'everything'] }, ['matched: ["everything","revisions"] / ["everything"]; revisions not on this stream (it reads mediawiki.revision-create)']],
    ['takes the stream given over meta.stream', { ...article, meta: { stream: 'other.stream', domain: 'de.wikipedia.org' } }, 'mediawiki.revision-create', { matched: ['everything', 'revisions'] }, []],
    ['reports a wrong key', article, undefined, { rule: 'everything', key: 'enwiki:8' }, ['rule: only everything matches / also matched: revisions', 'key: "enwiki:8" / "enwiki:7"']],
    ['passes a canary dropped by every rule of its stream', canary, undefined, { dropped: 'canary' }, []],
    ['reports an event that is not a canary where one is expected', article, undefined, { dropped: 'canary' }, ['dropped: revisions drops it as a canary / revisions matched', 'dropped: everything drops it as a canary / everything matched']],
    ['passes an unmatched rule whose explanation contains the text', talk, undefined, { unmatched: { revisions: 'page_namespace: expected 0' } }, []],
    ['reports an unmatched rule whose explanation differs', talk, undefined, { unmatched: { revisions: 'meta.domain' } }, ['unmatched.revisions: revisions unmatched: …meta.domain… / revisions unmatched: match.page_namespace: expected 0, got 1']],
    ['reports an event without a stream', { page_id: 1 }, undefined, { rule: 'everything' }, [/^rule: everything matches \/ everything not on this stream \(it reads mediawiki.revision-create, other.stream\) \(no stream chosen: it has no meta.stream/.source]],
  ];
  for (const [name, event, stream, expect, diffs] of cases) {
    test(name, () => {
      const got = checkExpectation(dry.event(event as Record<string, unknown>, stream), expect).map((m) => `${m.path}: ${m.expected} / ${m.actual}`);
      if (diffs.length === 1 && diffs[0]!.startsWith('^')) assert.match(got.join('\n'), new RegExp(diffs[0]!));
      else assert.deepEqual(got, diffs);
    });
  }

  test('reports differences of captures, step options and run, each at its path', () => {
    const report = dry.event(article);
    const got = checkExpectation(report, {
      rule: 'revisions',
      captures: { meta: { domain: { lang: 'de' } } },
      steps: { produce: { topic: 'out.de', value: { id: 7, list: [1, 3] } } },
      run: ['fetch_revisions'],
    }).filter((m) => m.path !== 'rule');
    assert.deepEqual(got.map((m) => `${m.path}: ${m.expected} / ${m.actual}`), [
      'captures.meta.domain.lang: "de" / "en"',
      'steps.produce.topic: "out.de" / "out.en"',
      'steps.produce.value.list[1]: 3 / 2',
      'run: ["fetch_revisions"] / ["fetch_revisions","produce"]',
    ]);
  });
});
