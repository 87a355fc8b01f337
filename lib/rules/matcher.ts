// Compiles a rule's `match` / `match_not` patterns into a fast predicate over events, recording regex
// captures at the same paths as in `match` (so templates can read `{{match.meta.domain.lang}}`).

export type Captures = Record<string, unknown>;

export type MatchResult = { readonly matched: false } | { readonly matched: true; readonly captures: Captures };

export interface PatternProblem {
  /** Path from the rule: `['match', 'meta', 'domain']` or `['match_not', 1, 'meta', 'domain']`. */
  path: (string | number)[];
  reason: string;
}

/** Thrown by compileMatcher with every problem found (not just the first). */
export class MatchPatternError extends Error {
  constructor(readonly problems: PatternProblem[]) {
    super(problems.map((p) => `${p.path.join('.')}: ${p.reason}`).join('; '));
    this.name = 'MatchPatternError';
  }
}

/** Matched without captures (`true`), with captures (an object), or not matched (`false`). */
export type NodeResult = boolean | Captures;
type NodeTest = (value: unknown) => NodeResult;

/**
 * One compiled pattern: `test` is what matching runs; the rest describes the pattern, so explain-match.ts can say
 * why a value failed by asking the same `test` functions (never by matching again on its own).
 */
export type PatternNode =
  | { readonly kind: 'scalar'; readonly path: PatternPath; readonly value: string | number | boolean | null; readonly test: NodeTest }
  | { readonly kind: 'regex'; readonly path: PatternPath; readonly source: string; readonly test: NodeTest }
  | { readonly kind: 'any_of'; readonly path: PatternPath; readonly alternatives: readonly PatternNode[]; readonly test: NodeTest }
  | { readonly kind: 'mapping'; readonly path: PatternPath; readonly keys: readonly string[]; readonly children: readonly PatternNode[]; readonly test: NodeTest }
  | { readonly kind: 'invalid'; readonly path: PatternPath; readonly test: NodeTest };

/** Where a pattern sits in the rule: `['match', 'meta', 'domain']`, `['match', 1, 'page_namespace']`, `['match_not', 0]`. */
export type PatternPath = readonly (string | number)[];

/** The compiled `match` (undefined: every event) and `match_not` entries a Matcher tests. */
export interface CompiledPatterns {
  readonly match: PatternNode | undefined;
  /** True when `match` is a list of mappings: `match` is then an any_of whose alternatives are those mappings. */
  readonly matchIsList: boolean;
  readonly matchNot: readonly PatternNode[];
}

export interface Matcher {
  test(event: unknown): MatchResult;
  /** The pattern tree `test` runs (for explanations). */
  readonly patterns: CompiledPatterns;
}

const NO_MATCH: MatchResult = Object.freeze({ matched: false });
const REGEX_FORM = /^\/(.+)\/([A-Za-z]*)$/s;
const VALID_FLAGS = 'gimsuy';

/**
 * Parses `/body/flags` into a RegExp; returns null for strings that are not in regex form.
 * The body runs to the LAST slash, so `\/` and bare `/` inside the body both work. Flags come from
 * `gimsuy`; `g` is dropped (matching is stateless). Throws an Error whose message is the full reason.
 */
export function parseRegexPattern(s: string): RegExp | null {
  const m = REGEX_FORM.exec(s);
  if (!m) return null;
  const body = m[1]!;
  const flags = m[2]!;
  const fail = (why: string): never => {
    throw new Error(`invalid regular expression ${s}: ${why}`);
  };
  for (let i = 0; i < flags.length; i++) {
    const f = flags.charAt(i);
    if (!VALID_FLAGS.includes(f)) fail(`unknown flag "${f}" (allowed: ${VALID_FLAGS})`);
    if (flags.indexOf(f) !== i) fail(`duplicate flag "${f}"`);
  }
  try {
    return new RegExp(body, flags.replace('g', ''));
  } catch (err) {
    // V8: "Invalid regular expression: /(a/: Unterminated group" → keep the part after the pattern.
    const msg = err instanceof Error ? err.message : String(err);
    const idx = msg.lastIndexOf(': ');
    return fail(idx === -1 ? msg : msg.slice(idx + 2));
  }
}

function setOwn(target: Captures, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function regexTest(re: RegExp): NodeTest {
  const one = (v: unknown): NodeResult => {
    if (typeof v !== 'string' && typeof v !== 'number') return false;
    re.lastIndex = 0;
    const m = re.exec(typeof v === 'string' ? v : String(v));
    if (m === null) return false;
    const caps: Captures = {};
    for (let i = 0; i < m.length; i++) caps[String(i)] = m[i];
    if (m.groups) for (const name of Object.keys(m.groups)) setOwn(caps, name, m.groups[name]);
    return caps;
  };
  return (v) => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = one(v[i]);
        if (r !== false) return r;
      }
      return false;
    }
    return one(v);
  };
}

function scalarTest(p: string | number | boolean | null): NodeTest {
  return (v) => {
    if (v === p) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (v[i] === p) return true;
    }
    return false;
  };
}

function anyOfTest(alternatives: readonly NodeTest[]): NodeTest {
  return (v) => {
    for (let i = 0; i < alternatives.length; i++) {
      const r = alternatives[i]!(v);
      if (r !== false) return r;
    }
    return false;
  };
}

function mappingTest(keys: readonly string[], tests: readonly NodeTest[]): NodeTest {
  return (v) => {
    if (v === null || typeof v !== 'object') return false;
    let caps: Captures | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      // Missing fields never match, whatever the pattern (even `null`).
      if (!Object.hasOwn(v, k)) return false;
      const r = tests[i]!((v as Record<string, unknown>)[k]);
      if (r === false) return false;
      if (r !== true) setOwn((caps ??= {}), k, r);
    }
    return caps ?? true;
  };
}

const never: NodeTest = () => false;

function anyOfNode(path: PatternPath, alternatives: PatternNode[]): PatternNode {
  return { kind: 'any_of', path, alternatives, test: anyOfTest(alternatives.map((a) => a.test)) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function compilePattern(p: unknown, path: (string | number)[], problems: PatternProblem[]): PatternNode {
  if (typeof p === 'string') {
    try {
      const re = parseRegexPattern(p);
      if (re) return { kind: 'regex', path, source: p, test: regexTest(re) };
    } catch (err) {
      problems.push({ path, reason: (err as Error).message });
      return { kind: 'invalid', path, test: never };
    }
    return { kind: 'scalar', path, value: p, test: scalarTest(p) };
  }
  if (typeof p === 'number' || typeof p === 'boolean' || p === null) return { kind: 'scalar', path, value: p, test: scalarTest(p) };
  if (Array.isArray(p)) return anyOfNode(path, p.map((alt, i) => compilePattern(alt, [...path, i], problems)));
  if (isPlainObject(p)) {
    const keys = Object.keys(p);
    const children = keys.map((k) => compilePattern(p[k], [...path, k], problems));
    return { kind: 'mapping', path, keys, children, test: mappingTest(keys, children.map((c) => c.test)) };
  }
  problems.push({ path, reason: `unsupported pattern value (${typeof p})` });
  return { kind: 'invalid', path, test: never };
}

/**
 * Compiles `match` (a mapping; a list of mappings, any of which must match; or undefined/null to match every event)
 * and `match_not` (a mapping or a list of mappings; the event is rejected if ANY matches). Semantics, per key of a mapping:
 * - scalar pattern: strict equality (`0` ≠ `'0'`, `null` matches only an explicit null);
 * - `/body/flags` string: regex tested on string and number values; captures are recorded at the same
 *   path as an object with keys `0`, `1`, ... and the named groups;
 * - mapping: recurse (the event value must be a non-null object);
 * - list: any-of; the first matching alternative's captures win;
 * - if the event value is an array and the pattern a scalar or regex, any element may match;
 * - a missing field never matches (not even `null`).
 * Throws MatchPatternError listing every bad regex / bad shape.
 */
export function compileMatcher(match: unknown, matchNot?: unknown): Matcher {
  const problems: PatternProblem[] = [];
  let matchNode: PatternNode | undefined;
  let matchIsList = false;
  if (match !== undefined && match !== null) {
    if (isPlainObject(match)) matchNode = compilePattern(match, ['match'], problems);
    else if (Array.isArray(match) && match.length > 0) {
      // A list of mappings: the event matches when any of them does (the first one's captures are kept).
      const alternatives: PatternNode[] = [];
      match.forEach((alt, i) => {
        if (isPlainObject(alt)) alternatives.push(compilePattern(alt, ['match', i], problems));
        else problems.push({ path: ['match', i], reason: 'must be a mapping' });
      });
      matchNode = anyOfNode(['match'], alternatives);
      matchIsList = true;
    } else problems.push({ path: ['match'], reason: 'must be a mapping or a non-empty list of mappings' });
  }
  const notNodes: PatternNode[] = [];
  if (matchNot !== undefined && matchNot !== null) {
    if (isPlainObject(matchNot)) notNodes.push(compilePattern(matchNot, ['match_not'], problems));
    else if (Array.isArray(matchNot)) {
      matchNot.forEach((alt, i) => {
        if (isPlainObject(alt)) notNodes.push(compilePattern(alt, ['match_not', i], problems));
        else problems.push({ path: ['match_not', i], reason: 'must be a mapping' });
      });
    } else problems.push({ path: ['match_not'], reason: 'must be a mapping or a list of mappings' });
  }
  if (problems.length > 0) throw new MatchPatternError(problems);

  const matchTest = matchNode?.test;
  const notTests = notNodes.map((n) => n.test);
  return {
    patterns: { match: matchNode, matchIsList, matchNot: notNodes },
    test(event: unknown): MatchResult {
      let captures: Captures | undefined;
      if (matchTest) {
        const r = matchTest(event);
        if (r === false) return NO_MATCH;
        if (r !== true) captures = r;
      }
      for (let i = 0; i < notTests.length; i++) if (notTests[i]!(event) !== false) return NO_MATCH;
      return { matched: true, captures: captures ?? {} };
    },
  };
}
