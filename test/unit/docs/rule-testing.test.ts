// docs/rules.md "Testing rules" holds: its example test file is valid and passes against the shipped rules, and its
// `imagematching-router test` command lines run and succeed. Reads files only (a dry run touches no service).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { handlers } from '../../../lib/handlers/registry.ts';
import { loadRules } from '../../../lib/rules/load.ts';
import { formatProblem } from '../../../lib/rules/validate.ts';
import { DryRun } from '../../../lib/rules/dry-run.ts';
import { checkExpectation, parseRuleTests } from '../../../lib/rules/rule-tests.ts';
import { testCommand } from '../../../lib/cli/test-command.ts';
import { readCodeBlocks, shellCommands } from '../../helpers/doc-snippets.ts';

const REPO = new URL('../../..', import.meta.url).pathname;
const DOC = join(REPO, 'docs/rules.md');

test('the example rule test file of docs/rules.md is valid and passes against the shipped rules', () => {
  const block = readCodeBlocks(DOC, 'yaml').find((b) => b.name === 'rule-test-example');
  assert.ok(block, 'docs/rules.md has no ```yaml rule-test-example block');
  const { rules, problems } = loadRules([join(REPO, 'rules')], handlers);
  assert.deepEqual(problems, []);
  const parsed = parseRuleTests({ file: `${DOC}:${block.line}`, text: block.code }, rules);
  assert.deepEqual(parsed.problems.map(formatProblem), []);
  assert.equal(parsed.tests.length, 3);
  const dry = new DryRun(rules, handlers);
  for (const t of parsed.tests) assert.deepEqual(checkExpectation(dry.event(t.input!, t.stream), t.expect), [], t.name);
});

test('every `imagematching-router test` line of docs/rules.md runs and succeeds', async () => {
  const lines = shellCommands(readCodeBlocks(DOC, 'sh')).filter((c) => c.words[1] === 'bin/imagematching-router.js' && c.words[2] === 'test');
  assert.ok(lines.length >= 3);
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    for (const c of lines) {
      const args = c.words.slice(3);
      const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
      const paths = args.filter((w, i) => !w.startsWith('--') && !['--stream', '--rules', '--config'].includes(args[i - 1] ?? ''));
      const out: string[] = [];
      const code = await testCommand({ paths, stream: value('--stream'), json: args.includes('--json') }, { out: (l) => out.push(l), err: (l) => out.push(l) });
      assert.equal(code, 0, `${c.text}\n${out.join('\n')}`);
    }
  } finally {
    process.chdir(cwd);
  }
});
