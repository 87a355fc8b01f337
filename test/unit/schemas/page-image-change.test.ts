// The derived stream's schema follows Wikimedia's event schema conventions, so it can be registered there: draft-07,
// a versioned $id that matches its path, the common fragment (`$schema`, `meta` with `stream`, required `dt`), and
// embedded examples that validate. A minor version only adds optional fields to the one before it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { schemaBody, schemaVersions, schemasAvailable, schemasMissing } from '../../helpers/wikimedia-schemas.ts';

interface JsonSchema {
  $schema: string;
  $id: string;
  title: string;
  required: string[];
  additionalProperties: boolean;
  properties: Record<string, { required?: string[] }>;
  examples: Array<Record<string, unknown>>;
}
const pathOf = (version: string) => `schemas/imagematching/page_image_change/${version}.json`;
const read = (version: string) => JSON.parse(readFileSync(new URL(`../../../${pathOf(version)}`, import.meta.url), 'utf8')) as JsonSchema;

for (const version of ['2.0.0', '2.1.0']) {
  const PATH = pathOf(version);
  const schema = read(version);

  describe(`imagematching/page_image_change ${version}`, () => {
    test('is draft-07 with a versioned $id matching its path and title', () => {
      assert.equal(schema.$schema, 'https://json-schema.org/draft-07/schema#');
      assert.equal(schema.$id, `/imagematching/page_image_change/${version}`);
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

    test('its embedded examples validate and name this version, and an event without dt does not validate', () => {
      const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema as unknown as Record<string, unknown>));
      assert.ok(schema.examples.length >= 2);
      for (const example of schema.examples) {
        assert.ok(validate(example), JSON.stringify(validate.errors));
        assert.equal(example.$schema, schema.$id);
      }
      const { dt: _dt, ...withoutDt } = schema.examples[0]!;
      assert.equal(validate(withoutDt), false);
    });
  });
}

test('2.1.0 is 2.0.0 with optional fields added: the same required fields, the old properties unchanged, 2.0.0 events valid', () => {
  const [old, next] = [read('2.0.0'), read('2.1.0')];
  assert.deepEqual(next.required, old.required);
  for (const [name, property] of Object.entries(old.properties)) assert.deepEqual(next.properties[name], property, name);
  assert.deepEqual(Object.keys(next.properties).filter((name) => !(name in old.properties)), ['illustrated', 'illustration_source', 'counted_images', 'illustration_rule']);
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(next as unknown as Record<string, unknown>));
  for (const example of old.examples) assert.ok(validate({ ...example, $schema: next.$id }), JSON.stringify(validate.errors));
});
