import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../helpers/router-harness.ts';
import { TEST_DATABASE_URL } from '../../helpers/services.ts';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/imagematching-router.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the command line', () => {
  test('--help lists every command', () => {
    const r = cli(['--help']);
    assert.equal(r.code, 0);
    for (const command of ['run', 'migrate', 'validate', 'test', 'query', 'redrive', 'check-config', 'extract-images']) {
      assert.match(r.stdout, new RegExp(`^\\s+${command}\\b`, 'm'), `${command} missing from --help`);
    }
  });

  test('--version and -V print the version of package.json', () => {
    const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = cli([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${version}\n`);
    }
  });

  test('query piped into a reader that closes early (| head) stops quietly with exit 0', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" bin/imagematching-router.js query --db "$DB" --format table 'SELECT g FROM generate_series(1, 300000) g' | head -n 2`], {
      cwd: REPO,
      encoding: 'utf8',
      env: { ...process.env, DB: TEST_DATABASE_URL },
    });
    assert.equal(r.stdout, '   g\n--------\n');
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
  });

  test('validate reports a broken rule file with file, line, column, rule path and reason, and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-validate-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, ['rules:', '  - name: images', '    topics: [mediawiki.revision-create]', '    steps:', '      - http:', '          methd: GET', "          uri: 'https://example.org/'", '      - fetch_revison: {}', ''].join('\n'));
    const r = cli(['validate', file]);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n');
    assert.ok(lines.includes(`${file}:6:11: images.steps[0].http.methd: unknown option "methd" (did you mean "method"?)`), r.stdout);
    assert.ok(lines.some((l) => l.startsWith(`${file}:8:9: images.steps[1].fetch_revison: unknown handler "fetch_revison"`)), r.stdout);
  });

  test('validate accepts the rules shipped in rules/', () => {
    const r = cli(['validate', 'rules']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ok: \d+ rule\(s\) valid/m);
  });

  test('a bad configuration exits 2 with one line naming the setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://x", pool_size: many}\n');
    const r = cli(['check-config', '--config', file]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), 'imagematching-router: configuration error: database.pool_size: must be integer');
  });

  test('a configuration wrong in several places exits 2 naming every problem, one line each', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-config-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'kafak: {}\nkafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://x", pool_size: many}\nlog: {levle: info}\n');
    for (const command of ['check-config', 'run']) {
      const r = cli([command, '--config', file]);
      assert.equal(r.code, 2, command);
      assert.deepEqual(r.stderr.trim().split('\n').sort(), [
        'imagematching-router: configuration error: database.pool_size: must be integer',
        'imagematching-router: configuration error: kafak: unknown key "kafak" (did you mean "kafka"?)',
        'imagematching-router: configuration error: log.levle: unknown key "levle" (did you mean "level"?)',
      ], command);
    }
  });

  test('file-source inputs that do not exist, or a folder without events, exit 2 naming each before anything starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-inputs-'));
    mkdirSync(join(dir, 'empty'));
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      `source: {type: file, state_dir: state, file: {paths: [missing.ndjson, empty]}}\ndatabase: {embedded_path: pgdata}\nrules: {paths: [${JSON.stringify(join(REPO, 'rules'))}]}\n`,
    );
    for (const command of ['check-config', 'run']) {
      const r = cli([command, '--config', file]);
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.deepEqual(r.stderr.trim().split('\n'), [
        `imagematching-router: configuration error: source.file.paths[0]: ${join(dir, 'missing.ndjson')} does not exist`,
        `imagematching-router: configuration error: source.file.paths[1]: folder ${join(dir, 'empty')} has no event file (*.ndjson, *.jsonl, *.json)`,
      ], command);
    }
    // Refused before any side effect: no embedded database, no state folder.
    assert.equal(existsSync(join(dir, 'pgdata')), false);
    assert.equal(existsSync(join(dir, 'state')), false);
  });

  test('a rule on a Kafka cluster the config does not define fails check-config as it fails run, naming the cluster', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-clusters-'));
    writeFileSync(join(dir, 'rules.yaml'), ['rules:', '  - name: jumbo', '    cluster: analytics', '    topics: [t]', '    steps: [log: {}]', ''].join('\n'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'kafka: {brokers: "127.0.0.1:1"}\ndatabase: {url: "postgres://127.0.0.1:1/x"}\nrules: {paths: [rules.yaml]}\n');
    const problem = 'unknown Kafka cluster "analytics" (configured: main; add it under kafka.clusters)';
    const check = cli(['check-config', '--config', file]);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.equal(check.stdout.trim(), problem);
    const run = cli(['run', '--config', file]);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(problem.replace(/[()]/g, '\\$&')));
  });

  test('an http step calling a written-out host outside http.allowed_hosts exits 2 at its URI, before anything starts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-hosts-'));
    writeFileSync(join(dir, 'events.ndjson'), '{"n": 1}\n');
    writeFileSync(
      join(dir, 'rules.yaml'),
      [
        'rules:',
        '  - name: purge',
        '    topics: [t]',
        '    steps:',
        "      - http: {method: POST, uri: 'https://purge.example.org/wiki/{{message.n}}'}",
        "      - http: {method: POST, uri: 'https://api.example.org/x'}",
        "      - http: {method: POST, uri: 'https://{{message.wiki}}.example.org/x'}",
        '  - name: later',
        '    enabled: false',
        '    topics: [t]',
        "    steps: [http: {uri: 'https://other.example.org/'}]",
        '',
      ].join('\n'),
    );
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'source: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\ndatabase: {embedded_path: pgdata}\nhttp: {allowed_hosts: [api.example.org]}\nrules: {paths: [rules.yaml]}\n');
    for (const command of ['check-config', 'run']) {
      const r = cli([command, '--config', file]);
      assert.equal(r.code, 2, `${command}: ${r.stdout}${r.stderr}`);
      // The templated host is checked per request; the disabled rule when it is enabled.
      assert.deepEqual(r.stderr.trim().split('\n'), [
        `imagematching-router: configuration error: ${join(dir, 'rules.yaml')}:5:35: purge.steps[0].http.uri: host purge.example.org is not in the config's http.allowed_hosts (api.example.org)`,
      ], command);
    }
    assert.equal(existsSync(join(dir, 'pgdata')), false);
    assert.equal(existsSync(join(dir, 'state')), false);
  });

  test('a missing configuration file exits 2', () => {
    const r = cli(['run', '--config', '/nonexistent/config.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^imagematching-router: configuration error: cannot read config file \/nonexistent\/config.yaml: ENOENT$/);
  });

  test('migrate works with the example configuration and is idempotent', () => {
    const env = { DATABASE_URL: TEST_DATABASE_URL };
    const first = cli(['migrate', '--config', 'config.example.yaml'], env);
    assert.equal(first.code, 0, first.stderr);
    const second = cli(['migrate', '--config', 'config.example.yaml'], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /schema is up to date/);
    // The summary goes to stderr as one JSON line, naming what was applied (nothing, the second time).
    const finished = (stderr: string) => stderr.split('\n').filter((l) => l.includes('"migrate finished"')).map((l) => JSON.parse(l) as { summary: { applied: string[]; already_applied: number } });
    const applied = Number(/applied (\d+) migration/.exec(first.stdout)?.[1] ?? 0);
    assert.equal(finished(first.stderr)[0]?.summary.applied.length, applied, first.stderr);
    assert.deepEqual(finished(second.stderr).map((f) => f.summary.applied), [[]]);
  });
});

describe('a database that cannot be reached at start', () => {
  /** A port nothing listens on: opened and closed again. */
  async function closedPort(): Promise<number> {
    const { createServer } = await import('node:net');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  for (const command of ['migrate', 'run']) {
    test(`${command} exits 1 naming database.url (password masked) and the reason`, async () => {
      const port = await closedPort();
      const dir = mkdtempSync(join(tmpdir(), 'imr-unreachable-'));
      const file = join(dir, 'config.yaml');
      writeFileSync(file, `kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://router:s3cret@127.0.0.1:${port}/imr"}\nrules: {paths: [${join(REPO, 'rules')}]}\n`);
      const r = cli([command, '--config', file]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const line = `imagematching-router: database.url postgres://router:***@127.0.0.1:${port}/imr is unreachable: connect ECONNREFUSED 127.0.0.1:${port}`;
      assert.ok(r.stderr.split('\n').includes(line), r.stderr);
      assert.ok(!(r.stdout + r.stderr).includes('s3cret'));
    });
  }
});
