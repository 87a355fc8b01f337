import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { handlers } from '../../../lib/handlers/registry.ts';
import { handlerReference, handlerSection, withReference } from '../../../lib/handlers/reference.ts';
import { validateRuleSources } from '../../../lib/rules/validate.ts';
import { RuleSchema, RetrySchema } from '../../../lib/rules/schema.ts';

const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');

test('docs/rules.md documents every rule key and retry setting', () => {
  for (const key of Object.keys(RuleSchema.properties).filter((k) => k !== 'retry')) assert.ok(doc.includes(`| \`${key}\``), `rule key ${key} is not documented`);
  for (const key of Object.keys(RetrySchema.properties)) assert.ok(doc.includes(`\`retry.${key}\``), `retry.${key} is not documented`);
});

test("docs/rules.md's handler reference is the one the handlers' specs give (run `npm run docs:rules`)", () => {
  assert.equal(withReference(doc, handlerReference(handlers.values())), doc);
});

test('the reference shows every option of every handler', () => {
  for (const [name, handler] of handlers) {
    const section = handlerSection(handler);
    for (const option of Object.keys((handler.options as { properties?: object }).properties ?? {})) assert.ok(section.includes(`| \`${option}\``), `${name}.${option}`);
  }
});

test("every handler has an example, and every example is a valid step of a rule", () => {
  for (const [name, handler] of handlers) {
    assert.ok(handler.examples.length > 0, `${name} has no example`);
    for (const example of handler.examples) {
      const text = yaml.dump({ rules: [{ name: 'example', topics: ['t'], steps: [{ [name]: example.options }] }] });
      const { problems } = validateRuleSources([{ file: `${name}-example.yaml`, text }], handlers);
      assert.deepEqual(problems, [], `${name}: ${example.summary}`);
    }
  }
});
