// Environment interpolation for configuration strings: `${VAR}`, `${VAR:-default}` and `$$` for a literal `$`.
// Defaults may contain balanced braces, so `${MEDIAWIKI_API_URL:-https://{domain}/w/api.php}` works.
import { ConfigError } from '../errors.ts';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Interpolate one string. `setting` names the config path for error messages; `unsetIsEmpty` reads an unset `${VAR}` as empty. */
export function interpolateString(text: string, env: Environment, setting: string, unsetIsEmpty = false): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '$' && text[i + 1] === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (ch !== '$' || text[i + 1] !== '{') {
      out += ch;
      i += 1;
      continue;
    }
    const end = findClosingBrace(text, i + 2);
    if (end < 0) throw new ConfigError(setting, `unterminated "\${" in ${JSON.stringify(text)}`);
    const body = text.slice(i + 2, end);
    const sep = body.indexOf(':-');
    const name = sep >= 0 ? body.slice(0, sep) : body;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new ConfigError(setting, `invalid environment variable name ${JSON.stringify(name)}`);
    }
    const value = env[name];
    if (value !== undefined && value !== '') out += value;
    else if (sep >= 0) out += body.slice(sep + 2);
    else if (unsetIsEmpty) out += '';
    else throw new ConfigError(setting, `environment variable ${name} is not set`);
    i = end + 1;
  }
  return out;
}

function findClosingBrace(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/**
 * Interpolate every string inside a parsed YAML tree; returns a new tree. With `problems`, a string that cannot be
 * interpolated is kept as written and its error collected there (so every one is reported), instead of thrown.
 * Under the top-level `unusedSections` (those a command never reads, e.g. `database` for `redrive`) an unset `${VAR}`
 * is empty instead of an error.
 */
export function interpolateTree(
  value: unknown,
  env: Environment,
  path = '',
  problems?: ConfigError[],
  unusedSections: readonly string[] = [],
): unknown {
  const lenient = unusedSections.includes(path.split(/[.[]/)[0]!);
  if (typeof value === 'string') {
    try {
      return interpolateString(value, env, path, lenient);
    } catch (err) {
      if (!problems || !(err instanceof ConfigError)) throw err;
      problems.push(err);
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateTree(item, env, `${path}[${i}]`, problems, unusedSections));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = interpolateTree(item, env, path ? `${path}.${key}` : key, problems, unusedSections);
    }
    return out;
  }
  return value;
}
