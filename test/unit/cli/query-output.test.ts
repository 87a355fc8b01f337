// How `query` prints rows given in PostgreSQL's text form: psql's aligned table, COPY-style CSV (NULL empty, '' quoted),
// and JSON lines with node-postgres types (bigints as numbers when exact, dates and times as PostgreSQL writes them).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, formatRows, typedValue, type QueryRows } from '../../../lib/cli/query-output.ts';

// Type OIDs: 25 text, 20 int8, 23 int4, 16 bool, 1009 text[], 1016 int8[], 3802 jsonb, 1184 timestamptz, 1700 numeric, 17 bytea.
const rows: QueryRows = {
  command: 'SELECT',
  columns: [
    { name: 'wiki', typeId: 25 },
    { name: 'page_id', typeId: 20 },
    { name: 'images', typeId: 1009 },
    { name: 'illustrated', typeId: 16 },
  ],
  rows: [
    ['enwiki', '1', '{A.jpg,"B c.jpg"}', 't'],
    ['dewiki', '12345', '{}', null],
  ],
};

describe('the table format', () => {
  test('is psql\'s aligned table: centred headers, numbers right-aligned, a row count', () => {
    assert.deepEqual(formatRows(rows, 'table'), [
      '  wiki  | page_id |      images       | illustrated',
      '--------+---------+-------------------+-------------',
      ' enwiki |       1 | {A.jpg,"B c.jpg"} | t',
      ' dewiki |   12345 | {}                |',
      '(2 rows)',
    ]);
  });

  test('shows a line break inside a value as \\n, keeping one line per row', () => {
    const lines = formatRows({ command: 'SELECT', columns: [{ name: 'c', typeId: 25 }], rows: [['a\nb']] }, 'table');
    assert.deepEqual(lines, ['  c', '------', ' a\\nb', '(1 row)']);
  });

  test('aligns a result of 300,000 rows (the widest cell sets the width, no stack overflow)', () => {
    const many = Array.from({ length: 300_000 }, (_, i) => [String(i + 1)]);
    const lines = formatRows({ command: 'SELECT', columns: [{ name: 'n', typeId: 23 }], rows: many }, 'table');
    assert.equal(lines.length, 300_003);
    assert.deepEqual(lines.slice(0, 3), ['   n', '--------', '      1']);
    assert.deepEqual(lines.slice(-2), [' 300000', '(300000 rows)']);
  });

  test('prints the command of a statement without columns', () => {
    assert.deepEqual(formatRows({ command: 'SET', columns: [], rows: [] }, 'table'), ['SET']);
  });
});

describe('the CSV format', () => {
  test('has a header and one line per row', () => {
    assert.deepEqual(formatRows(rows, 'csv'), ['wiki,page_id,images,illustrated', 'enwiki,1,"{A.jpg,""B c.jpg""}",t', 'dewiki,12345,{},']);
  });
  const cases: [string, string | null, string][] = [
    ['leaves NULL empty', null, ''],
    ['quotes an empty string', '', '""'],
    ['quotes a comma', 'a,b', '"a,b"'],
    ['doubles quotes', 'say "hi"', '"say ""hi"""'],
    ['quotes a line break', 'a\nb', '"a\nb"'],
    ['quotes surrounding spaces', ' a', '" a"'],
    ['leaves a plain value', 'Cat.jpg', 'Cat.jpg'],
  ];
  for (const [name, value, expected] of cases) test(name, () => assert.equal(csvField(value), expected));
});

describe('the JSON format', () => {
  test('is one object per row with typed values', () => {
    assert.deepEqual(formatRows(rows, 'json').map((l) => JSON.parse(l)), [
      { wiki: 'enwiki', page_id: 1, images: ['A.jpg', 'B c.jpg'], illustrated: true },
      { wiki: 'dewiki', page_id: 12345, images: [], illustrated: null },
    ]);
  });

  test('keeps repeated column names apart', () => {
    const lines = formatRows({ command: 'SELECT', columns: [{ name: 'a', typeId: 23 }, { name: 'a', typeId: 23 }], rows: [['1', '2']] }, 'json');
    assert.deepEqual(JSON.parse(lines[0]!), { a: 1, 'a#2': 2 });
  });

  const cases: [string, string | null, number, unknown][] = [
    ['an int4 is a number', '42', 23, 42],
    ['an exact int8 is a number', '9007199254740991', 20, 9007199254740991],
    ['an int8 beyond 2^53 stays a string', '9007199254740993', 20, '9007199254740993'],
    ['an int8 array holds numbers', '{1,2}', 1016, [1, 2]],
    ['numeric stays a string (exact)', '0.1000000000000000055511', 1700, '0.1000000000000000055511'],
    ['jsonb is parsed', '{"x": [1]}', 3802, { x: [1] }],
    ['timestamptz stays as PostgreSQL writes it', '2024-05-03 10:00:00+00', 1184, '2024-05-03 10:00:00+00'],
    ['bytea stays hex text', '\\x00ff', 17, '\\x00ff'],
    ['NULL is null', null, 25, null],
  ];
  for (const [name, text, typeId, expected] of cases) test(name, () => assert.deepEqual(typedValue(text, typeId), expected));
});
