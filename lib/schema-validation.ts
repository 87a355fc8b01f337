// Schema validation for the whole project (one Ajv per set of options, shared), and the translation of Ajv errors
// into `setting.path: reason`. Config, rules and handler options all compile here, so they validate alike.
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { didYouMean } from './suggest.ts';

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
      // With Ajv's `verbose`, the object's schema is at hand and names the keys it knows.
      const known = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: join(key), reason: `unknown key "${key}"${didYouMean(key, known)}`, segments: [...baseSegments, key] };
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

/**
 * Every error, one a problem: the alternatives of one anyOf/oneOf become one reason (`must be one of "a", "b"`,
 * `must be string or number`), and a reason said twice at one path is said once.
 */
export function describeErrors(errors: readonly ErrorObject[]): DescribedError[] {
  const unions = new Set(errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf').map((e) => e.instancePath));
  const out = new Map<string, DescribedError>();
  const add = (d: DescribedError) => {
    const line = `${d.path}: ${d.reason}`;
    if (!out.has(line)) out.set(line, d);
  };
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') continue;
    if (!unions.has(e.instancePath) || (e.keyword !== 'const' && e.keyword !== 'type')) {
      add(describeError(e));
      continue;
    }
    const alike = errors.filter((o) => o.instancePath === e.instancePath && o.keyword === e.keyword);
    if (e.keyword === 'const') add(describeFirstError(errors.filter((o) => o.instancePath === e.instancePath)));
    else add({ ...describeError(e), reason: `must be ${[...new Set(alike.map((o) => String((o.params as { type: string }).type)))].join(' or ')}` });
  }
  return out.size > 0 ? [...out.values()] : [describeFirstError(errors)];
}
