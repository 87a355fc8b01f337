// `imagematching-router test`: dry-runs events from NDJSON files (or stdin) through the rules, or runs the rule tests
// of rule folders (<folder>/tests/*.yaml). Nothing is called, written or produced. Exit 0 all passed, 1 a test or
// file failed, 2 usage. The I/O shell around lib/rules/dry-run.ts and lib/rules/rule-tests.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { parseEvent } from '../engine/event-job.ts';
import { handlers as registeredHandlers } from '../handlers/registry.ts';
import { loadRules, formatProblem } from '../rules/load.ts';
import type { HandlerSchemas } from '../rules/load.ts';
import { DryRun } from '../rules/dry-run.ts';
import type { HandlerDescriptions } from '../rules/dry-run.ts';
import { checkExpectation, parseRuleTests } from '../rules/rule-tests.ts';
import type { Mismatch, RuleTestCase } from '../rules/rule-tests.ts';
import type { ResolvedRule } from '../rules/schema.ts';
import type { RuleProblem } from '../rules/validate.ts';
import { dryRunText, mismatchLines } from './dry-run-text.ts';
import { readAll } from './read-all.ts';

export interface TestCommandOptions {
  /** NDJSON event files or `-` (a dry run), or rule folders / test files (rule tests). */
  paths: string[];
  config?: string | undefined;
  rules?: string[] | undefined;
  stream?: string | undefined;
  json?: boolean | undefined;
}

export interface TestCommandIo {
  out(line: string): void;
  err(line: string): void;
  stdin?: AsyncIterable<Buffer | string>;
}

type Handlers = HandlerSchemas & HandlerDescriptions;

class UsageError extends Error {}

const TEST_FILE = /\.ya?ml$/i;
const DEFAULT_RULES = 'rules';

const isDirectory = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Loads rules or returns null after printing every problem (the command then exits 1). */
function rulesOrNull(paths: string[], handlers: Handlers, io: TestCommandIo): ResolvedRule[] | null {
  const { rules, problems } = loadRules(paths, handlers);
  for (const p of problems) io.out(formatProblem(p));
  if (problems.length > 0) {
    io.err(`${problems.length} problem(s) in the rules (${paths.join(', ')})`);
    return null;
  }
  return rules;
}

/** The rule paths for events and test files: --rules, else the config's rules.paths, else `fallback`. */
function rulePaths(opts: TestCommandOptions, fallback: string[]): string[] {
  if (opts.rules && opts.rules.length > 0) return opts.rules;
  if (opts.config !== undefined) return loadConfigFile(opts.config).config.rules.paths;
  return fallback;
}

/** Where one event came from: `event 3 (line 5 of events.ndjson)`. */
interface EventLine {
  where: string;
  event: Record<string, unknown> | null;
  error?: string;
}

function eventLines(text: string, source: string, numbering: { n: number }): EventLine[] {
  const out: EventLine[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `event ${++numbering.n} (line ${i + 1} of ${source})`;
    try {
      out.push({ where, event: parseEvent(Buffer.from(line)) });
    } catch (err) {
      out.push({ where, event: null, error: (err as Error).message });
    }
  });
  return out;
}

async function dryRunEvents(opts: TestCommandOptions, handlers: Handlers, io: TestCommandIo): Promise<number> {
  if (opts.paths.filter((p) => p === '-').length > 1) throw new UsageError('stdin (-) can be read only once');
  const rules = rulesOrNull(rulePaths(opts, [DEFAULT_RULES]), handlers, io);
  if (!rules) return 1;
  const dry = new DryRun(rules, handlers);
  if (opts.stream !== undefined && !dry.streams.has(opts.stream)) {
    throw new UsageError(`--stream ${opts.stream}: no rule reads it (the rules read ${[...dry.streams].sort().join(', ')})`);
  }
  const numbering = { n: 0 };
  let failed = false;
  for (const path of opts.paths) {
    let text: string;
    try {
      text = path === '-' ? await readAll(io.stdin ?? process.stdin) : readFileSync(path, 'utf8');
    } catch (err) {
      io.err(`test: cannot read ${path === '-' ? 'stdin' : path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      failed = true;
      continue;
    }
    for (const line of eventLines(text, path === '-' ? 'stdin' : path, numbering)) {
      if (line.event === null) {
        // What the engine does with it: the dead-letter topic, step `parse`.
        if (opts.json) io.out(JSON.stringify({ where: line.where, invalid: line.error }));
        else io.out(`${line.where}: not an event, the router would dead-letter it: ${line.error}`);
        continue;
      }
      const report = dry.event(line.event, opts.stream);
      if (opts.json) io.out(JSON.stringify({ where: line.where, ...report }));
      else io.out([...dryRunText(report, line.where), ''].join('\n'));
    }
  }
  return failed ? 1 : 0;
}

interface TestSuite {
  /** Rules the tests run against, and where they came from (for messages). */
  rulePaths: string[];
  testFiles: string[];
}

/** Rule folders become their `tests/` files against the folder's rules; test files run against their folder's parent. */
function suitesOf(opts: TestCommandOptions, problems: RuleProblem[]): TestSuite[] {
  let targets = opts.paths;
  if (targets.length === 0) {
    const fromConfig = opts.config === undefined ? [DEFAULT_RULES] : loadConfigFile(opts.config).config.rules.paths;
    targets = [...new Set(fromConfig.map((p) => (isDirectory(p) ? p : dirname(p))))];
  }
  const suites: TestSuite[] = [];
  for (const target of targets) {
    if (isDirectory(target)) {
      const dir = join(target, 'tests');
      let files: string[] = [];
      try {
        files = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.isFile() && TEST_FILE.test(e.name))
          .map((e) => join(dir, e.name))
          .sort();
      } catch {
        /* reported below */
      }
      if (files.length === 0) problems.push({ file: dir, line: 1, column: 1, path: '', reason: 'no rule tests (*.yaml) in this folder' });
      suites.push({ rulePaths: rulePaths(opts, [target]), testFiles: files });
    } else {
      suites.push({ rulePaths: rulePaths(opts, [dirname(dirname(resolve(target)))]), testFiles: [target] });
    }
  }
  return suites;
}

/** Reads a test's events: its input, or each line of its input_file. */
function eventsOf(test: RuleTestCase, problems: RuleProblem[]): EventLine[] | null {
  if (test.input !== undefined) return [{ where: 'input', event: test.input }];
  const path = join(dirname(test.file), test.inputFile!);
  try {
    const lines = eventLines(readFileSync(path, 'utf8'), test.inputFile!, { n: 0 });
    if (lines.length === 0) throw new Error('no events in it');
    return lines;
  } catch (err) {
    const pos = test.inputFilePosition ?? test.position;
    problems.push({ file: test.file, line: pos.line, column: pos.column, path: 'input_file', reason: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return null;
  }
}

interface TestResult {
  test: RuleTestCase;
  failures: { where: string; mismatches: Mismatch[] }[];
}

async function runRuleTests(opts: TestCommandOptions, handlers: Handlers, io: TestCommandIo): Promise<number> {
  const problems: RuleProblem[] = [];
  const suites = suitesOf(opts, problems);
  const results: TestResult[] = [];
  let rulesBroken = false;
  for (const suite of suites) {
    if (suite.testFiles.length === 0) continue;
    const rules = rulesOrNull(suite.rulePaths, handlers, io);
    if (!rules) {
      rulesBroken = true;
      continue;
    }
    const dry = new DryRun(rules, handlers);
    for (const file of suite.testFiles) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        problems.push({ file, line: 1, column: 1, path: '', reason: `cannot read tests: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
        continue;
      }
      const parsed = parseRuleTests({ file, text }, rules);
      problems.push(...parsed.problems);
      for (const test of parsed.tests) {
        const events = eventsOf(test, problems);
        if (!events) continue;
        const failures = events.flatMap((e) => {
          const mismatches: Mismatch[] = e.event === null
            ? [{ path: 'input', expected: 'an event (a JSON object)', actual: e.error ?? 'unreadable' }]
            : checkExpectation(dry.event(e.event, test.stream), test.expect);
          return mismatches.length > 0 ? [{ where: e.where, mismatches }] : [];
        });
        results.push({ test, failures });
      }
    }
  }
  for (const p of problems) io.out(formatProblem(p));
  const failed = results.filter((r) => r.failures.length > 0);
  if (opts.json) {
    for (const r of results) {
      io.out(JSON.stringify({ file: r.test.file, line: r.test.position.line, name: r.test.name, passed: r.failures.length === 0, failures: r.failures }));
    }
  } else {
    let file = '';
    for (const r of results) {
      if (r.test.file !== file) io.out((file = r.test.file));
      if (r.failures.length === 0) {
        io.out(`  ok    ${r.test.name}`);
        continue;
      }
      io.out(`  FAIL  ${r.test.name} (${r.test.file}:${r.test.position.line}:${r.test.position.column})`);
      for (const f of r.failures) {
        // An input_file's event is named, its differences indented under it.
        const lines = f.mismatches.flatMap(mismatchLines).map((l) => (f.where === 'input' ? l : `  ${l}`));
        io.out([...(f.where === 'input' ? [] : [`${f.where}:`]), ...lines].map((l) => `        ${l}`).join('\n'));
      }
    }
  }
  const files = new Set(results.map((r) => r.test.file)).size;
  const summary = `${results.length} rule test(s) in ${files} file(s): ${results.length - failed.length} passed, ${failed.length} failed${problems.length > 0 ? `, ${problems.length} problem(s) in the test files` : ''}`;
  if (opts.json) io.out(JSON.stringify({ summary: { tests: results.length, passed: results.length - failed.length, failed: failed.length, problems: problems.length } }));
  else io.out(summary);
  return failed.length > 0 || problems.length > 0 || rulesBroken || results.length === 0 ? 1 : 0;
}

/** An event input: stdin, or a file that is not YAML (NDJSON, JSON lines). */
const isEventInput = (p: string): boolean => p === '-' || (!isDirectory(p) && !TEST_FILE.test(basename(p)));

/** Returns the exit code; prints on `io` (stdout lines on out, messages on err). */
export async function testCommand(
  opts: TestCommandOptions,
  io: TestCommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
  registry: Handlers = registeredHandlers,
): Promise<number> {
  try {
    if (opts.config !== undefined && opts.rules && opts.rules.length > 0) throw new UsageError('give --config or --rules, not both');
    const events = opts.paths.filter(isEventInput);
    if (events.length > 0 && events.length < opts.paths.length) {
      throw new UsageError('give event files (NDJSON, or - for stdin) or rule folders and test files, not both');
    }
    if (events.length > 0) return await dryRunEvents(opts, registry, io);
    if (opts.stream !== undefined) throw new UsageError('--stream goes with event files; a rule test names its stream itself');
    return await runRuleTests(opts, registry, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`imagematching-router test: ${err.message}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      for (const problem of err.problems) io.err(`imagematching-router: configuration error: ${problem}`);
      return 2;
    }
    throw err;
  }
}
