// The real Wikimedia event schemas and their embedded examples, read in place from the shared reference folder
// (WIKIMEDIA_SCHEMAS_DIR, default ../shared/reference/wikimedia-schemas); never copied into the project.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export const SCHEMAS_DIR = process.env.WIKIMEDIA_SCHEMAS_DIR ?? join(REPO, '..', 'shared', 'reference', 'wikimedia-schemas');
export const schemasAvailable = existsSync(SCHEMAS_DIR);
export const schemasMissing = `Wikimedia schemas not found at ${SCHEMAS_DIR} (set WIKIMEDIA_SCHEMAS_DIR to run these tests)`;

export interface SchemaVersion {
  /** e.g. `secondary/mediawiki/page/image-suggestions-feedback` */
  name: string;
  version: string;
  schema: Record<string, unknown>;
  examples: Array<Record<string, unknown>>;
}

const SEMVER_FILE = /^(\d+\.\d+\.\d+)\.yaml$/;

/** Every version of a schema (its `current.yaml` is one of them), oldest first; [] when the folder is absent. */
export function schemaVersions(name: string): SchemaVersion[] {
  const dir = join(SCHEMAS_DIR, name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => SEMVER_FILE.exec(f)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((version) => {
      const schema = yaml.load(readFileSync(join(dir, `${version}.yaml`), 'utf8')) as Record<string, unknown>;
      const examples = Array.isArray(schema.examples) ? (schema.examples as Array<Record<string, unknown>>) : [];
      return { name, version, schema, examples };
    });
}

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

/**
 * A schema ready for Ajv: without `$id` (versions share a title, not an id Ajv should cache), `$schema` (Ajv knows
 * draft-07 as http://, Wikimedia writes https://) and `examples`.
 */
export function schemaBody(schema: Record<string, unknown>): Record<string, unknown> {
  const { $id: _id, $schema: _meta, examples: _examples, ...body } = schema;
  return body;
}

/** A validator for one schema version (formats are not checked: the schemas use date-time and uri-reference). */
export function validatorFor(version: SchemaVersion): ValidateFunction {
  return ajv.compile(schemaBody(version.schema));
}
