import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, TEST_DATABASE_URL, uniqueName, waitFor } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';

const TOKEN = `tok-${uniqueName('secret')}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

describe('`run` serves the admin API next to the router', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imr-run-admin-'));
  const logFile = join(dir, 'router.log');
  const topic = uniqueName('imr-run-admin-src');
  const service = uniqueName('imr-run-admin');
  let port = 0;
  let output = '';
  let exited: Promise<number | null>;
  let child: ReturnType<typeof spawn>;

  before(async () => {
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 1 }]);
    port = await freePort();
    writeFileSync(join(dir, 'rules.yaml'), `rules:\n  - name: run_probe\n    topics: [${topic}]\n    steps:\n      - log: {level: debug}\n`);
    // The token comes from the environment, as in config.example.yaml.
    writeFileSync(
      join(dir, 'config.yaml'),
      `service: {name: ${service}}
kafka: {brokers: "${KAFKA_BROKERS}", dc_prefixes: [""], commit_interval_ms: 100, shutdown_timeout_ms: 5000}
database: {url: "${TEST_DATABASE_URL}", migrate_on_start: false}
admin: {listen: "127.0.0.1:${port}", token: "\${ADMIN_TOKEN}"}
rules: {paths: [rules.yaml]}
log: {level: debug}
`,
    );
    child = spawn(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', join(dir, 'config.yaml')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ADMIN_TOKEN: TOKEN },
    });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  });
  after(async () => {
    writeFileSync(logFile, output);
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });

  test('readyz, rules, metrics and pause answer on admin.listen, SIGTERM closes it with exit 0, and the token is never logged', async () => {
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the admin API ready', async () => {
      const res = await fetch(`${base}/readyz`).catch(() => null);
      return res?.status === 200 || undefined;
    }, 60_000, 200);

    const rules = (await (await fetch(`${base}/v1/rules`)).json()) as { rules: Array<{ name: string; status: string }> };
    assert.deepEqual(rules.rules.map((r) => [r.name, r.status]), [['run_probe', 'running']]);
    assert.match(await (await fetch(`${base}/metrics`)).text(), /# TYPE imagematching_router_events_consumed_total counter/);
    assert.equal((await fetch(`${base}/v1/rules/run_probe/pause`, { method: 'POST' })).status, 401);
    const paused = await fetch(`${base}/v1/rules/run_probe/pause`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(paused.status, 200);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
    await assert.rejects(fetch(`${base}/healthz`), 'the admin API is closed after shutdown');

    assert.match(output, /"msg":"admin request"/);
    assert.match(output, /"msg":"rule paused through the admin API"/);
    assert.ok(!output.includes(TOKEN), `the admin token appeared in the log (see ${logFile})`);
    const services = new Set(output.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { service?: string }).service));
    assert.deepEqual([...services], [service], 'every log line names the configured service.name');
  });
});
