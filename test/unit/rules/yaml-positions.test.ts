// Tests for loading YAML with node positions: block and flow collections, nesting, quoted keys,
// empty values, anchors, and syntax errors. Positions are 1-based line:column.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadYamlWithPositions, YamlSyntaxError } from '../../../lib/rules/yaml-positions.ts';
import type { YamlPath } from '../../../lib/rules/yaml-positions.ts';

const text = [
  '# leading comment', // 1
  'rules:', // 2
  '  - name: a   # trailing comment', // 3
  '    topics: [x, "y z"]', // 4
  '    match:', // 5
  "      meta: { domain: '/^x$/', 'q k': [1, {b: 2}] }", // 6
  '    empty:', // 7
  '    steps:', // 8
  '    - http: {method: GET}', // 9
  '    - log:', // 10
  '        level: info', // 11
  '    -   [1, 2]', // 12
  '    - {a, b: 1}', // 13
  '    - ? complex', // 14
  '      : v', // 15
  '    "quoted key": 1', // 16
  '    multi:', // 17
  '      - - deep', // 18
  '        - |', // 19
  '          block text', // 20
  '', // 21
].join('\n');

const loaded = loadYamlWithPositions(text);
const at = (p: { line: number; column: number } | undefined): string | undefined => (p ? `${p.line}:${p.column}` : undefined);

describe('loadYamlWithPositions loads the value', () => {
  test('returns the same value as js-yaml', () => {
    assert.deepEqual(loaded.value, {
      rules: [
        {
          name: 'a',
          topics: ['x', 'y z'],
          match: { meta: { domain: '/^x$/', 'q k': [1, { b: 2 }] } },
          empty: null,
          steps: [{ http: { method: 'GET' } }, { log: { level: 'info' } }, [1, 2], { a: null, b: 1 }, { complex: 'v' }],
          'quoted key': 1,
          multi: [['deep', 'block text\n']],
        },
      ],
    });
  });
});

describe('loadYamlWithPositions finds values', () => {
  const cases: [string, YamlPath, string][] = [
    ['the root after a comment', [], '2:1'],
    ['a block sequence at its dash', ['rules'], '3:3'],
    ['a block mapping inside a sequence at its first key', ['rules', 0], '3:5'],
    ['a scalar before a trailing comment', ['rules', 0, 'name'], '3:11'],
    ['a flow sequence at its bracket', ['rules', 0, 'topics'], '4:13'],
    ['a plain flow sequence item', ['rules', 0, 'topics', 0], '4:14'],
    ['a quoted flow sequence item at its quote', ['rules', 0, 'topics', 1], '4:17'],
    ['a block mapping value on the next line', ['rules', 0, 'match'], '6:7'],
    ['a flow mapping at its brace', ['rules', 0, 'match', 'meta'], '6:13'],
    ['a quoted flow mapping value', ['rules', 0, 'match', 'meta', 'domain'], '6:23'],
    ['a value under a quoted flow key', ['rules', 0, 'match', 'meta', 'q k'], '6:39'],
    ['a nested flow mapping inside a flow sequence', ['rules', 0, 'match', 'meta', 'q k', 1, 'b'], '6:47'],
    ['an empty value just after its colon', ['rules', 0, 'empty'], '7:11'],
    ['a sequence item that is a block mapping', ['rules', 0, 'steps', 1], '10:7'],
    ['a nested block mapping value', ['rules', 0, 'steps', 1, 'log', 'level'], '11:16'],
    ['a flow sequence after extra spaces', ['rules', 0, 'steps', 2], '12:9'],
    ['a flow sequence item in a block sequence', ['rules', 0, 'steps', 2, 1], '12:13'],
    ['a flow mapping in a block sequence', ['rules', 0, 'steps', 3], '13:7'],
    ['a flow mapping key without a value', ['rules', 0, 'steps', 3, 'a'], '13:8'],
    ['the value of an explicit key', ['rules', 0, 'steps', 4, 'complex'], '15:9'],
    ['the value under a double-quoted block key', ['rules', 0, 'quoted key'], '16:19'],
    ['a sequence nested in a sequence', ['rules', 0, 'multi', 0, 0], '18:11'],
    ['a block scalar at its indicator', ['rules', 0, 'multi', 0, 1], '19:11'],
  ];
  for (const [name, path, expected] of cases) {
    test(`locates ${name}`, () => assert.equal(at(loaded.positions.get(path)), expected));
  }
});

describe('loadYamlWithPositions finds keys', () => {
  const cases: [string, YamlPath, string][] = [
    ['a top-level key', ['rules'], '2:1'],
    ['a key in a block mapping inside a sequence', ['rules', 0, 'topics'], '4:5'],
    ['a key whose value is on the next line', ['rules', 0, 'match'], '5:5'],
    ['a key in a flow mapping', ['rules', 0, 'match', 'meta', 'domain'], '6:15'],
    ['a single-quoted flow key at its quote', ['rules', 0, 'match', 'meta', 'q k'], '6:32'],
    ['a key of a flow mapping in a block sequence', ['rules', 0, 'steps', 0, 'http'], '9:7'],
    ['a key in a flow mapping nested in a flow mapping', ['rules', 0, 'steps', 0, 'http', 'method'], '9:14'],
    ['a flow key after a key without a value', ['rules', 0, 'steps', 3, 'b'], '13:11'],
    ['an explicit key', ['rules', 0, 'steps', 4, 'complex'], '14:9'],
    ['a double-quoted block key at its quote', ['rules', 0, 'quoted key'], '16:5'],
  ];
  for (const [name, path, expected] of cases) {
    test(`locates ${name}`, () => assert.equal(at(loaded.positions.getKey(path)), expected));
  }
});

describe('PositionMap.nearest', () => {
  test('falls back to the closest ancestor for paths that have no node', () => {
    assert.equal(at(loaded.positions.nearest(['rules', 0, 'match', 'nope', 'deeper'])), '6:7');
  });
  test('prefers the key when asked', () => {
    assert.equal(at(loaded.positions.nearest(['rules', 0, 'match'], 'key')), '5:5');
  });
  test('returns 1:1 when nothing is known', () => {
    assert.equal(at(loadYamlWithPositions('').positions.nearest(['x'])), '1:1');
  });
});

describe('loadYamlWithPositions handles special input', () => {
  test('locates nodes after a byte-order mark', () => {
    const { positions } = loadYamlWithPositions('\ufeffa:\n  b: 1\n');
    assert.equal(at(positions.get(['a', 'b'])), '2:6');
  });
  test('locates nodes in CRLF files', () => {
    const { positions } = loadYamlWithPositions('a: 1\r\nb:\r\n  - x\r\n');
    assert.equal(at(positions.get(['b', 0])), '3:5');
  });
  test('locates an alias at the alias and its anchor at the anchor', () => {
    const { value, positions } = loadYamlWithPositions('base: &o {x: 1}\nother: *o\n');
    assert.deepEqual(value, { base: { x: 1 }, other: { x: 1 } });
    assert.equal(at(positions.getKey(['base', 'x'])), '1:11');
    assert.equal(at(positions.get(['base', 'x'])), '1:14');
    assert.equal(at(positions.get(['other'])), '2:8');
  });
  test('keeps timestamps as strings (CORE schema)', () => {
    assert.deepEqual(loadYamlWithPositions('d: 2024-01-01\n').value, { d: '2024-01-01' });
  });
  test('locates single-pair mappings inside flow sequences', () => {
    const { value, positions } = loadYamlWithPositions('steps: [log: {a: 1}, "x": 2, plain]\n');
    assert.deepEqual(value, { steps: [{ log: { a: 1 } }, { x: 2 }, 'plain'] });
    assert.equal(at(positions.get(['steps', 0])), '1:9');
    assert.equal(at(positions.getKey(['steps', 0, 'log'])), '1:9');
    assert.equal(at(positions.get(['steps', 0, 'log', 'a'])), '1:18');
    assert.equal(at(positions.get(['steps', 1, 'x'])), '1:27');
    assert.equal(at(positions.get(['steps', 2])), '1:30');
  });
  test('returns undefined for an empty file and null for a comment-only one', () => {
    assert.equal(loadYamlWithPositions('').value, undefined);
    assert.equal(loadYamlWithPositions('# nothing\n').value, null);
  });
});

describe('loadYamlWithPositions reports syntax errors with 1-based positions', () => {
  const cases: [string, string, string, string][] = [
    ['an unclosed flow sequence', 'a: [1, 2\nb: 3\n', 'missed comma between flow collection entries', '2:1'],
    ['bad indentation', 'a:\n  b: 1\n c: 2\n', 'bad indentation of a mapping entry', '3:2'],
    ['a duplicated key', 'a: 1\na: 2\n', 'duplicated mapping key', '2:1'],
    ['a tab used for indentation', 'a:\n\tb: 1\n', 'tab characters must not be used in indentation', '2:1'],
  ];
  for (const [name, source, reason, position] of cases) {
    test(`reports ${name}`, () => {
      assert.throws(
        () => loadYamlWithPositions(source),
        (err: unknown) => {
          assert.ok(err instanceof YamlSyntaxError);
          assert.equal(`${err.reason} @ ${err.line}:${err.column}`, `${reason} @ ${position}`);
          return true;
        },
      );
    });
  }
});
