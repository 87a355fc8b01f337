// SIGHUP to a real `run` process reloads its rules: a rule file changed on disk applies to the next event; a broken
// one is refused with its problem (file:line) logged and the running rule goes on.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { uniqueName, waitFor } from '../../helpers/services.ts';
import { REPO, RecordingServer, writeRouterConfig } from '../../helpers/router-harness.ts';

describe('SIGHUP reloads the rules of `run`', () => {
  const effects = new RecordingServer();
  let child: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let dir: string;
  let n = 0;
  const rules = (version: number) =>
    `rules:\n  - name: effects\n    topics: [test.events]\n    steps:\n      - http: {method: POST, uri: 'http://127.0.0.1:${effects.port}/effect', body: {n: '{{message.n}}', version: ${version}}}\n`;
  const send = () => appendFileSync(join(dir, 'events.ndjson'), `${JSON.stringify({ meta: { stream: 'test.events' }, n: n++ })}\n`);
  const logged = (msg: string) => output.split('\n').filter((l) => l.includes(`"msg":"${msg}`));

  before(async () => {
    await effects.start();
    let config: string;
    ({ dir, config } = writeRouterConfig({
      service: uniqueName('imr-sighup'),
      rules: rules(1),
      extra: 'source: {type: file, state_dir: state, file: {paths: [events.ndjson], follow: true}}\n',
    }));
    writeFileSync(join(dir, 'events.ndjson'), '');
    // The reload's own log lines are what this test reads.
    writeFileSync(config, readFileSync(config, 'utf8').replace(/log: \{level: \w+\}/, 'log: {level: info}'));
    child = spawn(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', config], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    await waitFor('the router started', () => output.includes('"msg":"router started"') || undefined, 60_000, 50);
  });
  after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await effects.stop();
  });

  test('a changed rule file applies after SIGHUP; a broken one is refused; SIGTERM still drains', async () => {
    send();
    await waitFor('the first event applied', () => effects.requests.length === 1 || undefined, 30_000, 20);

    writeFileSync(join(dir, 'rules.yaml'), rules(2));
    child.kill('SIGHUP');
    await waitFor('the reload logged', () => logged('rules reloaded').length === 1 || undefined, 30_000, 20);
    assert.deepEqual(
      (({ trigger, added, removed, changed, unchanged }) => ({ trigger, added, removed, changed, unchanged }))(JSON.parse(logged('rules reloaded')[0]!)),
      { trigger: 'SIGHUP', added: [], removed: [], changed: ['effects'], unchanged: [] },
    );
    send();
    await waitFor('the second event applied', () => effects.requests.length === 2 || undefined, 30_000, 20);
    assert.deepEqual(effects.requests.map((r) => r.body.version), [1, 2]);

    writeFileSync(join(dir, 'rules.yaml'), rules(3).replace('http:', 'htp:'));
    child.kill('SIGHUP');
    await waitFor('the refusal logged', () => logged('rules reload rejected').length === 1 || undefined, 30_000, 20);
    const refusal = JSON.parse(logged('rules reload rejected')[0]!) as { level: string; problems: string[] };
    assert.equal(refusal.level, 'warn');
    assert.match(refusal.problems.join('\n'), /rules\.yaml:\d+:\d+: effects\.steps\[0\]\.htp: unknown handler "htp"/);
    send();
    await waitFor('the third event applied', () => effects.requests.length === 3 || undefined, 30_000, 20);
    assert.equal(effects.requests[2]!.body.version, 2, 'the running rule went on');

    child.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
  });
});
