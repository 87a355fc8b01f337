// Rule tests in the style of Benthos' config tests: a YAML file of named cases, each an input event (or an NDJSON
// file of them) and what the dry run must show: which rule matches, its key, captures, rendered step options, the
// steps that run. Pure: parses and checks test files given their text, and compares dry-run reports.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { compileSchema } from '../schema-validation.ts';
import type { DryRunReport, RuleDryRun } from './dry-run.ts';
import { formatFailure } from './explain-match.ts';
import { RULE_NAME_PATTERN } from './schema.ts';
import type { ResolvedRule } from './schema.ts';
import { ajvIssues, formatPath } from './validate.ts';
import { didYouMean } from '../suggest.ts';
import type { Issue, RuleProblem } from './validate.ts';
import { loadYamlWithPositions, YamlSyntaxError } from './yaml-positions.ts';
import type { PositionMap, Position } from './yaml-positions.ts';

const ExpectSchema = Type.Object(
  {
    rule: Type.Optional(Type.String({ pattern: RULE_NAME_PATTERN, description: 'The one rule that matches (no other may).' })),
    matched: Type.Optional(Type.Array(Type.String({ pattern: RULE_NAME_PATTERN }), { description: 'Exactly the rules that match; [] for none.' })),
    dropped: Type.Optional(Type.Literal('canary', { description: 'Every rule of the stream drops the event as a canary.' })),
    unmatched: Type.Optional(
      Type.Record(Type.String(), Type.String(), { description: 'Rule → text its explanation contains ("" for any): the rule does not match.' }),
    ),
    key: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'The ordering key of `rule` (null: the Kafka message key).' })),
    captures: Type.Optional(Type.Unknown({ description: 'Captures of `rule`, contained in the actual ones.' })),
    steps: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'Step name → options contained in the rendered ones.' })),
    run: Type.Optional(Type.Array(Type.String(), { description: 'The names of the steps that would run, in order.' })),
  },
  { additionalProperties: false },
);

const RuleTestSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    stream: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: "The stream the event arrives on (default: its meta.stream)." })),
    input: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'The event.', 'x-error': 'must be a mapping (the event)' })),
    input_file: Type.Optional(Type.String({ minLength: 1, description: 'An NDJSON file of events (one a line), relative to the test file; each must meet expect.' })),
    expect: ExpectSchema,
  },
  { additionalProperties: false },
);

export const RuleTestFileSchema = Type.Object({ tests: Type.Array(RuleTestSchema, { minItems: 1 }) }, { additionalProperties: false });

export type Expectation = Static<typeof ExpectSchema>;

export interface RuleTestCase {
  name: string;
  file: string;
  /** Where the test starts in its file. */
  position: Position;
  stream?: string;
  input?: Record<string, unknown>;
  /** As written (relative to the test file); `inputFilePosition` is where, for read errors. */
  inputFile?: string;
  inputFilePosition?: Position;
  expect: Expectation;
}

const validateTestFile = compileSchema(RuleTestFileSchema, { verbose: true });

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Checks a test against the loaded rules: names, streams and steps it refers to exist; expectations fit together. */
function semanticIssues(test: Static<typeof RuleTestSchema>, rules: ReadonlyMap<string, ResolvedRule>, streams: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  const at = (path: (string | number)[], reason: string, where: 'key' | 'value' = 'value') => issues.push({ path, at: where, reason });
  const e = test.expect;
  if ((test.input === undefined) === (test.input_file === undefined)) at([], 'needs exactly one of input and input_file');
  if (test.stream !== undefined && !streams.has(test.stream)) at(['stream'], `no rule reads stream "${test.stream}"${didYouMean(test.stream, streams)}`);
  const knownRule = (name: string, path: (string | number)[], where: 'key' | 'value' = 'value'): boolean => {
    if (rules.has(name)) return true;
    at(path, `unknown rule "${name}"${didYouMean(name, rules.keys())}`, where);
    return false;
  };
  if (e.rule === undefined && e.matched === undefined && e.dropped === undefined && e.unmatched === undefined) {
    at(['expect'], 'must say what happens: rule, matched, dropped or unmatched');
  }
  if (e.rule !== undefined && e.matched !== undefined) at(['expect', 'matched'], 'rule and matched exclude each other (rule: the one rule that matches)', 'key');
  if (e.dropped !== undefined && (e.rule !== undefined || e.matched !== undefined)) at(['expect', 'dropped'], 'a dropped event matches no rule: drop rule and matched', 'key');
  for (const key of ['key', 'captures', 'steps', 'run'] as const) {
    if (e[key] !== undefined && e.rule === undefined) at(['expect', key], `needs expect.rule (the rule whose ${key} is checked)`, 'key');
  }
  if (e.rule !== undefined) knownRule(e.rule, ['expect', 'rule']);
  e.matched?.forEach((name, i) => knownRule(name, ['expect', 'matched', i]));
  for (const name of Object.keys(e.unmatched ?? {})) {
    if (knownRule(name, ['expect', 'unmatched', name], 'key') && (name === e.rule || e.matched?.includes(name))) {
      at(['expect', 'unmatched', name], `rule "${name}" cannot both match and not match`, 'key');
    }
  }
  const rule = e.rule === undefined ? undefined : rules.get(e.rule);
  if (rule) {
    const stepNames = rule.steps.map((s) => s.name);
    const knownStep = (name: string, path: (string | number)[], where: 'key' | 'value') => {
      if (!stepNames.includes(name)) at(path, `rule "${rule.name}" has no step "${name}" (its steps: ${stepNames.join(', ')})${didYouMean(name, stepNames)}`, where);
    };
    for (const name of Object.keys(e.steps ?? {})) knownStep(name, ['expect', 'steps', name], 'key');
    e.run?.forEach((name, i) => knownStep(name, ['expect', 'run', i], 'value'));
  }
  return issues;
}

function problemAt(file: string, positions: PositionMap, base: (string | number)[], issue: Issue): RuleProblem {
  const full = [...base, ...issue.path];
  const pos = positions.nearest(full, issue.at);
  return { file, line: pos.line, column: pos.column, path: formatPath(full).replace(/^\./, ''), reason: issue.reason };
}

/**
 * Parses and checks one test file against the rules it tests. Every problem comes with file:line:column, as for
 * rule files; `tests` holds only the tests without problems.
 */
export function parseRuleTests(source: { file: string; text: string }, rules: readonly ResolvedRule[]): { tests: RuleTestCase[]; problems: RuleProblem[] } {
  const { file, text } = source;
  let loaded;
  try {
    loaded = loadYamlWithPositions(text, file);
  } catch (err) {
    if (err instanceof YamlSyntaxError) return { tests: [], problems: [{ file, line: err.line, column: err.column, path: '', reason: `invalid YAML: ${err.reason}` }] };
    throw err;
  }
  const { value, positions } = loaded;
  const problems: RuleProblem[] = [];
  if (!isPlainObject(value)) {
    return { tests: [], problems: [{ file, line: 1, column: 1, path: '', reason: 'must be a mapping with the key "tests" (a list of tests)' }] };
  }
  if (!validateTestFile(value)) {
    for (const issue of ajvIssues(value, validateTestFile.errors, 'key')) problems.push(problemAt(file, positions, [], issue));
  }
  const byName = new Map(rules.map((r) => [r.name, r]));
  const streams = new Set(rules.flatMap((r) => r.topics));
  const tests: RuleTestCase[] = [];
  const names = new Map<string, number>();
  const raw = Array.isArray(value.tests) ? value.tests : [];
  raw.forEach((t: unknown, i: number) => {
    const base = ['tests', i];
    const broken = problems.some((p) => p.path === `tests[${i}]` || p.path.startsWith(`tests[${i}].`) || p.path.startsWith(`tests[${i}][`));
    if (broken || !isPlainObject(t)) return;
    const test = t as Static<typeof RuleTestSchema>;
    const issues = semanticIssues(test, byName, streams);
    const first = names.get(test.name);
    if (first !== undefined) issues.push({ path: ['name'], at: 'value', reason: `duplicate test name (first at tests[${first}])` });
    else names.set(test.name, i);
    for (const issue of issues) problems.push(problemAt(file, positions, base, issue));
    if (issues.length > 0) return;
    const parsed: RuleTestCase = { name: test.name, file, position: positions.nearest(base), expect: test.expect };
    if (test.stream !== undefined) parsed.stream = test.stream;
    if (test.input !== undefined) parsed.input = test.input;
    if (test.input_file !== undefined) {
      parsed.inputFile = test.input_file;
      parsed.inputFilePosition = positions.nearest([...base, 'input_file']);
    }
    tests.push(parsed);
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { tests, problems };
}

/** One difference between what a test expects and what the dry run shows. */
export interface Mismatch {
  /** `rule`, `key`, `captures.meta.domain.lang`, `steps.produce.topic`, `run`. */
  path: string;
  expected: string;
  actual: string;
}

const json = (v: unknown): string => (v === undefined ? '(missing)' : JSON.stringify(v));

/**
 * json_contains: `actual` has every key of `expected` (recursively) with equal values; lists are compared element by
 * element and must have the same length; scalars must be equal.
 */
export function containsDiff(expected: unknown, actual: unknown, path: string): Mismatch[] {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return [{ path, expected: json(expected), actual: json(actual) }];
    return Object.keys(expected).flatMap((k) =>
      containsDiff(expected[k], Object.hasOwn(actual, k) ? actual[k] : undefined, `${path}${formatPath([k])}`),
    );
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return [{ path, expected: json(expected), actual: json(actual) }];
    return expected.flatMap((item, i) => containsDiff(item, actual[i], `${path}[${i}]`));
  }
  return Object.is(expected, actual) || expected === actual ? [] : [{ path, expected: json(expected), actual: json(actual) }];
}

/** A rule's outcome in words, for diffs: `matched`, `not on this stream (reads x)`, `unmatched: <why>`. */
export function describeOutcome(r: RuleDryRun): string {
  switch (r.outcome) {
    case 'matched':
      return 'matched';
    case 'other_stream':
      return `not on this stream (it reads ${r.topics.join(', ')})`;
    case 'canary':
      return 'dropped as a canary';
    case 'unmatched':
      return `unmatched: ${r.failures.map(formatFailure).join('; ')}`;
  }
}

/** Compares a dry-run report with a test's expectation; [] when it is met. */
export function checkExpectation(report: DryRunReport, expect: Expectation): Mismatch[] {
  const out: Mismatch[] = [];
  const outcome = (name: string) => report.rules.find((r) => r.rule === name);
  const matchedNames = report.rules.filter((r) => r.outcome === 'matched').map((r) => r.rule);
  const streamNote = report.stream === null ? ` (${report.note ?? 'no stream'})` : '';
  if (expect.rule !== undefined) {
    const r = outcome(expect.rule);
    if (!r || r.outcome !== 'matched') {
      out.push({ path: 'rule', expected: `${expect.rule} matches`, actual: `${expect.rule} ${r ? describeOutcome(r) : 'is not loaded'}${streamNote}` });
    }
    const others = matchedNames.filter((n) => n !== expect.rule);
    if (others.length > 0) out.push({ path: 'rule', expected: `only ${expect.rule} matches`, actual: `also matched: ${others.join(', ')}` });
    if (r?.outcome === 'matched') {
      if (expect.key !== undefined && expect.key !== r.key) out.push({ path: 'key', expected: json(expect.key), actual: json(r.key) });
      if (expect.captures !== undefined) out.push(...containsDiff(expect.captures, r.captures, 'captures'));
      for (const [name, options] of Object.entries(expect.steps ?? {})) {
        const step = r.steps.find((s) => s.name === name);
        if (!step) out.push({ path: `steps${formatPath([name])}`, expected: json(options), actual: '(no such step)' });
        else out.push(...containsDiff(options, step.options, `steps${formatPath([name])}`));
      }
      if (expect.run !== undefined && JSON.stringify(expect.run) !== JSON.stringify(r.wouldRun)) {
        out.push({ path: 'run', expected: json(expect.run), actual: json(r.wouldRun) });
      }
    }
  }
  if (expect.matched !== undefined) {
    const expected = [...expect.matched].sort();
    const actual = [...matchedNames].sort();
    if (JSON.stringify(expected) !== JSON.stringify(actual)) {
      const why = expected.filter((n) => !actual.includes(n)).map((n) => {
        const r = outcome(n);
        return `${n} ${r ? describeOutcome(r) : 'is not loaded'}`;
      });
      out.push({ path: 'matched', expected: json(expected), actual: `${json(actual)}${why.length > 0 ? `; ${why.join('; ')}` : ''}${streamNote}` });
    }
  }
  if (expect.dropped === 'canary') {
    const onStream = report.rules.filter((r) => r.outcome !== 'other_stream');
    if (onStream.length === 0) out.push({ path: 'dropped', expected: 'dropped as a canary by the rules of its stream', actual: `no rule is on its stream${streamNote}` });
    for (const r of onStream) {
      if (r.outcome !== 'canary') out.push({ path: 'dropped', expected: `${r.rule} drops it as a canary`, actual: `${r.rule} ${describeOutcome(r)}` });
    }
  }
  for (const [name, text] of Object.entries(expect.unmatched ?? {})) {
    const r = outcome(name);
    const described = r ? describeOutcome(r) : 'is not loaded';
    if (r?.outcome !== 'unmatched' || !described.includes(text)) {
      out.push({ path: `unmatched${formatPath([name])}`, expected: text === '' ? `${name} unmatched` : `${name} unmatched: …${text}…`, actual: `${name} ${described}${streamNote}` });
    }
  }
  return out;
}
