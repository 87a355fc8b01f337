// Tests for what the engine runs per rule: normalizeRule defaults and step names, the ordering key with
// its Kafka-key fallback, the retry backoff formula, and a loaded rule matching and templating an event.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileRule, renderOrderingKey } from '../../../lib/rules/compile.ts';
import { loadRules } from '../../../lib/rules/load.ts';
import { normalizeRule, stepNames } from '../../../lib/rules/schema.ts';
import { compileTemplate } from '../../../lib/rules/template.ts';
import { testHandlers } from './test-handlers.ts';

describe('stepNames', () => {
  const cases: [string, string[], string[]][] = [
    ['keeps unique handler names', ['a', 'b'], ['a', 'b']],
    ['suffixes repeats with #2, #3', ['http', 'log', 'http', 'http'], ['http', 'log', 'http#2', 'http#3']],
  ];
  for (const [name, input, expected] of cases) test(name, () => assert.deepEqual(stepNames(input), expected));
});

describe('normalizeRule', () => {
  test('treats a step without options as empty options', () => {
    const r = normalizeRule({ name: 'r', topics: ['t'], steps: [{ log: null }] });
    assert.deepEqual(r.steps, [{ handler: 'log', name: 'log', options: {} }]);
    assert.equal('source' in r, false);
  });
});

describe('renderOrderingKey', () => {
  const key = compileTemplate('{{message.database}}:{{message.page_id}}');
  const cases: [string, Record<string, unknown>, string | null][] = [
    ['renders database and page id', { database: 'enwiki', page_id: 5 }, 'enwiki:5'],
    ['keeps a partial key', { database: 'enwiki' }, 'enwiki:'],
    ['returns null when only separators remain', { meta: {} }, null],
  ];
  for (const [name, message, expected] of cases) test(name, () => assert.equal(renderOrderingKey(key, { message }), expected));

  test('returns null for a template that renders empty', () => {
    assert.equal(renderOrderingKey(compileTemplate('{{message.x}}'), { message: {} }), null);
  });
});

describe('compileRule on a loaded rule', () => {
  const { rules } = loadRules(['test/fixtures/rules/valid/10-images.yaml'], testHandlers);
  const compiled = compileRule(rules[0]!);
  const event = {
    database: 'enwiki',
    page_id: 12,
    page_namespace: 0,
    page_title: 'Main Page',
    rev_content_model: 'wikitext',
    rev_content_changed: true,
    meta: { domain: 'en.wikipedia.org' },
    performer: { user_groups: ['*', 'sysop'] },
  };

  test('matches an event and exposes the captures', () => {
    const result = compiled.matcher.test(event);
    assert.deepEqual(result, { matched: true, captures: { meta: { domain: { 0: 'en.wikipedia.org', 1: 'en', lang: 'en' } } } });
  });

  test('skips an event that match_not excludes', () => {
    assert.equal(compiled.matcher.test({ ...event, rev_content_changed: false }).matched, false);
  });

  test('renders step options with message and captures', () => {
    const result = compiled.matcher.test(event);
    assert.ok(result.matched);
    const ctx = { message: event, match: result.captures, results: {}, rule: compiled.rule.name };
    assert.deepEqual(compiled.steps[1]!.options.evaluate(ctx), {
      method: 'POST',
      uri: 'https://en.wikipedia.org/api/rest_v1/page/html/Main%20Page',
      timeout_ms: 10000,
    });
    assert.deepEqual(compiled.steps[2]!.options.evaluate(ctx), { method: 'GET', uri: 'https://en.wikipedia.org/', timeout_ms: 10000 });
    assert.equal(compiled.orderingKey(ctx), 'enwiki:12');
  });
});
