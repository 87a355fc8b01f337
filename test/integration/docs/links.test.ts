// The docs' references hold: relative links resolve to files and headings, repository paths named in the text
// exist, every alert of ops/prometheus/alerts.yaml has a runbook entry pointing at its operations.md section,
// and the helper that extracts the runnable snippets reads Markdown the way the other doc tests rely on.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { REPO } from '../../helpers/router-harness.ts';
import { codeBlocks, headingAnchors, longOptions, markdownLinks, shellCommands, shellWords, sqlStatements } from '../../helpers/doc-snippets.ts';

const OWN_DOCS = ['docs/approaches.md', 'docs/integration.md', 'docs/runbook.md'];
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

describe('links and references of the docs', () => {
  for (const doc of OWN_DOCS) {
    test(`${doc}: every relative link resolves to a file and, with #anchor, to a heading`, () => {
      const text = read(doc);
      const links = markdownLinks(text).filter((l) => !/^[a-z]+:/.test(l.target));
      assert.ok(links.length > 0);
      for (const link of links) {
        const [path, anchor] = link.target.split('#') as [string, string | undefined];
        const file = path ? resolve(dirname(join(REPO, doc)), path) : join(REPO, doc);
        assert.ok(existsSync(file), `${doc}:${link.line}: link to missing file ${link.target}`);
        if (anchor) {
          assert.ok(headingAnchors(readFileSync(file, 'utf8')).has(anchor), `${doc}:${link.line}: no heading for #${anchor} in ${path || doc}`);
        }
      }
    });

    test(`${doc}: repository paths named in the text exist`, () => {
      const text = read(doc);
      const paths = new Set([...text.matchAll(/(?<![\w/.-])((?:ops|docs|rules|lib|scripts|test)\/[\w./-]*[\w]|config\.example\.yaml)(?![\w/])/g)].map((m) => m[1]!));
      for (const path of paths) {
        if (path.includes('*')) continue;
        assert.ok(existsSync(join(REPO, path)), `${doc} names ${path}, which does not exist`);
      }
    });
  }

  test('every alert has a row in the runbook that links to its section of docs/operations.md', () => {
    const alerts = (yaml.load(read('ops/prometheus/alerts.yaml')) as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url: string } }> }> }).groups.flatMap((g) => g.rules);
    const runbook = read('docs/runbook.md');
    const links = markdownLinks(runbook);
    const anchors = headingAnchors(read('docs/operations.md'));
    for (const alert of alerts) {
      const anchor = alert.annotations.runbook_url.split('#')[1]!;
      assert.ok(anchors.has(anchor), `docs/operations.md has no section #${anchor} for ${alert.alert}`);
      assert.ok(
        links.some((l) => l.text === alert.alert && l.target === `operations.md#${anchor}`),
        `docs/runbook.md has no [${alert.alert}](operations.md#${anchor}) link`,
      );
    }
  });

  test('the rule names and dashboard file the runbook relies on exist', () => {
    const rules = read('rules/image_matching.yaml');
    // Every pause, resume or --rule example of the README and docs/ names a shipped rule.
    const docs = ['README.md', ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const doc of docs) {
      const text = read(doc);
      for (const m of text.matchAll(/rules\/([a-z_]+)\/(pause|resume)/g)) assert.match(rules, new RegExp(`name: ${m[1]}\\b`), `${doc}: no shipped rule ${m[1]}`);
      for (const m of text.matchAll(/--rule ([a-z_]+)/g)) assert.match(rules, new RegExp(`name: ${m[1]}\\b`), `${doc}: no shipped rule ${m[1]}`);
    }
    const dashboard = JSON.parse(read('ops/grafana/imagematching-router.json')) as { panels: Array<{ type: string; title: string }> };
    const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
    for (const row of rows) assert.match(read('docs/runbook.md'), new RegExp(`^\\| ${row} \\|`, 'm'), `the dashboard row "${row}" is not explained`);
  });
});

describe('the doc-snippets helper', () => {
  test('reads fenced blocks with their language, name and line, also inside list items', () => {
    const md = ['# T', '', '```sql first', 'SELECT 1;', '```', '1. step', '', '   ```sh', '   npx x validate rules/', '   ```', '~~~yaml', 'a: 1', '~~~'].join('\n');
    assert.deepEqual(
      codeBlocks(md).map((b) => [b.lang, b.name, b.code, b.line]),
      [
        ['sql', 'first', 'SELECT 1;', 3],
        ['sh', null, 'npx x validate rules/', 8],
        ['yaml', null, 'a: 1', 11],
      ],
    );
  });

  test('splits SQL at semicolons ending a line, keeping multi-line statements whole', () => {
    assert.deepEqual(sqlStatements("-- comment\nSELECT 1;\nSELECT 'a;b'\n  FROM t;  -- trailing\n\nSELECT 3"), ['SELECT 1', "SELECT 'a;b'\n  FROM t", 'SELECT 3']);
  });

  test('splits shell lines into words, joins continuations, and finds long options', () => {
    const [c] = shellCommands(codeBlocks('```sh\n# comment\nnpx imagematching-router redrive --rule r \\\n  --since "2024-05-01T00:00:00Z" --dry-run | jq .\n```'));
    assert.deepEqual(c!.words, ['npx', 'imagematching-router', 'redrive', '--rule', 'r', '--since', '2024-05-01T00:00:00Z', '--dry-run']);
    assert.deepEqual(longOptions(c!.words), ['--rule', '--since', '--dry-run']);
    assert.deepEqual(shellWords(`curl -s -H "Authorization: Bearer $T" 'a b'`), ['curl', '-s', '-H', 'Authorization: Bearer $T', 'a b']);
  });

  test("computes GitHub's heading anchors and finds links, also wrapped ones", () => {
    const anchors = headingAnchors("# b. Reset a rule's group to a time\n## What \"illustrated\" can see\n### `view` (stable)\n## X\n## X");
    assert.deepEqual([...anchors], ['b-reset-a-rules-group-to-a-time', 'what-illustrated-can-see', 'view-stable', 'x', 'x-1']);
    const links = markdownLinks('see [a](a.md#x) and `[not](b.md)`\n```\n[no](c.md)\n```\n([docs/ops,\nAdmin](operations.md#admin-api))');
    assert.deepEqual(links.map((l) => l.target).sort(), ['a.md#x', 'operations.md#admin-api']);
  });
});
