// Says why a rule's match / match_not did or did not accept an event: the first failing pattern and why, or the
// match_not entry that excluded it, or the captures. Every decision comes from the compiled matcher's own tests.
import type { Captures, Matcher, PatternNode, PatternPath } from './matcher.ts';
import { formatPath } from './validate.ts';

export interface MatchFailure {
  /** `mismatch`: a `match` pattern failed; `excluded`: a `match_not` entry matched. */
  kind: 'mismatch' | 'excluded';
  /** Where in the rule: `match.page_namespace`, `match[1].rev_content_model`, `match_not[0]`. */
  path: string;
  reason: string;
}

export type MatchExplanation =
  | { readonly matched: true; readonly captures: Captures }
  /** One failure for a mapping `match` or a `match_not` hit; one per alternative for a list-form `match`. */
  | { readonly matched: false; readonly failures: readonly MatchFailure[] };

/** `match.page_namespace: field is missing`, `match_not[0] matched: rev_content_changed is false`. */
export function formatFailure(f: MatchFailure): string {
  return f.kind === 'excluded' ? `${f.path} matched: ${f.reason}` : `${f.path}: ${f.reason}`;
}

const pathText = (path: PatternPath): string => formatPath(path).replace(/^\./, '');

const MAX_SHOWN = 80;

/** A value as it appears in a reason: JSON, shortened when long. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/** Why `node.test(value)` is false, at the first failing pattern. Only called when it is. */
function firstFailure(node: PatternNode, value: unknown): MatchFailure {
  const at = (path: PatternPath, reason: string): MatchFailure => ({ kind: 'mismatch', path: pathText(path), reason });
  switch (node.kind) {
    case 'scalar':
      return at(node.path, Array.isArray(value) ? `expected an element equal to ${showValue(node.value)}, got ${showValue(value)}` : `expected ${showValue(node.value)}, got ${showValue(value)}`);
    case 'regex': {
      const usable = typeof value === 'string' || typeof value === 'number' || Array.isArray(value);
      return at(node.path, usable ? `expected a match of ${node.source}, got ${showValue(value)}` : `expected a string or number matching ${node.source}, got ${showValue(value)}`);
    }
    case 'mapping': {
      if (!isObject(value)) return at(node.path, `expected a mapping, got ${showValue(value)}`);
      for (let i = 0; i < node.keys.length; i++) {
        const key = node.keys[i]!;
        const child = node.children[i]!;
        if (!Object.hasOwn(value, key)) return at(child.path, 'field is missing');
        if (child.test(value[key]) === false) return firstFailure(child, value[key]);
      }
      return at(node.path, 'does not match');
    }
    case 'any_of': {
      if (node.alternatives.length === 0) return at(node.path, `expected one of [] (an empty list matches nothing), got ${showValue(value)}`);
      if (node.alternatives.every((a) => a.kind === 'scalar')) {
        const options = node.alternatives.map((a) => showValue(a.kind === 'scalar' ? a.value : null)).join(', ');
        return at(node.path, `expected one of [${options}], got ${showValue(value)}`);
      }
      const each = node.alternatives.map((a) => formatFailure(firstFailure(a, value)));
      return at(node.path, `no alternative matched (${each.join('; ')})`);
    }
    case 'invalid':
      return at(node.path, 'invalid pattern');
  }
}

/** What a matching pattern found, leaf by leaf, relative to `base`: `rev_content_changed is false`. */
function describeHit(node: PatternNode, value: unknown, base: PatternPath): string[] {
  const where = pathText(node.path.slice(base.length)) || 'the event';
  switch (node.kind) {
    case 'scalar':
      return [Array.isArray(value) ? `${where} contains ${showValue(node.value)}` : `${where} is ${showValue(value)}`];
    case 'regex':
      return [`${where} ${showValue(value)} matches ${node.source}`];
    case 'mapping':
      if (node.keys.length === 0) return [`${where} is a mapping (an empty pattern matches any)`];
      return node.keys.flatMap((key, i) => describeHit(node.children[i]!, (value as Record<string, unknown>)[key], base));
    case 'any_of': {
      const hit = node.alternatives.find((a) => a.test(value) !== false);
      return hit ? describeHit(hit, value, base) : [];
    }
    case 'invalid':
      return [];
  }
}

/**
 * Matches `event` with `matcher` and explains the outcome. The matched/unmatched decision and the captures are
 * `matcher.test`'s; for a non-match, each failure is located by asking the compiled patterns' tests which one
 * failed. A list-form `match` gets each alternative's first failure.
 */
export function explainMatch(matcher: Matcher, event: unknown): MatchExplanation {
  const result = matcher.test(event);
  if (result.matched) return { matched: true, captures: result.captures };
  const { match, matchIsList, matchNot } = matcher.patterns;
  if (match && match.test(event) === false) {
    if (matchIsList && match.kind === 'any_of') return { matched: false, failures: match.alternatives.map((a) => firstFailure(a, event)) };
    return { matched: false, failures: [firstFailure(match, event)] };
  }
  for (const entry of matchNot) {
    if (entry.test(event) !== false) {
      return { matched: false, failures: [{ kind: 'excluded', path: pathText(entry.path), reason: describeHit(entry, event, entry.path).join(', ') }] };
    }
  }
  // Unreachable while the tests above are the matcher's own; kept so a disagreement shows instead of crashing.
  return { matched: false, failures: [{ kind: 'mismatch', path: 'match', reason: 'does not match' }] };
}
