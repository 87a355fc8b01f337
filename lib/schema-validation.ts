// Schema validation for the whole project (one Ajv per set of options, shared), and the translation of Ajv errors
// into `setting.path: reason`. Config, rules and handler options all compile here, so they validate alike.
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

const instances = new Map<string, Ajv>();

function ajvFor(options: Options): Ajv {
  const key = JSON.stringify(options);
  let ajv = instances.get(key);
  if (!ajv) {
    ajv = new Ajv({ allErrors: true, strict: false, ...options });
    instances.set(key, ajv);
  }
  return ajv;
}

export function compileSchema(schema: TSchema, options: Options = {}): ValidateFunction {
  return ajvFor(options).compile(schema);
}

/** Dotted path (`kafka.consumer`, `rules.paths[0]`) from an Ajv JSON-pointer instance path. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .split('/')
    .slice(1)
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

export interface DescribedError {
  path: string;
  reason: string;
  /** Path segments (keys and indices) of the offending node, for position look-ups. */
  segments: Array<string | number>;
}

export function describeError(error: ErrorObject): DescribedError {
  const base = pointerToPath(error.instancePath);
  const baseSegments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
  const join = (key: string) => (base ? `${base}.${key}` : key);
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      return { path: join(key), reason: `unknown key "${key}"`, segments: [...baseSegments, key] };
    }
    case 'required': {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      return { path: join(key), reason: 'required setting is missing', segments: baseSegments };
    }
    case 'enum':
    case 'const':
      return { path: base, reason: `${error.message ?? 'invalid value'}`, segments: baseSegments };
    default:
      return { path: base, reason: error.message ?? 'invalid value', segments: baseSegments };
  }
}

/** Pick the most useful error: anyOf/oneOf wrappers are less helpful than the concrete errors they wrap. */
export function describeFirstError(errors: readonly ErrorObject[]): DescribedError {
  const concrete = errors.find((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf') ?? errors[0];
  if (!concrete) return { path: '', reason: 'invalid', segments: [] };
  const described = describeError(concrete);
  if (concrete.keyword === 'const' && errors.some((e) => e.keyword === 'anyOf' && e.instancePath === concrete.instancePath)) {
    const allowed = errors
      .filter((e) => e.keyword === 'const' && e.instancePath === concrete.instancePath)
      .map((e) => JSON.stringify((e.params as { allowedValue: unknown }).allowedValue));
    return { ...described, reason: `must be one of ${allowed.join(', ')}` };
  }
  return described;
}
