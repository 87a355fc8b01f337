// The shipped rules pass their own tests (rules/tests), through the command's function: what CI's
// `imagematching-router test rules/` step checks, kept in the fast unit suite too. Reads files only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testCommand } from '../../../lib/cli/test-command.ts';

const REPO = new URL('../../..', import.meta.url).pathname;
const SHIPPED_TESTS = join(REPO, 'rules/tests/image_matching.yaml');

async function run(paths: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await testCommand({ paths }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the shipped rules', () => {
  test('the shipped rules pass their tests (exit 0), one line per test', async () => {
    const r = await run([join(REPO, 'rules')]);
    assert.equal(r.code, 0, r.out + r.err);
    const names = [...readFileSync(SHIPPED_TESTS, 'utf8').matchAll(/^ {2}- name: (.+)$/gm)].map((m) => m[1]!);
    assert.ok(names.length >= 12);
    for (const name of names) assert.ok(r.out.includes(`  ok    ${name}`), `${name} not reported ok:\n${r.out}`);
    assert.match(r.out, new RegExp(`^${names.length} rule test\\(s\\) in 1 file\\(s\\): ${names.length} passed, 0 failed$`, 'm'));
  });

  test('every shipped rule has a test that it matches and one that it does not', () => {
    const text = readFileSync(SHIPPED_TESTS, 'utf8');
    for (const rule of [...readFileSync(join(REPO, 'rules/image_matching.yaml'), 'utf8').matchAll(/^ {2}- name: (\w+)$/gm)].map((m) => m[1]!)) {
      assert.match(text, new RegExp(`^ {6}rule: ${rule}$`, 'm'), `no test that ${rule} matches`);
      if (rule.includes('revisions') || rule.includes('page_content_change')) assert.match(text, new RegExp(`^ {8}${rule}: `, 'm'), `no test that ${rule} does not match`);
    }
  });

});
