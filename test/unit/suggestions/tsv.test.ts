import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyTextField, parseTsvHeader, parseTsvLine, pgTextArray, unescapeTsvField } from '../../../lib/suggestions/tsv.ts';

describe('TSV fields', () => {
  test('escapes decode, \\N and empty fields are null, unknown escapes keep their character', () => {
    const cases: Array<[string, string | null]> = [
      ['plain', 'plain'],
      ['', null],
      ['\\N', null],
      ['a\\tb', 'a\tb'],
      ['line\\nbreak\\r', 'line\nbreak\r'],
      ['back\\\\slash', 'back\\slash'],
      ['\\\\N', '\\N'],
      ['C:\\qx', 'C:qx'],
      ['trailing\\', 'trailing\\'],
      ['Émile_Zola.jpg', 'Émile_Zola.jpg'],
    ];
    for (const [field, expected] of cases) assert.equal(unescapeTsvField(field), expected, JSON.stringify(field));
  });

  test('a line splits on tabs only, keeps escaped tabs inside a field, and drops a trailing carriage return', () => {
    assert.deepEqual(parseTsvLine('1\tA\\tB.jpg\t\t\\N\r'), ['1', 'A\tB.jpg', null, null]);
    assert.deepEqual(parseTsvLine('only'), ['only']);
  });

  test("Hive's table prefix is dropped from header names", () => {
    assert.deepEqual(parseTsvHeader('imagerec_prod.page_id\timagerec_prod.image_id\twiki'), ['page_id', 'image_id', 'wiki']);
  });

  test('COPY text fields escape what COPY would misread, and a field round-trips through the TSV reader', () => {
    for (const value of ['plain', 'tab\there', 'new\nline', 'back\\slash', '\\N', 'cr\r', 'émoji 🖼']) {
      const encoded = copyTextField(value);
      assert.ok(!/[\t\n\r]/.test(encoded), JSON.stringify(encoded));
      assert.equal(unescapeTsvField(encoded), value);
    }
    assert.equal(copyTextField(null), '\\N');
  });

  test('text arrays quote every element and escape quotes and backslashes', () => {
    assert.equal(pgTextArray([]), '{}');
    assert.equal(pgTextArray(['istype-lead-image', 'a "b"', 'c\\d', 'x,y', 'NULL']), '{"istype-lead-image","a \\"b\\"","c\\\\d","x,y","NULL"}');
  });
});
