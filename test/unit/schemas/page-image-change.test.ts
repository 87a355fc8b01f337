// The derived stream's schema follows Wikimedia's event schema conventions, so it can be registered there: draft-07,
// a versioned $id that matches its path, the common fragment (`$schema`, `meta` with `stream`, required `dt`), and
// embedded examples that validate.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { schemaBody, schemaVersions, schemasAvailable, schemasMissing } from '../../helpers/wikimedia-schemas.ts';

const PATH = 'schemas/imagematching/page_image_change/2.0.0.json';
interface JsonSchema {
  $schema: string;
  $id: string;
  title: string;
  required: string[];
  additionalProperties: boolean;
  properties: Record<string, { required?: string[] }>;
  examples: Array<Record<string, unknown>>;
}
const schema = JSON.parse(readFileSync(new URL(`../../../${PATH}`, import.meta.url), 'utf8')) as JsonSchema;

describe('imagematching/page_image_change 2.0.0', () => {
  test('is draft-07 with a versioned $id matching its path and title', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft-07/schema#');
    assert.equal(schema.$id, '/imagematching/page_image_change/2.0.0');
    assert.equal(`/${PATH.replace(/^schemas\//, '').replace(/\.json$/, '')}`, schema.$id);
    assert.equal(schema.title, 'imagematching/page_image_change');
  });

  test('requires the common fragment: $schema, dt and meta.stream', () => {
    for (const field of ['$schema', 'dt', 'meta']) assert.ok(schema.required.includes(field), field);
    assert.deepEqual(schema.properties.meta!.required, ['stream']);
    assert.equal(schema.additionalProperties, false);
  });

  test('its meta is the common meta fragment of the real schemas', (t) => {
    const real = schemaVersions('primary/mediawiki/revision/create').find((v) => v.version === '2.0.0');
    if (!schemasAvailable || !real) return t.skip(schemasMissing);
    const realMeta = (real.schema.properties as Record<string, unknown>).meta;
    assert.deepEqual(schema.properties.meta, realMeta);
  });

  test('its embedded examples validate, and an event without dt does not', () => {
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema as unknown as Record<string, unknown>));
    assert.ok(schema.examples.length >= 2);
    for (const example of schema.examples) assert.ok(validate(example), JSON.stringify(validate.errors));
    const { dt: _dt, ...withoutDt } = schema.examples[0]!;
    assert.equal(validate(withoutDt), false);
  });
});
