// Tests for loading and validating rule files: each broken fixture must produce exact
// `file:line:column: path: reason` lines, and the valid fixtures must load with defaults applied.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadRules, formatProblem } from '../../../lib/rules/load.ts';
import { validateRuleSources } from '../../../lib/rules/validate.ts';
import { testHandlers } from './test-handlers.ts';

const dir = 'test/fixtures/rules';
const lines = (paths: string[]): string[] => loadRules(paths, testHandlers).problems.map(formatProblem);
const inline = (text: string): string[] => validateRuleSources([{ file: 'inline.yaml', text }], testHandlers).problems.map(formatProblem);

describe('loadRules reports broken fixture files', () => {
  const cases: [string, string[], string[]][] = [
    [
      'an unknown handler with a suggestion when one is close',
      ['broken/unknown-handler.yaml'],
      [
        'unknown-handler.yaml:5:9: typo_handler.steps[0].fetch_revison: unknown handler "fetch_revison" (did you mean "fetch_revisions"?)',
        'unknown-handler.yaml:6:9: typo_handler.steps[1].frobnicate: unknown handler "frobnicate"',
      ],
    ],
    [
      'every bad regular expression in match and match_not',
      ['broken/bad-regex.yaml'],
      [
        'bad-regex.yaml:6:17: bad_regex.match.meta.domain: invalid regular expression /^(unclosed\\.org$/: Unterminated group',
        'bad-regex.yaml:7:31: bad_regex.match.page_title[1]: invalid regular expression /x/q: unknown flag "q" (allowed: gimsuy)',
        'bad-regex.yaml:9:19: bad_regex.match_not[0].database: invalid regular expression /[z-a]/: Range out of order in character class',
      ],
    ],
    [
      'an unknown option at its key and the missing required option at the options mapping',
      ['broken/unknown-option.yaml'],
      [
        'unknown-option.yaml:6:11: unknown_option.steps[0].http: missing required option "uri"',
        'unknown-option.yaml:7:11: unknown_option.steps[0].http.urii: unknown option "urii" (did you mean "uri"?)',
      ],
    ],
    [
      'wrong types, out-of-range numbers and bad option values at the values themselves',
      ['broken/wrong-type.yaml'],
      [
        'wrong-type.yaml:3:13: wrong_types.topics: must be array',
        'wrong-type.yaml:4:18: wrong_types.concurrency: must be integer',
        'wrong-type.yaml:5:26: wrong_types.retry.in_process: must be <= 10',
        'wrong-type.yaml:5:60: wrong_types.retry.max_delay_ms: must be >= delay_ms (1000)',
        'wrong-type.yaml:6:14: wrong_types.enabled: must be boolean',
        'wrong-type.yaml:9:19: wrong_types.steps[0].http.method: must be one of "GET", "POST"',
        'wrong-type.yaml:10:16: wrong_types.steps[0].http.uri: must be string',
        'wrong-type.yaml:11:38: wrong_types.steps[1].log.message: must be string',
      ],
    ],
    ['a YAML syntax error', ['broken/syntax-error.yaml'], ['syntax-error.yaml:4:5: invalid YAML: missed comma between flow collection entries']],
    [
      'missing keys, empty lists, bad names, DC prefixes, bad templates and malformed steps',
      ['broken/missing-steps.yaml'],
      [
        'missing-steps.yaml:2:5: no_steps: missing required key "steps"',
        'missing-steps.yaml:3:13: no_steps.topics: must not be empty',
        'missing-steps.yaml:4:5: no_steps.topic: unknown key "topic" (did you mean "topics"?)',
        'missing-steps.yaml:5:11: rules[1].name: must match pattern "^[a-z][a-z0-9_]*$"',
        'missing-steps.yaml:6:14: rules[1].topics[0]: must not have a datacenter prefix ("eqiad."): the router subscribes per DC',
        'missing-steps.yaml:7:12: rules[1].steps: must not be empty',
        'missing-steps.yaml:8:5: rules[2]: missing required key "name"',
        'missing-steps.yaml:9:10: rules[2].key: invalid template: expected "}}" or "|", found ":" at column 19',
        'missing-steps.yaml:11:25: rules[2].steps[0].log.message: invalid template: unknown filter "urii" (expected uri, json, lower, upper, trim, default, first or replace) at column 20',
        'missing-steps.yaml:12:9: rules[2].steps[1]: a step must be a mapping with exactly one key, the handler name: {handler: options}, and optionally `when`',
      ],
    ],
    [
      'a duplicate rule name across two files at the second definition',
      ['broken/dup-a.yaml', 'broken/dup-b.yaml'],
      ['dup-b.yaml:7:11: shared_name.name: duplicate rule name "shared_name" (first defined at test/fixtures/rules/broken/dup-a.yaml:2:11)'],
    ],
    [
      'a file without the rules key',
      ['broken/not-rules.yaml'],
      ['not-rules.yaml:1:1: rule: unknown key "rule" (did you mean "rules"?)', 'not-rules.yaml:1:1: missing required key "rules"'],
    ],
  ];
  for (const [name, files, expected] of cases) {
    test(`reports ${name}`, () => {
      const paths = files.map((f) => `${dir}/${f}`);
      assert.deepEqual(lines(paths), expected.map((l) => `${dir}/broken/${l}`));
    });
  }

  test('collects the problems of every file in a directory, in file order', () => {
    const all = lines([`${dir}/broken`]);
    assert.equal(all.length, 29);
    const files = all.map((l) => l.split(':')[0]!.replace(`${dir}/broken/`, ''));
    assert.deepEqual([...new Set(files)], ['bad-regex.yaml', 'dup-b.yaml', 'missing-steps.yaml', 'not-rules.yaml', 'syntax-error.yaml', 'unknown-handler.yaml', 'unknown-option.yaml', 'wrong-type.yaml']);
  });

  test('keeps the valid rules of a file that also has broken ones', () => {
    const { rules } = loadRules([`${dir}/broken`], testHandlers);
    assert.deepEqual(rules.map((r) => r.name), ['shared_name', 'unique_name']);
  });
});

describe('validateRuleSources reports inline problems', () => {
  const cases: [string, string, string[]][] = [
    ['an empty file', '', ['inline.yaml:1:1: file is empty: expected a mapping with the key "rules"']],
    ['a file that is a list', '- a\n', ['inline.yaml:1:1: must be a mapping with the key "rules"']],
    ['rules that are not a list', 'rules: {}\n', ['inline.yaml:1:8: rules: must be a list of rules']],
    ['a rule that is not a mapping', 'rules:\n  - just text\n', ['inline.yaml:2:5: rules[0]: a rule must be a mapping']],
    [
      'a match_not list entry that is not a mapping',
      'rules:\n  - name: r\n    topics: [t]\n    match_not: [{a: 1}, 5]\n    steps: [log: {}]\n',
      ['inline.yaml:4:25: r.match_not[1]: must be a mapping of field names to patterns'],
    ],
    [
      'a match_not that is neither a mapping nor a list',
      'rules:\n  - name: r\n    topics: [t]\n    match_not: 5\n    steps: [log: {}]\n',
      ['inline.yaml:4:16: r.match_not: must be a mapping or a list of mappings'],
    ],
    ['a match list with an entry that is not a mapping', 'rules:\n  - name: r\n    topics: [t]\n    match: [a]\n    steps: [log: {}]\n', ['inline.yaml:4:13: r.match[0]: must be a mapping of field names to patterns']],
    ['an empty match list', 'rules:\n  - name: r\n    topics: [t]\n    match: []\n    steps: [log: {}]\n', ['inline.yaml:4:12: r.match: must not be empty']],
    ['a match that is a scalar', 'rules:\n  - name: r\n    topics: [t]\n    match: a\n    steps: [log: {}]\n', ['inline.yaml:4:12: r.match: must be a mapping or a non-empty list of mappings']],
    ['a step whose when reads an unknown root', 'rules:\n  - name: r\n    topics: [t]\n    steps:\n      - log: {}\n        when: {result: {x: 1}}\n', ['inline.yaml:6:16: r.steps[0].when.result: unknown root "result" (expected message, match, results, source, rule) (did you mean "results"?)']],
    ['a step whose when has a bad regex', "rules:\n  - name: r\n    topics: [t]\n    steps:\n      - log: {}\n        when: {message: {a: '/(x/'}}\n", ['inline.yaml:6:29: r.steps[0].when.message.a: invalid regular expression /(x/: Unterminated group']],
    ['a step with two handlers', 'rules:\n  - name: r\n    topics: [t]\n    steps:\n      - {log: {}, drop: {}}\n', ['inline.yaml:5:9: r.steps[0]: a step must name exactly one handler: {handler: options}, and optionally `when`']],
    ['a canary opt-in that is not a boolean', 'rules:\n  - name: r\n    topics: [t]\n    canary: yes please\n    steps: [log: {}]\n', ['inline.yaml:4:13: r.canary: must be boolean']],
    [
      'an options value of the wrong union branch at the branch error',
      "rules:\n  - name: r\n    topics: [t]\n    steps:\n      - http: {method: GET, uri: http://x, body: {a: 1}, timeout_ms: 0}\n      - http: {method: GET, uri: http://x, body: 5}\n",
      ['inline.yaml:5:70: r.steps[0].http.timeout_ms: must be >= 1', 'inline.yaml:6:50: r.steps[1].http.body: must be string or object'],
    ],
    ['options that are not a mapping', 'rules:\n  - name: r\n    topics: [t]\n    steps: [log: text]\n', ['inline.yaml:4:18: r.steps[0].log: must be object']],
    ['a bad key template', "rules:\n  - name: r\n    topics: [t]\n    key: '{{}}'\n    steps: [log: {}]\n", ['inline.yaml:4:10: r.key: invalid template: empty expression at column 1']],
    [
      'the same rule name twice in one file, naming the first place',
      'rules:\n  - name: r\n    topics: [t]\n    steps: [log: {}]\n  - name: r\n    topics: [u]\n    steps: [log: {}]\n',
      ['inline.yaml:5:11: r.name: duplicate rule name "r" (first defined at inline.yaml:2:11)'],
    ],
    [
      'a duplicate name even when the first definition is broken',
      'rules:\n  - name: r\n    topics: []\n    steps: [log: {}]\n  - name: r\n    topics: [u]\n    steps: [log: {}]\n',
      ['inline.yaml:3:13: r.topics: must not be empty', 'inline.yaml:5:11: r.name: duplicate rule name "r" (first defined at inline.yaml:2:11)'],
    ],
    [
      'consumer settings a rule may not make, and one out of range',
      "rules:\n  - name: r\n    topics: [t]\n    consumer: {plugin.library.paths: /tmp/x.so, bootstrap.servers: evil:9092, queued.max.messages.kbytes: 1}\n    steps: [log: {}]\n",
      [
        'inline.yaml:4:16: r.consumer["plugin.library.paths"]: unknown key "plugin.library.paths"',
        'inline.yaml:4:49: r.consumer["bootstrap.servers"]: unknown key "bootstrap.servers"',
        'inline.yaml:4:107: r.consumer["queued.max.messages.kbytes"]: must be >= 64',
      ],
    ],
    [
      'a template reading a capture group the regex does not define, with the groups it does',
      "rules:\n  - name: r\n    topics: [t]\n    match: {comment: '/^(?<field>[a-z]+): (.*)$/'}\n    steps: [log: {message: '{{match.comment.fiel}} {{match.comment.field}} {{match.comment.2}} {{match.comment.3}}'}]\n",
      [
        'inline.yaml:5:28: r.steps[0].log.message: template reads match.comment.fiel, but the regex at match.comment has no group "fiel" (its groups: 0, 1, 2, field) (did you mean "field"?)',
        'inline.yaml:5:28: r.steps[0].log.message: template reads match.comment.3, but the regex at match.comment has no group "3" (its groups: 0, 1, 2, field)',
      ],
    ],
    [
      'a template reading captures of a field whose pattern is no regex, or of a field match does not name',
      "rules:\n  - name: r\n    topics: [t]\n    match: {page_namespace: 0, meta: {domain: '/^(?<lang>[a-z]+)\\./'}}\n    key: '{{match.page_namespace}}'\n    steps: [log: {message: '{{match.meta.domian.lang}}'}]\n",
      [
        'inline.yaml:5:10: r.key: template reads match.page_namespace, but match captures nothing at match.page_namespace (only regex patterns capture; it captures match.meta)',
        'inline.yaml:6:28: r.steps[0].log.message: template reads match.meta.domian.lang, but match captures nothing at match.meta.domian (only regex patterns capture; it captures match.meta.domain) (did you mean "domain"?)',
      ],
    ],
    [
      'a template reading a capture of a rule whose match has no regex',
      "rules:\n  - name: r\n    topics: [t]\n    steps: [log: {message: '{{match.x}}'}]\n",
      ["inline.yaml:4:28: r.steps[0].log.message: template reads match.x, but match captures nothing at match.x (only regex patterns capture; the rule's match has none)"],
    ],
    [
      'nothing when every capture read is made by some alternative of a match list, or of a list of patterns',
      "rules:\n  - name: r\n    topics: [t]\n    match:\n      - {a: ['/(?<x>1)/', '/(?<y>2)/']}\n      - {b: {c: '/(?<z>3)/'}}\n    steps: [log: {message: '{{match.a.x}} {{match.a.y}} {{match.a.0}} {{match.b.c.z}} {{match.b}} {{match}} {{match.a.x.length}}'}]\n",
      [],
    ],
    [
      'http steps whose written URI can never be called: a scheme other than http or https, or no URI at all',
      "rules:\n  - name: r\n    topics: [t]\n    steps:\n      - http: {method: GET, uri: 'ftp://files.example.org/x'}\n      - http: {method: GET, uri: 'FTP://{{message.host}}/x'}\n      - http: {method: GET, uri: 'example.org/{{message.x}}'}\n      - http: {method: GET, uri: 'not a uri'}\n",
      [
        'inline.yaml:5:34: r.steps[0].http.uri: scheme "ftp:" is not supported: the http step calls http:// and https:// URIs only',
        'inline.yaml:6:34: r.steps[1].http.uri: scheme "ftp:" is not supported: the http step calls http:// and https:// URIs only',
        'inline.yaml:8:34: r.steps[3].http.uri: "not a uri" is not an absolute URI',
      ],
    ],
    [
      'nothing for http URIs whose scheme is http or https, or comes from a template',
      "rules:\n  - name: r\n    topics: [t]\n    steps:\n      - http: {method: GET, uri: 'HTTPS://a.example.org/'}\n      - http: {method: GET, uri: 'http://{{message.host}}/'}\n      - http: {method: GET, uri: '{{message.target}}'}\n",
      [],
    ],
    ['an unknown key with an unusual name', 'rules:\n  - name: r\n    topics: [t]\n    "odd key": 1\n    steps: [log: {}]\n', ['inline.yaml:4:5: r["odd key"]: unknown key "odd key"']],
  ];
  for (const [name, text, expected] of cases) {
    test(`reports ${name}`, () => assert.deepEqual(inline(text), expected));
  }
});

describe('loadRules reports unreadable paths', () => {
  test('reports a missing path as a problem instead of throwing', () => {
    const [line] = lines([`${dir}/nope.yaml`]);
    assert.match(line ?? '', /^test\/fixtures\/rules\/nope\.yaml:1:1: cannot read rules: ENOENT/);
  });
  test('reports a directory without rule files', () => {
    assert.deepEqual(lines(['test/unit']), ['test/unit:1:1: no rule files (*.yaml, *.yml) in directory']);
  });
});

describe('loadRules loads valid fixtures', () => {
  const { rules, problems } = loadRules([`${dir}/valid`], testHandlers);

  test('finds no problems and loads every *.yaml and *.yml file in name order', () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(rules.map((r) => r.name), ['revision_images', 'page_deletes', 'disabled_rule']);
  });

  test('fills every default of a minimal rule', () => {
    assert.deepEqual(rules[1], {
      name: 'page_deletes',
      description: '',
      topics: ['mediawiki.page-delete'],
      match: {},
      matchNot: [],
      key: '{{message.database}}:{{message.page_id}}',
      concurrency: 50,
      retry: { inProcess: 2, limit: 3, delayMs: 1000, maxDelayMs: 300000 },
      consumer: {},
      enabled: true,
      canary: false,
      cluster: 'main',
      steps: [{ handler: 'log', name: 'log', options: { message: 'deleted {{message.page_title}}', level: 'info' } }],
      source: { file: `${dir}/valid/10-images.yaml`, line: 32, column: 5 },
    });
  });

  test('keeps explicit values, names repeated handlers and applies handler option defaults', () => {
    const r = rules[0]!;
    assert.equal(r.concurrency, 20);
    assert.deepEqual(r.retry, { inProcess: 1, limit: 5, delayMs: 500, maxDelayMs: 60000 });
    assert.deepEqual(r.matchNot, [{ rev_content_changed: false }, { meta: { domain: 'canary' } }]);
    assert.deepEqual(
      r.steps.map((s) => [s.name, s.options]),
      [
        ['fetch_revisions', {}],
        ['http', { method: 'POST', uri: 'https://{{message.meta.domain}}/api/rest_v1/page/html/{{message.page_title | uri}}', timeout_ms: 10000 }],
        ['http#2', { method: 'GET', uri: 'https://{{match.meta.domain.lang}}.wikipedia.org/', timeout_ms: 10000 }],
        ['log', { level: 'info' }],
      ],
    );
  });

  test('turns a single match_not mapping into a list and keeps disabled rules', () => {
    const r = rules[2]!;
    assert.equal(r.enabled, false);
    assert.deepEqual(r.matchNot, [{ meta: { domain: '/\\.wikidata\\.org$/i' } }]);
  });
});
