// Reads rule files from disk (files, or every *.yaml / *.yml directly inside a directory, sorted by name)
// and hands them to validateRuleSources. The only module of lib/rules that does I/O.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validateRuleSources } from './validate.ts';
import type { HandlerSchemas, LoadResult, RuleProblem, RuleSource } from './validate.ts';

export { formatProblem } from './validate.ts';
export type { HandlerSchema, HandlerSchemas, LoadResult, RuleProblem } from './validate.ts';
export { disallowedHosts, type HttpHost } from './http-target.ts';

const RULE_FILE = /\.ya?ml$/i;

function ioProblem(file: string, err: unknown): RuleProblem {
  const reason = err instanceof Error ? err.message : String(err);
  return { file, line: 1, column: 1, path: '', reason: `cannot read rules: ${reason}` };
}

/** Expands directories (non-recursive) into their rule files; unreadable paths become problems. */
export function listRuleFiles(paths: readonly string[]): { files: string[]; problems: RuleProblem[] } {
  const files: string[] = [];
  const problems: RuleProblem[] = [];
  for (const p of paths) {
    try {
      if (statSync(p).isDirectory()) {
        const found = readdirSync(p, { withFileTypes: true })
          .filter((e) => e.isFile() && RULE_FILE.test(e.name))
          .map((e) => e.name)
          .sort();
        if (found.length === 0) problems.push({ file: p, line: 1, column: 1, path: '', reason: 'no rule files (*.yaml, *.yml) in directory' });
        files.push(...found.map((name) => join(p, name)));
      } else {
        files.push(p);
      }
    } catch (err) {
      problems.push(ioProblem(p, err));
    }
  }
  return { files, problems };
}

/**
 * Loads and validates rules. `rules` holds only rules without problems; the caller should refuse to start
 * when `problems` is not empty (print each with formatProblem). A file named twice is read once.
 */
export function loadRules(paths: readonly string[], handlers: HandlerSchemas): LoadResult {
  const { files, problems } = listRuleFiles(paths);
  const sources: RuleSource[] = [];
  for (const file of new Set(files)) {
    try {
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (err) {
      problems.push(ioProblem(file, err));
    }
  }
  const result = validateRuleSources(sources, handlers);
  return { rules: result.rules, problems: [...problems, ...result.problems], hosts: result.hosts };
}
