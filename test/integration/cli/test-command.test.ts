// `imagematching-router test` with real files: the shipped rules pass their tests; a broken expectation fails with
// exit 1 and a diff; a bad test file is reported with file:line:column; events from NDJSON files or stdin are
// dry-run (text and --json); usage errors exit 2; and a child process running it opens no socket and no database.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { testCommand, type TestCommandOptions } from '../../../lib/cli/test-command.ts';
import { REPO } from '../../helpers/router-harness.ts';

async function run(opts: Partial<TestCommandOptions>, stdin?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }) };
  const code = await testCommand({ paths: [], ...opts }, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A copy of the shipped rules and their tests, to break. */
function copyOfRules(): string {
  const dir = mkdtempSync(join(tmpdir(), 'imr-ruletest-'));
  cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
  return join(dir, 'rules');
}

const SHIPPED_TESTS = join(REPO, 'rules/tests/image_matching.yaml');

describe('rule tests', () => {
  test('with no path and no config, the tests of rules/ run', async () => {
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      const r = await run({});
      assert.equal(r.code, 0, r.out + r.err);
      assert.match(r.out, /passed, 0 failed$/m);
    } finally {
      process.chdir(cwd);
    }
  });

  test('a test file alone runs against the rules of the folder above its own', async () => {
    const r = await run({ paths: [SHIPPED_TESTS] });
    assert.equal(r.code, 0, r.out + r.err);
  });

  test('a broken expectation fails with exit 1 and a diff of expected against actual, per path', async () => {
    const rules = copyOfRules();
    const file = join(rules, 'tests/image_matching.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace("key: 'enwiki:48213'\n      run: [fetch_revisions, image_diff, judge_illustration, record_page_images, produce, produce#2]", "key: 'enwiki:48210'\n      run: [fetch_revisions, image_diff, judge_illustration, record_page_images, produce, produce#2]").replace('topic: imagematching.page_image_change\n', 'topic: imagematching.page_image_changes\n'));
    const r = await run({ paths: [rules] });
    assert.equal(r.code, 1);
    const line = text.slice(0, text.indexOf('  - name: a revision of an article')).split('\n').length;
    assert.ok(
      r.out.includes(
        [
          `  FAIL  a revision of an article (revision/create 2.0.0) runs the whole chain and produces the derived event (${file}:${line}:5)`,
          '        key:',
          '          expected: "enwiki:48210"',
          '          actual:   "enwiki:48213"',
          '        steps.produce.topic:',
          '          expected: "imagematching.page_image_changes"',
          '          actual:   "imagematching.page_image_change"',
        ].join('\n'),
      ),
      r.out,
    );
    assert.match(r.out, /: \d+ passed, 1 failed$/m);
  });

  test('a rule changed under its tests fails them: the explanation says why', async () => {
    const rules = copyOfRules();
    const file = join(rules, 'image_matching.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('match_not:\n      - rev_content_changed: false', 'match_not:\n      - rev_content_changed: true'));
    const r = await run({ paths: [rules], json: true });
    assert.equal(r.code, 1);
    const results = r.out.split('\n').map((l) => JSON.parse(l) as { name?: string; passed?: boolean; failures?: { mismatches: { path: string; actual: string }[] }[] });
    const article = results.find((x) => x.name?.startsWith('a revision of an article'))!;
    assert.equal(article.passed, false);
    assert.equal(article.failures![0]!.mismatches[0]!.path, 'rule');
    assert.match(article.failures![0]!.mismatches[0]!.actual, /image_matching_revisions unmatched: match_not\[0\] matched: rev_content_changed is true/);
    assert.ok(results.find((x) => x.name?.startsWith('a null edit'))!.passed === false);
    assert.deepEqual(results.at(-1), { summary: { tests: results.length - 1, passed: results.filter((x) => x.passed).length, failed: results.filter((x) => x.passed === false).length, problems: 0 } });
  });

  test('an event of an input_file that fails says which line it is', async () => {
    const rules = copyOfRules();
    const events = join(rules, 'tests/events/article-revisions.ndjson');
    writeFileSync(events, `${readFileSync(events, 'utf8')}{"meta":{"stream":"mediawiki.revision-create"},"page_namespace":2}\nnot json\n`);
    const r = await run({ paths: [rules] });
    assert.equal(r.code, 1);
    assert.match(r.out, /event 4 \(line 4 of events\/article-revisions.ndjson\):\n {10}rule:\n {12}expected: image_matching_revisions matches\n {12}actual: {3}image_matching_revisions unmatched: match\[0\]\.page_namespace: expected 0, got 2/);
    assert.match(r.out, /event 5 \(line 5 of events\/article-revisions.ndjson\):\n {10}input:\n {12}expected: an event \(a JSON object\)\n {12}actual: {3}invalid JSON/);
  });

  test('a bad test file is reported with file:line:column and exits 1', async () => {
    const rules = copyOfRules();
    const file = join(rules, 'tests/broken.yaml');
    writeFileSync(file, 'tests:\n  - name: a typo\n    input: {}\n    expect:\n      rule: image_matching_revision\n  - name: missing file\n    input_file: nowhere.ndjson\n    expect: {matched: []}\n');
    const r = await run({ paths: [rules] });
    assert.equal(r.code, 1);
    assert.ok(r.out.includes(`${file}:5:13: tests[0].expect.rule: unknown rule "image_matching_revision" (did you mean "image_matching_revisions"?)`), r.out);
    assert.ok(r.out.includes(`${file}:7:17: input_file: cannot read ${join(rules, 'tests/nowhere.ndjson')}: ENOENT`), r.out);
    assert.match(r.out, /, 2 problem\(s\) in the test files$/m);
  });

  test('a rules folder without tests fails: a CI step must not pass by testing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-ruletest-none-'));
    cpSync(join(REPO, 'rules/image_matching.yaml'), join(dir, 'image_matching.yaml'));
    const r = await run({ paths: [dir] });
    assert.equal(r.code, 1);
    assert.ok(r.out.includes(`${join(dir, 'tests')}:1:1: no rule tests (*.yaml) in this folder`), r.out);
  });

  test('invalid rules are reported as validate reports them, and fail', async () => {
    const rules = copyOfRules();
    const file = join(rules, 'image_matching.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('- image_diff: {}', '- image_dif: {}'));
    const r = await run({ paths: [rules] });
    assert.equal(r.code, 1);
    assert.match(r.out, /image_matching\.yaml:\d+:9: image_matching_revisions\.steps\[1\]\.image_dif: unknown handler "image_dif" \(did you mean "image_diff"\?\)/);
  });
});

describe('dry runs of events', () => {
  const revisions = join(REPO, 'demo/events/revision-create.ndjson');

  test('print, per event, each rule: matched with key, rendered steps and what would run, or why not', async () => {
    const r = await run({ paths: [revisions], rules: [join(REPO, 'rules')] });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^event 1 \(line 1 of .*revision-create\.ndjson\) on stream mediawiki\.revision-create \(its meta\.stream\)$/m);
    assert.match(r.out, /^ {2}image_matching_revisions: matched\n {4}key: "enwiki:1001"$/m);
    assert.match(r.out, /^ {6}5\. produce\n {11}topic: imagematching\.page_image_change\n {11}key: '\{\{results\.image_diff\.wiki\}\}:\{\{results\.image_diff\.pageId\}\}'$/m);
    assert.match(r.out, /^ {11}unresolved in a dry run: key, value\.dt, value\.meta\.domain, /m);
    assert.match(r.out, /^ {4}would run: fetch_revisions → image_diff → judge_illustration → record_page_images \(may stop here\) → produce → produce#2 \(if its when holds\)$/m);
    assert.match(r.out, /^ {2}image_matching_feedback: not on this stream \(it reads mediawiki\.image_suggestions_feedback\)$/m);
    const events = readFileSync(revisions, 'utf8').trim().split('\n').length;
    assert.equal([...r.out.matchAll(/^event \d+ /gm)].length, events);
  });

  test('--json prints one report per event, on the stream given', async () => {
    const r = await run({ paths: [join(REPO, 'demo/events/image-suggestions-feedback.ndjson')], stream: 'mediawiki.image_suggestions_feedback', json: true });
    assert.equal(r.code, 0, r.err);
    const reports = r.out.split('\n').map((l) => JSON.parse(l) as { stream: string; streamFrom: string; rules: { rule: string; outcome: string; wouldRun?: string[] }[] });
    assert.ok(reports.length > 0);
    for (const report of reports) {
      assert.equal(report.stream, 'mediawiki.image_suggestions_feedback');
      assert.equal(report.streamFrom, 'option');
      const feedback = report.rules.find((x) => x.rule === 'image_matching_feedback')!;
      assert.deepEqual([feedback.outcome, feedback.wouldRun], ['matched', ['record_feedback']]);
    }
  });

  test('read standard input with -, and say what the router would do with a line that is not an event', async () => {
    const canary = JSON.stringify({ meta: { stream: 'mediawiki.revision-create', domain: 'canary' }, page_namespace: 0 });
    const r = await run({ paths: ['-'] }, `${canary}\n\n[1,2]\n`);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^event 1 \(line 1 of stdin\) on stream mediawiki\.revision-create \(its meta\.stream\), a canary event$/m);
    assert.match(r.out, /^ {2}image_matching_revisions: dropped as a canary/m);
    assert.match(r.out, /^event 2 \(line 3 of stdin\): not an event, the router would dead-letter it: event must be a JSON object, got array$/m);
  });

  test('take the rules from --config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-dryrun-config-'));
    mkdirSync(join(dir, 'myrules'));
    writeFileSync(join(dir, 'myrules/only.yaml'), 'rules:\n  - name: only_this\n    topics: [mediawiki.revision-create]\n    steps:\n      - drop:\n');
    writeFileSync(join(dir, 'config.yaml'), 'kafka: {brokers: "127.0.0.1:9"}\nrules: {paths: [myrules]}\n');
    const r = await run({ paths: [revisions], config: join(dir, 'config.yaml') });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ {2}only_this: matched$/m);
    assert.doesNotMatch(r.out, /image_matching_revisions/);
  });
});

describe('test usage', () => {
  const cases: [string, Partial<TestCommandOptions>, RegExp][] = [
    ['event files mixed with rule folders', { paths: ['demo/events/revision-create.ndjson', 'rules'] }, /give event files .* or rule folders and test files, not both/],
    ['--config with --rules', { paths: ['-'], config: 'config.example.yaml', rules: ['rules'] }, /give --config or --rules, not both/],
    ['a --stream no rule reads', { paths: [join(REPO, 'demo/events/revision-create.ndjson')], rules: [join(REPO, 'rules')], stream: 'nope' }, /--stream nope: no rule reads it/],
    ['--stream with rule tests', { paths: [join(REPO, 'rules')], stream: 'mediawiki.revision-create' }, /--stream goes with event files/],
    ['a missing configuration', { paths: [join(REPO, 'rules')], config: '/nonexistent.yaml' }, /configuration error: cannot read config file/],
  ];
  for (const [name, opts, message] of cases) {
    test(`exits 2 on ${name}`, async () => {
      const r = await run(opts);
      assert.equal(r.code, 2, r.out);
      assert.match(r.err, message);
    });
  }
});

describe('no side effects', () => {
  const guard = pathToFileURL(join(REPO, 'test/helpers/forbid-io.mjs')).href;
  const cli = (args: string[], cwd = REPO) =>
    spawnSync(process.execPath, ['--import', guard, join(REPO, 'bin/imagematching-router.js'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, IMR_RUN_SOURCES: '1' } });

  test('the guard catches a process that opens a socket (so its silence below means something)', () => {
    const r = cli(['query', '--db', 'postgres://postgres@127.0.0.1:5432/postgres', 'SELECT 1']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /^FORBIDDEN I\/O: socket connect$/m);
  });

  test('rule tests and dry runs open no socket, start no Kafka client and create no database', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-noio-'));
    // A config whose every service is real: anything the command tried to reach would be tried for real.
    writeFileSync(join(dir, 'config.yaml'), `kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "", embedded_path: ${JSON.stringify(join(dir, 'pgdata'))}}\nsource: {state_dir: ${JSON.stringify(join(dir, 'state'))}}\nrules: {paths: [${JSON.stringify(join(REPO, 'rules'))}]}\n`);
    for (const args of [
      ['test', 'rules/'],
      ['test', '--config', join(dir, 'config.yaml'), 'demo/events/revision-create.ndjson', 'demo/events/android-image-recommendation-interaction.ndjson'],
      ['test', '--json', '--stream', 'mediawiki.image_suggestions_feedback', 'demo/events/image-suggestions-feedback.ndjson'],
    ]) {
      const r = cli(args);
      assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stderr, /FORBIDDEN I\/O/, args.join(' '));
      assert.ok(r.stdout.length > 0);
    }
    assert.equal(existsSync(join(dir, 'pgdata')), false, 'an embedded database was created');
    assert.equal(existsSync(join(dir, 'state')), false, 'the state folder was created');
  });
});
