// Validates rule files (already read into memory) and turns them into ResolvedRules, collecting every
// problem with its file:line:column. Pure: no I/O, no code execution; load.ts does the reading.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { compileMatcher, MatchPatternError } from './matcher.ts';
import { compileSchema } from '../schema-validation.ts';
import { didYouMean } from '../suggest.ts';
import { captureProblems } from './captures.ts';
import { httpUris, uriTarget, type HttpHost } from './http-target.ts';
import { RULE_NAME_PATTERN, RuleSchema, WHEN_KEY, normalizeRule, stepHandler } from './schema.ts';
import type { ResolvedRule, Rule } from './schema.ts';
import { compileTemplate, findTemplateStrings, TemplateSyntaxError } from './template.ts';
import { loadYamlWithPositions, YamlSyntaxError } from './yaml-positions.ts';
import type { PositionMap, YamlPath } from './yaml-positions.ts';

export interface RuleProblem {
  file: string;
  line: number;
  column: number;
  /** `revision_images.steps[0].http.uri`; rules without a valid name are `rules[3]`; '' for file-level. */
  path: string;
  reason: string;
}

/** What validation needs to know about a handler: its option schema. HandlerDefinition fits. */
export interface HandlerSchema {
  readonly options: TSchema;
}
export type HandlerSchemas = ReadonlyMap<string, HandlerSchema>;

export interface RuleSource {
  file: string;
  text: string;
}

export interface LoadResult {
  /** Rules without any problem, in file order. Disabled rules are included (`enabled: false`). */
  rules: ResolvedRule[];
  problems: RuleProblem[];
  /** The hosts the http steps of `rules` call where no template is in the host, for the check against the config. */
  hosts: HttpHost[];
}

/** One line: `file:line:column: path: reason` (`file:line:column: reason` when the path is empty). */
export function formatProblem(p: RuleProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.path ? `${p.path}: ` : ''}${p.reason}`;
}

// Rules are validated as they are; handler options get their schema's defaults applied (on a copy), so
// ResolvedStep.options is what the handler expects.
const validateRuleShape = compileSchema(RuleSchema, { verbose: true });
const optionValidators = new WeakMap<TSchema, ValidateFunction>();

function optionValidator(schema: TSchema): ValidateFunction {
  let v = optionValidators.get(schema);
  if (!v) {
    v = compileSchema(schema, { verbose: true, useDefaults: true });
    optionValidators.set(schema, v);
  }
  return v;
}

const DC_PREFIX = /^(eqiad|codfw|esams|ulsfo|eqsin|drmrs|magru)\./;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `['steps', 0, 'http', 'uri']` → `.steps[0].http.uri` (appended to the rule label). */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (IDENTIFIER.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** JSON pointer segments → path, with numbers for array indices (so they format as `[0]`). */
function pointerToPath(data: unknown, pointer: string): (string | number)[] {
  if (pointer === '') return [];
  const out: (string | number)[] = [];
  let cur = data;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(seg);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(seg);
      cur = isPlainObject(cur) ? cur[seg] : undefined;
    }
  }
  return out;
}

function jsonTypeMatches(type: unknown, data: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'string':
        return typeof data === 'string';
      case 'number':
        return typeof data === 'number';
      case 'integer':
        return Number.isInteger(data);
      case 'boolean':
        return typeof data === 'boolean';
      case 'null':
        return data === null;
      case 'array':
        return Array.isArray(data);
      case 'object':
        return isPlainObject(data);
      default:
        return false;
    }
  });
}

/**
 * ajv reports every failing branch of an anyOf. When exactly one branch has the data's JSON type, keep
 * only that branch's errors (they are precise); otherwise replace them with one summary error.
 */
function simplifyUnions(errors: ErrorObject[]): ErrorObject[] {
  let list = errors;
  const unions = list
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const u of unions) {
    if (!list.includes(u)) continue;
    const prefix = `${u.schemaPath}/`;
    const branches = Array.isArray(u.schema) ? (u.schema as Record<string, unknown>[]) : [];
    const fitting = branches.flatMap((b, i) => (isPlainObject(b) && 'type' in b && jsonTypeMatches(b.type, u.data) ? [i] : []));
    const inside = (e: ErrorObject): boolean => e.schemaPath.startsWith(prefix);
    if (fitting.length === 1) {
      const keep = `${prefix}${fitting[0]}/`;
      const kept = list.filter((e) => inside(e) && e.schemaPath.startsWith(keep));
      if (kept.length > 0) {
        list = list.filter((e) => e !== u && (!inside(e) || e.schemaPath.startsWith(keep)));
        continue;
      }
    }
    list = list.filter((e) => !inside(e));
  }
  return list;
}

function unionMessage(e: ErrorObject): string {
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  if (typeof parent?.['x-error'] === 'string') return parent['x-error'];
  const branches = Array.isArray(e.schema) ? (e.schema as Record<string, unknown>[]) : [];
  if (branches.length > 0 && branches.every((b) => isPlainObject(b) && 'const' in b)) {
    return `must be one of ${branches.map((b) => JSON.stringify(b.const)).join(', ')}`;
  }
  if (branches.length > 0 && branches.every((b) => isPlainObject(b) && typeof b.type === 'string')) {
    return `must be ${[...new Set(branches.map((b) => b.type as string))].join(' or ')}`;
  }
  return 'must match one of the allowed forms';
}

export interface Issue {
  /** Path relative to the validated value. */
  path: (string | number)[];
  /** Report at the entry's key (unknown keys) instead of its value. */
  at: 'value' | 'key';
  reason: string;
}

/** Turns ajv errors into issues with readable reasons; `keyWord` is "key" for rules, "option" for options. */
export function ajvIssues(data: unknown, errors: ErrorObject[] | null | undefined, keyWord: 'key' | 'option'): Issue[] {
  const out: Issue[] = [];
  for (const e of simplifyUnions(errors ?? [])) {
    const path = pointerToPath(data, e.instancePath);
    const parent = e.parentSchema as Record<string, unknown> | undefined;
    const custom = typeof parent?.['x-error'] === 'string' ? parent['x-error'] : undefined;
    switch (e.keyword) {
      case 'required':
        out.push({ path, at: 'value', reason: `missing required ${keyWord} "${(e.params as { missingProperty: string }).missingProperty}"` });
        break;
      case 'additionalProperties': {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const known = isPlainObject(parent?.properties) ? Object.keys(parent.properties) : [];
        out.push({ path: [...path, key], at: 'key', reason: `unknown ${keyWord} "${key}"${didYouMean(key, known)}` });
        break;
      }
      case 'anyOf':
      case 'oneOf':
        out.push({ path, at: 'value', reason: unionMessage(e) });
        break;
      case 'minItems':
        out.push({ path, at: 'value', reason: (e.params as { limit: number }).limit === 1 ? 'must not be empty' : (e.message ?? 'too few items') });
        break;
      case 'enum':
        out.push({
          path,
          at: 'value',
          reason: `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
        });
        break;
      case 'const':
        out.push({ path, at: 'value', reason: `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` });
        break;
      default:
        out.push({ path, at: 'value', reason: custom ?? e.message ?? `fails ${e.keyword}` });
    }
  }
  return out;
}

interface FileContext {
  file: string;
  positions: PositionMap;
  problems: RuleProblem[];
}

function problemAt(ctx: FileContext, label: string, base: YamlPath, issue: Issue): RuleProblem {
  const full = [...base, ...issue.path];
  const pos = ctx.positions.nearest(full, issue.at);
  const rel = formatPath(issue.path);
  const path = label ? `${label}${rel}` : rel.replace(/^\./, '');
  return { file: ctx.file, line: pos.line, column: pos.column, path, reason: issue.reason };
}

/** What a step's `when` may read: the roots of the step context, as templates do. */
const WHEN_ROOTS = ['message', 'match', 'results', 'source', 'rule'];

/** Problems of a step's `when`: its shape, its roots, its regexes. */
function whenIssues(when: unknown, path: (string | number)[]): Issue[] {
  const alternatives = Array.isArray(when) ? when : [when];
  if (alternatives.length === 0 || !alternatives.every(isPlainObject)) return [{ path, at: 'value', reason: 'must be a mapping or a non-empty list of mappings' }];
  const issues: Issue[] = [];
  alternatives.forEach((alt, i) => {
    for (const key of Object.keys(alt)) {
      if (!WHEN_ROOTS.includes(key)) {
        issues.push({ path: [...path, ...(Array.isArray(when) ? [i] : []), key], at: 'key', reason: `unknown root "${key}" (expected ${WHEN_ROOTS.join(', ')})${didYouMean(key, WHEN_ROOTS)}` });
      }
    }
  });
  try {
    compileMatcher(when);
  } catch (err) {
    if (!(err instanceof MatchPatternError)) throw err;
    for (const p of err.problems) issues.push({ path: [...path, ...p.path.slice(1)], at: 'value', reason: p.reason });
  }
  return issues;
}

/** Checks one rule; returns its issues and, when there are none, the resolved rule. */
interface CheckedRule {
  issues: Issue[];
  resolved?: (positions: ResolvedRule['source']) => ResolvedRule;
  /** The written-out hosts of its http steps, at their URIs. */
  hosts: { path: (string | number)[]; host: string }[];
}

function checkRule(raw: unknown, handlers: HandlerSchemas): CheckedRule {
  const issues: Issue[] = [];
  if (!isPlainObject(raw)) return { issues: [{ path: [], at: 'value', reason: 'a rule must be a mapping' }], hosts: [] };
  if (!validateRuleShape(raw)) issues.push(...ajvIssues(raw, validateRuleShape.errors, 'key'));

  // Steps: handler names and options (even when other parts of the rule are broken).
  const defaulted: unknown[] = [];
  /** Every template of the rule, for the check of the captures they read. */
  const templates: { path: (string | number)[]; source: string }[] = [];
  if (Array.isArray(raw.steps)) {
    raw.steps.forEach((step, i) => {
      if (!isPlainObject(step)) return; // reported by the schema
      const handler = stepHandler(step);
      if (handler === undefined) {
        if (Object.keys(step).length <= 2) issues.push({ path: ['steps', i], at: 'value', reason: 'a step must name exactly one handler: {handler: options}, and optionally `when`' });
        return;
      }
      const stepPath = ['steps', i, handler];
      if (WHEN_KEY in step) issues.push(...whenIssues(step[WHEN_KEY], ['steps', i, WHEN_KEY]));
      const def = handlers.get(handler);
      if (!def) {
        issues.push({ path: stepPath, at: 'key', reason: `unknown handler "${handler}"${didYouMean(handler, handlers.keys())}` });
        return;
      }
      const options = step[handler] ?? {};
      const copy = structuredClone(options);
      const validate = optionValidator(def.options);
      if (!validate(copy)) {
        for (const issue of ajvIssues(options, validate.errors, 'option')) issues.push({ ...issue, path: [...stepPath, ...issue.path] });
      }
      defaulted[i] = copy;
      for (const t of findTemplateStrings(options)) templates.push({ path: [...stepPath, ...t.path], source: t.source });
      for (const t of findTemplateStrings(options)) {
        try {
          compileTemplate(t.source);
        } catch (err) {
          if (!(err instanceof TemplateSyntaxError)) throw err;
          issues.push({ path: [...stepPath, ...t.path], at: 'value', reason: `invalid template: ${err.message}` });
        }
      }
    });
  }

  // match / match_not regexes (shape errors are the schema's job).
  const matchOk = raw.match === undefined || isPlainObject(raw.match) || (Array.isArray(raw.match) && raw.match.length > 0 && raw.match.every(isPlainObject));
  const notOk =
    raw.match_not === undefined || isPlainObject(raw.match_not) || (Array.isArray(raw.match_not) && raw.match_not.every(isPlainObject));
  if (matchOk && notOk) {
    try {
      compileMatcher(raw.match, raw.match_not);
      if (typeof raw.key === 'string') templates.push({ path: ['key'], source: raw.key });
      for (const p of captureProblems(raw.match, templates)) issues.push({ ...p, at: 'value' });
    } catch (err) {
      if (!(err instanceof MatchPatternError)) throw err;
      for (const p of err.problems) issues.push({ path: p.path, at: 'value', reason: p.reason });
    }
  }

  if (typeof raw.key === 'string') {
    try {
      compileTemplate(raw.key);
    } catch (err) {
      if (!(err instanceof TemplateSyntaxError)) throw err;
      issues.push({ path: ['key'], at: 'value', reason: `invalid template: ${err.message}` });
    }
  }

  if (Array.isArray(raw.topics)) {
    raw.topics.forEach((t, i) => {
      const dc = typeof t === 'string' ? DC_PREFIX.exec(t) : null;
      if (dc) issues.push({ path: ['topics', i], at: 'value', reason: `must not have a datacenter prefix ("${dc[0]}"): the router subscribes per DC` });
    });
  }

  const retry = raw.retry;
  if (isPlainObject(retry) && typeof retry.max_delay_ms === 'number') {
    const base = typeof retry.delay_ms === 'number' ? retry.delay_ms : 1000;
    if (retry.max_delay_ms < base) issues.push({ path: ['retry', 'max_delay_ms'], at: 'value', reason: `must be >= delay_ms (${base})` });
  }

  // http steps: a constant URI that can never be called (ftp://, not a URI) fails every event.
  const hosts: CheckedRule['hosts'] = [];
  for (const { path, uri } of httpUris(raw.steps)) {
    const target = uriTarget(uri);
    if (target.problem !== undefined) issues.push({ path, at: 'value', reason: target.problem });
    else if (target.host !== undefined) hosts.push({ path, host: target.host });
  }

  if (issues.length > 0) return { issues, hosts };
  return {
    issues,
    hosts,
    resolved: (source) => {
      const rule = normalizeRule(raw as Rule, source);
      rule.steps.forEach((s, i) => {
        if (defaulted[i] !== undefined) s.options = defaulted[i];
      });
      return rule;
    },
  };
}

interface FileResult {
  /** Every rule with a valid name (for the duplicate check); `rule` is set when it had no problem. */
  rules: { name: string; namePosition: { line: number; column: number }; rule?: ResolvedRule; hosts: HttpHost[] }[];
  problems: RuleProblem[];
}

function validateFile(source: RuleSource, handlers: HandlerSchemas): FileResult {
  const { file, text } = source;
  let loaded;
  try {
    loaded = loadYamlWithPositions(text, file);
  } catch (err) {
    if (err instanceof YamlSyntaxError) {
      return { rules: [], problems: [{ file, line: err.line, column: err.column, path: '', reason: `invalid YAML: ${err.reason}` }] };
    }
    throw err;
  }
  const ctx: FileContext = { file, positions: loaded.positions, problems: [] };
  const doc = loaded.value;
  const fileIssue = (issue: Issue): void => {
    ctx.problems.push(problemAt(ctx, '', [], issue));
  };
  if (doc === undefined || doc === null) {
    fileIssue({ path: [], at: 'value', reason: 'file is empty: expected a mapping with the key "rules"' });
    return { rules: [], problems: ctx.problems };
  }
  if (!isPlainObject(doc)) {
    fileIssue({ path: [], at: 'value', reason: 'must be a mapping with the key "rules"' });
    return { rules: [], problems: ctx.problems };
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'rules') fileIssue({ path: [key], at: 'key', reason: `unknown key "${key}"${didYouMean(key, ['rules'])}` });
  }
  if (!('rules' in doc)) {
    fileIssue({ path: [], at: 'value', reason: 'missing required key "rules"' });
    return { rules: [], problems: ctx.problems };
  }
  if (!Array.isArray(doc.rules)) {
    fileIssue({ path: ['rules'], at: 'value', reason: 'must be a list of rules' });
    return { rules: [], problems: ctx.problems };
  }
  const rules: FileResult['rules'] = [];
  const namePattern = new RegExp(RULE_NAME_PATTERN);
  doc.rules.forEach((raw: unknown, i: number) => {
    const base = ['rules', i];
    const name = isPlainObject(raw) ? raw.name : undefined;
    const validName = typeof name === 'string' && namePattern.test(name);
    const label = validName ? name : `rules[${i}]`;
    const { issues, resolved, hosts } = checkRule(raw, handlers);
    for (const issue of issues) ctx.problems.push(problemAt(ctx, label, base, issue));
    if (!validName) return;
    const at = ctx.positions.nearest(base);
    const entry: FileResult['rules'][number] = {
      name,
      namePosition: ctx.positions.nearest([...base, 'name']),
      hosts: hosts.map(({ path, host }) => {
        const { file: f, line, column, path: where } = problemAt(ctx, label, base, { path, at: 'value', reason: '' });
        return { rule: name, host, file: f, line, column, path: where };
      }),
    };
    if (resolved) entry.rule = resolved({ file, line: at.line, column: at.column });
    rules.push(entry);
  });
  return { rules, problems: ctx.problems };
}

/**
 * Validates rule files and resolves their rules. Collects every problem: YAML syntax, schema violations,
 * unknown handlers, handler option errors, bad regexes, bad templates, templates reading captures `match` never
 * makes, http URIs that can never be called, duplicate names (across files, reported at the second definition).
 * Problems are ordered by file (as given), then line and column. The hosts of http steps are returned for the
 * config's check (disallowedHosts): only the config knows which are allowed.
 */
export function validateRuleSources(sources: readonly RuleSource[], handlers: HandlerSchemas): LoadResult {
  const rules: ResolvedRule[] = [];
  const problems: RuleProblem[] = [];
  const hosts: HttpHost[] = [];
  const names = new Map<string, { file: string; line: number; column: number }>();
  for (const source of sources) {
    const result = validateFile(source, handlers);
    const fileProblems = [...result.problems];
    for (const { name, namePosition, rule, hosts: ruleHosts } of result.rules) {
      const first = names.get(name);
      if (first) {
        fileProblems.push({
          file: source.file,
          line: namePosition.line,
          column: namePosition.column,
          path: `${name}.name`,
          reason: `duplicate rule name "${name}" (first defined at ${first.file}:${first.line}:${first.column})`,
        });
        continue;
      }
      names.set(name, { file: source.file, ...namePosition });
      if (!rule) continue;
      rules.push(rule);
      hosts.push(...ruleHosts);
    }
    fileProblems.sort((a, b) => a.line - b.line || a.column - b.column);
    const seen = new Set<string>();
    for (const p of fileProblems) {
      const line = formatProblem(p);
      if (seen.has(line)) continue;
      seen.add(line);
      problems.push(p);
    }
  }
  return { rules, problems, hosts };
}
