// The rules reference of every step, written from the handlers' own specs (description, details, option schemas,
// examples), so docs/rules.md cannot drift from what validation accepts. `npm run docs:rules` writes it in place.
import yaml from 'js-yaml';
import type { TSchema } from '@sinclair/typebox';
import type { HandlerDefinition } from './types.ts';

/** Where the generated sections sit in docs/rules.md. */
export const REFERENCE_BEGIN = '<!-- handler reference: generated from lib/handlers by `npm run docs:rules`; edit the specs, not this -->';
export const REFERENCE_END = '<!-- end of handler reference -->';

type Schema = TSchema & Record<string, unknown>;

const code = (value: unknown) => `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

/** How an option's type reads in the table: its annotated kind, its literal choices, or its JSON type. */
function typeOf(schema: Schema): string {
  if (typeof schema['x-kind'] === 'string') return schema['x-kind'];
  const choices = (schema.anyOf as Schema[] | undefined) ?? [];
  if (choices.length > 0 && choices.every((c) => 'const' in c)) return choices.map((c) => code(c.const)).join(' ');
  if (schema.type === 'array') return `list of ${typeOf(schema.items as Schema)}s`;
  if (schema.type === 'object') return 'mapping';
  if (schema.type === undefined) return 'any';
  return String(schema.type);
}

function defaultOf(schema: Schema, required: boolean): string {
  if (typeof schema['x-default'] === 'string') return schema['x-default'];
  if ('default' in schema) return code(schema.default);
  return required ? 'required' : 'none';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown of one handler: title, description, details, its options table and its examples. */
export function handlerSection(handler: HandlerDefinition): string {
  const options = handler.options as Schema;
  const properties = (options.properties ?? {}) as Record<string, Schema>;
  const required = new Set((options.required as string[] | undefined) ?? []);
  const out = [`#### \`${handler.name}\``, handler.description];
  if (handler.details) out.push('', handler.details.trim());
  const names = Object.keys(properties);
  if (names.length === 0) out.push('', 'No options.');
  else {
    out.push('', '| option | type | default | meaning |', '|---|---|---|---|');
    for (const name of names) {
      const schema = properties[name]!;
      const isRequired = required.has(name) && !('default' in schema);
      out.push(`| \`${name}\` | ${cell(typeOf(schema))} | ${cell(defaultOf(schema, isRequired))} | ${cell(String(schema.description ?? ''))} |`);
    }
  }
  for (const example of handler.examples) {
    const step = yaml.dump([{ [handler.name]: example.options }], { lineWidth: 110, flowLevel: -1, noRefs: true }).trimEnd();
    out.push('', `${example.summary}:`, '', '```yaml', step, '```');
  }
  return out.join('\n');
}

/** Every handler's section, in registry order. */
export function handlerReference(handlers: Iterable<HandlerDefinition>): string {
  return [...handlers].map(handlerSection).join('\n\n');
}

/** `doc` with the text between the reference markers replaced by `reference`; throws when the markers are missing. */
export function withReference(doc: string, reference: string): string {
  const begin = doc.indexOf(REFERENCE_BEGIN);
  const end = doc.indexOf(REFERENCE_END);
  if (begin < 0 || end < begin) throw new Error('docs/rules.md has no handler reference markers');
  return `${doc.slice(0, begin + REFERENCE_BEGIN.length)}\n\n${reference}\n\n${doc.slice(end)}`;
}
