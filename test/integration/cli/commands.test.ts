import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
