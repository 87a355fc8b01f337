// What a rule's `match` captures, and the template references to captures it never makes: `{{match.comment.fiel}}`
// against `comment: '/(?<field>...)/'` would render empty for every event, so validation says so instead.
import { parseRegexPattern } from './matcher.ts';
import { templateReferences, TemplateSyntaxError } from './template.ts';
import { didYouMean } from '../suggest.ts';

/**
 * The shape of the captures: a regex gives its groups (`0`, `1`, … and the named ones); a mapping the fields below it
 * that capture anything; `open` where alternatives disagree (a regex in one, a mapping in another), which is not checked.
 */
export type CaptureTree = { kind: 'groups'; names: ReadonlySet<string> } | { kind: 'fields'; fields: ReadonlyMap<string, CaptureTree> } | { kind: 'open' };

const NOTHING: CaptureTree = { kind: 'fields', fields: new Map() };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Positional and named groups of a regex: an empty match of `re|` fills every group with undefined. */
function groupNames(re: RegExp): Set<string> {
  const m = new RegExp(`${re.source}|`, re.flags).exec('')!;
  return new Set([...m.keys()].map(String).concat(Object.keys(m.groups ?? {})));
}

function merge(a: CaptureTree | undefined, b: CaptureTree | undefined): CaptureTree | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (a.kind === 'groups' && b.kind === 'groups') return { kind: 'groups', names: new Set([...a.names, ...b.names]) };
  if (a.kind === 'fields' && b.kind === 'fields') {
    const fields = new Map(a.fields);
    for (const [k, v] of b.fields) fields.set(k, merge(fields.get(k), v)!);
    return { kind: 'fields', fields };
  }
  return { kind: 'open' };
}

/** The captures of one pattern; undefined when it captures nothing (scalars). */
function patternTree(p: unknown): CaptureTree | undefined {
  if (typeof p === 'string') {
    try {
      const re = parseRegexPattern(p);
      return re ? { kind: 'groups', names: groupNames(re) } : undefined;
    } catch {
      return { kind: 'open' }; // a bad regex is reported by the matcher
    }
  }
  if (Array.isArray(p)) return p.map(patternTree).reduce(merge, undefined);
  if (isPlainObject(p)) {
    const fields = new Map<string, CaptureTree>();
    for (const [k, v] of Object.entries(p)) {
      const t = patternTree(v);
      if (t !== undefined) fields.set(k, t);
    }
    return fields.size > 0 ? { kind: 'fields', fields } : undefined;
  }
  return undefined;
}

/** What a rule's `match` (a mapping, a list of mappings any of which counts, or none) captures. */
export function captureTree(match: unknown): CaptureTree {
  const alternatives = Array.isArray(match) ? match : [match];
  return alternatives.map(patternTree).reduce(merge, undefined) ?? NOTHING;
}

/** Why `match.<segments>` is never captured, or undefined when some event may give it a value. */
export function missingCapture(tree: CaptureTree, segments: readonly string[]): string | undefined {
  let node = tree;
  const at = ['match'];
  const reads = ['match', ...segments].join('.');
  for (const seg of segments) {
    if (node.kind === 'open') return undefined;
    if (node.kind === 'groups') {
      if (node.names.has(seg)) return undefined; // deeper segments read the captured string
      const names = [...node.names];
      // A group number is no typo of another number.
      const hint = /^\d+$/.test(seg) ? '' : didYouMean(seg, names.filter((n) => !/^\d+$/.test(n)));
      return `template reads ${reads}, but the regex at ${at.join('.')} has no group "${seg}" (its groups: ${names.join(', ')})${hint}`;
    }
    const child = node.fields.get(seg);
    if (child === undefined) {
      const known = [...node.fields.keys()];
      const captured = known.length > 0 ? `; it captures ${known.map((k) => [...at, k].join('.')).join(', ')}` : at.length === 1 ? "; the rule's match has none" : '';
      return `template reads ${reads}, but match captures nothing at ${[...at, seg].join('.')} (only regex patterns capture${captured})${didYouMean(seg, known)}`;
    }
    node = child;
    at.push(seg);
  }
  return undefined;
}

/** The references to captures `match` never makes, of every template given, at the template's path. */
export function captureProblems(match: unknown, templates: readonly { path: (string | number)[]; source: string }[]): { path: (string | number)[]; reason: string }[] {
  const tree = captureTree(match);
  const out: { path: (string | number)[]; reason: string }[] = [];
  for (const t of templates) {
    let refs;
    try {
      refs = templateReferences(t.source);
    } catch (err) {
      if (err instanceof TemplateSyntaxError) continue; // reported as an invalid template
      throw err;
    }
    for (const ref of refs) {
      const reason = ref.root === 'match' ? missingCapture(tree, ref.segments) : undefined;
      if (reason !== undefined) out.push({ path: t.path, reason });
    }
  }
  return out;
}
