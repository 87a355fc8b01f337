// Tests for the rule template language: paths, filters, raw evaluation, syntax errors and safety.
// Table-driven; each case name reads as a sentence.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate, compileTemplateTree, templateReferences, TemplateSyntaxError } from '../../../lib/rules/template.ts';
import type { TemplateContext } from '../../../lib/rules/template.ts';

const ctx: TemplateContext = {
  message: {
    $schema: '/mediawiki/revision/create/2.0.0',
    database: 'enwiki',
    page_id: 42,
    page_title: 'AC/DC Über',
    rev_minor_edit: false,
    meta: { domain: 'en.wikipedia.org', tags: ['a', 'b'] },
    empty: '',
    nothing: null,
    lang: 'EN , de',
    spaced: '  x y ',
  },
  match: { meta: { domain: { 0: 'en.wikipedia.org', 1: 'en', lang: 'en' } }, title: { 0: 'Foo_bar', 1: 'Foo' } },
  results: { fetch_revisions: { revid: 7 } },
  source: { topic: 'eqiad.mediawiki.revision-create', partition: 3, offset: 99, key: null },
  rule: 'revision_images',
};

describe('compileTemplate().render', () => {
  const cases: [string, string, string][] = [
    ['renders plain text unchanged', 'https://example.org/', 'https://example.org/'],
    ['renders a dotted path from message', '{{message.meta.domain}}', 'en.wikipedia.org'],
    ['renders several expressions with text between them', '{{message.database}}:{{message.page_id}}', 'enwiki:42'],
    ['tolerates spaces inside the braces', '{{  message.database  }}', 'enwiki'],
    ['renders named regex captures from match', '{{match.meta.domain.lang}}', 'en'],
    ['renders positional regex captures from match', '{{match.title.1}}', 'Foo'],
    ['renders array elements by index', '{{message.meta.tags.1}}', 'b'],
    ['renders bracket paths with quoted names', "{{message['$schema']}}", '/mediawiki/revision/create/2.0.0'],
    ['renders bracket paths with indices', '{{message.meta.tags[0]}}', 'a'],
    ['renders results of earlier steps', '{{results.fetch_revisions.revid}}', '7'],
    ['renders source coordinates', '{{source.topic}}/{{source.partition}}', 'eqiad.mediawiki.revision-create/3'],
    ['renders the rule name', '{{rule}}', 'revision_images'],
    ['renders false as "false"', '{{message.rev_minor_edit}}', 'false'],
    ['renders missing fields as an empty string', 'x{{message.nope.deeper}}y', 'xy'],
    ['renders null as an empty string', '{{message.nothing}}', ''],
    ['renders objects as JSON', '{{message.meta}}', '{"domain":"en.wikipedia.org","tags":["a","b"]}'],
    ['encodes with the uri filter', '/page/{{message.page_title | uri}}', '/page/AC%2FDC%20%C3%9Cber'],
    ['encodes JSON with the json filter', '{{message.page_title | json}}', '"AC/DC Über"'],
    ['lower-cases with the lower filter', '{{message.page_title | lower}}', 'ac/dc über'],
    ['upper-cases with the upper filter', '{{message.database|upper}}', 'ENWIKI'],
    ['chains filters left to right', '{{message.page_title | upper | uri}}', 'AC%2FDC%20%C3%9CBER'],
    ['uses the default for missing values', "{{message.nope | default('none')}}", 'none'],
    ['uses the default for empty strings', '{{message.empty | default("none")}}', 'none'],
    ['keeps present values over the default', "{{message.database | default('x')}}", 'enwiki'],
    ['takes the part before a separator with first', "{{message.lang | first(',')}}", 'EN '],
    ['keeps the whole text when first finds no separator', "{{message.database | first(',')}}", 'enwiki'],
    ['replaces every occurrence with replace', "{{message.page_title | replace(' ', '_')}}", 'AC/DC_Über'],
    ['trims with trim', '{{message.spaced | trim}}', 'x y'],
    ['keys a legacy Android event by its wiki language and title, whatever its language list', "{{message.lang | first(',') | trim | lower}}:{{message.page_title | replace(' ', '_') | lower}}", 'en:ac/dc_über'],
    ['leaves a lone closing brace pair as text', 'a }} b', 'a }} b'],
  ];
  for (const [name, source, expected] of cases) {
    test(name, () => assert.equal(compileTemplate(source).render(ctx), expected));
  }
});

describe('compileTemplate().evaluate', () => {
  const cases: [string, string, unknown][] = [
    ['keeps numbers for a single expression', '{{message.page_id}}', 42],
    ['keeps objects for a single expression', '{{message.meta.tags}}', ['a', 'b']],
    ['keeps booleans for a single expression', '{{message.rev_minor_edit}}', false],
    ['returns undefined for a missing single expression', '{{message.nope}}', undefined],
    ['returns the default value raw', '{{message.nope | default(5)}}', 5],
    ['returns a string when a string filter is applied', '{{message.page_id | json}}', '42'],
    ['returns a string when there is surrounding text', 'id {{message.page_id}}', 'id 42'],
    ['returns a string when the expression has surrounding spaces', ' {{message.page_id}}', ' 42'],
    ['returns constants as they are', 'plain', 'plain'],
  ];
  for (const [name, source, expected] of cases) {
    test(name, () => assert.deepEqual(compileTemplate(source).evaluate(ctx), expected));
  }
});

describe('compileTemplate rejects bad syntax with a column', () => {
  const cases: [string, string, string, number][] = [
    ['an unterminated expression', 'a {{message.x', 'unterminated "{{"', 3],
    ['an empty expression', 'x{{ }}', 'empty expression', 2],
    ['an unknown filter', '{{message.x | urlencode}}', 'unknown filter "urlencode" (expected uri, json, lower, upper, trim, default, first or replace)', 15],
    ['an unknown root', '{{event.x}}', 'unknown root "event" (expected message, match, results, source, rule)', 3],
    ['a dot without a name', '{{message.}}', 'expected a property name after ".", found "}"', 11],
    ['an operator in the path', '{{message.a + 1}}', 'expected "}}" or "|", found "+"', 13],
    ['a call-like expression', '{{message.a()}}', 'expected "}}" or "|", found "("', 12],
    ['a default without an argument', '{{message.a | default}}', 'expected "(" after default, found "}"', 22],
    ['a replace with one argument', "{{message.a | replace(' ')}}", 'expected "," (replace takes 2 arguments), found ")"', 26],
    ['an unclosed bracket', "{{message['a'}}", 'expected "]", found "}"', 14],
  ];
  for (const [name, source, reason, column] of cases) {
    test(`reports ${name}`, () => {
      assert.throws(
        () => compileTemplate(source),
        (err: unknown) => err instanceof TemplateSyntaxError && err.reason === reason && err.column === column,
      );
    });
  }
});

describe('template lookups only read own properties', () => {
  const cases: [string, string][] = [
    ['does not read __proto__', '{{message.__proto__}}'],
    ['does not read constructor', '{{message.constructor}}'],
    ['does not read constructor.prototype', '{{message.constructor.prototype}}'],
    ['does not read inherited methods', '{{message.toString}}'],
    ['does not read string properties', '{{message.database.length}}'],
  ];
  for (const [name, source] of cases) {
    test(name, () => {
      const t = compileTemplate(source);
      assert.equal(t.render(ctx), '');
      assert.equal(t.evaluate(ctx), undefined);
    });
  }

  test('reads an own __proto__ key of a parsed event', () => {
    const message = JSON.parse('{"__proto__": {"x": 1}}') as unknown;
    assert.equal(compileTemplate('{{message.__proto__.x}}').render({ message }), '1');
  });
});

describe('compileTemplate metadata', () => {
  test('marks templates without braces as constant', () => {
    assert.equal(compileTemplate('https://x/').isConstant, true);
    assert.equal(compileTemplate('{{rule}}').isConstant, false);
  });
  test('lists the roots a template reads', () => {
    assert.deepEqual([...compileTemplate('{{message.a}}{{match.b}}{{message.c}}').roots], ['message', 'match']);
  });
});

describe('templateReferences', () => {
  const cases: Array<[string, Array<[string, string[]]>]> = [
    ['no template', []],
    ['{{rule}}', [['rule', []]]],
    ["a {{match.meta.domain.lang | upper}} b {{ message['odd key'][0] | default('x') }}", [['match', ['meta', 'domain', 'lang']], ['message', ['odd key', '0']]]],
  ];
  for (const [source, expected] of cases) {
    test(`lists the paths ${JSON.stringify(source)} reads`, () => {
      assert.deepEqual(templateReferences(source).map((r) => [r.root, [...r.segments]]), expected);
    });
  }
  test('throws on a malformed template', () => assert.throws(() => templateReferences('{{nope}}'), TemplateSyntaxError));
});

describe('compileTemplateTree', () => {
  test('rebuilds objects and arrays with evaluated strings', () => {
    const tree = compileTemplateTree({
      method: 'POST',
      uri: 'https://{{message.meta.domain}}/x/{{message.page_title | uri}}',
      body: { id: '{{message.page_id}}', tags: ['{{message.meta.tags.0}}', 'fixed', 3] },
    });
    assert.equal(tree.isConstant, false);
    assert.deepEqual(tree.evaluate(ctx), {
      method: 'POST',
      uri: 'https://en.wikipedia.org/x/AC%2FDC%20%C3%9Cber',
      body: { id: 42, tags: ['a', 'fixed', 3] },
    });
  });

  test('leaves out object keys whose template reads a missing field', () => {
    assert.deepEqual(compileTemplateTree({ a: '{{message.nope}}', b: 1 }).evaluate(ctx), { b: 1 });
  });

  test('returns constant trees as they are', () => {
    const options = { a: [1, 'two', { three: null }] };
    const tree = compileTemplateTree(options);
    assert.equal(tree.isConstant, true);
    assert.equal(tree.evaluate(ctx), options);
  });

  test('reports the path of a bad template inside the tree', () => {
    assert.throws(
      () => compileTemplateTree({ headers: [{ x: 'ok' }, { y: '{{message.a | nope}}' }] }),
      (err: unknown) => err instanceof TemplateSyntaxError && JSON.stringify(err.path) === '["headers",1,"y"]' && err.column === 15,
    );
  });
});
