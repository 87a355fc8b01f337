// The query string of an admin GET route: only the names the route takes, each at most once. A misspelt filter
// (`?staus=rejected`) would otherwise be ignored and answer as if there were none, so it is a 400 that names it.
import { suggest } from '../suggest.ts';

/** A 400 whose message the admin API's error handler shows the client (status + expose). */
export class QueryParameterError extends Error {
  readonly status = 400;
  readonly expose = true;
}

/** `staus (did you mean status?)` */
function named(name: string, allowed: readonly string[]): string {
  const guess = suggest(name, allowed);
  return guess === undefined ? name : `${name} (did you mean ${guess}?)`;
}

/** The route's parameters by name; throws a QueryParameterError naming every unknown one, or one given twice. */
export function queryParameters(query: unknown, allowed: readonly string[]): Record<string, string | undefined> {
  const entries = Object.entries((query ?? {}) as Record<string, unknown>);
  const unknown = entries.map(([name]) => name).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    const takes = allowed.length === 0 ? 'this route takes none' : `only ${allowed.join(', ')}`;
    throw new QueryParameterError(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => named(n, allowed)).join(', ')}: ${takes}`);
  }
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw new QueryParameterError(`${name} must be given once`);
    out[name] = value;
  }
  return out;
}
