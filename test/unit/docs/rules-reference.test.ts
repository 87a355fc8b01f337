import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { handlers } from '../../../lib/handlers/registry.ts';
import { RuleSchema, RetrySchema } from '../../../lib/rules/schema.ts';

const doc = readFileSync(new URL('../../../docs/rules.md', import.meta.url), 'utf8');

test('docs/rules.md documents every rule key and retry setting', () => {
  for (const key of Object.keys(RuleSchema.properties).filter((k) => k !== 'retry')) assert.ok(doc.includes(`| \`${key}\``), `rule key ${key} is not documented`);
  for (const key of Object.keys(RetrySchema.properties)) assert.ok(doc.includes(`\`retry.${key}\``), `retry.${key} is not documented`);
});

test('docs/rules.md documents every handler and each of its options', () => {
  for (const [name, handler] of handlers) {
    const section = doc.indexOf(`#### \`${name}\``);
    assert.ok(section >= 0, `handler ${name} has no section`);
    const next = doc.indexOf('#### ', section + 5);
    const text = doc.slice(section, next < 0 ? undefined : next);
    const props = (handler.options as { properties?: Record<string, unknown> }).properties ?? {};
    for (const option of Object.keys(props)) assert.ok(text.includes(`| \`${option}\``), `option ${name}.${option} is not documented`);
  }
});
