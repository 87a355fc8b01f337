// The admin API binds before the router starts: a busy admin.listen is a configuration error (exit 2) found before
// a single event is consumed, and until the router is attached /readyz answers 503 "starting".
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { uniqueName } from '../../helpers/services.ts';
import { REPO, RecordingServer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { createMetrics, PrometheusObserver } from '../../../lib/metrics/index.ts';
import { bindAdmin } from '../../../lib/admin/attach.ts';

describe('the admin API binds first', () => {
  const effects = new RecordingServer();
  let taken: Server;
  let port = 0;
  before(async () => {
    await effects.start();
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  after(async () => {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
    await effects.stop();
  });

  const fileRouter = () => {
    const { dir, config } = writeRouterConfig({
      service: uniqueName('imr-bind-first'),
      rules: `rules:\n  - name: effects\n    topics: [test.events]\n    steps:\n      - http: {method: POST, uri: 'http://127.0.0.1:${effects.port}/effect', body: {n: '{{message.n}}'}}\n`,
      extra: `admin: {listen: "127.0.0.1:${port}"}\nsource: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\n`,
    });
    const lines = Array.from({ length: 8 }, (_, n) => JSON.stringify({ meta: { stream: 'test.events' }, n }));
    writeFileSync(join(dir, 'events.ndjson'), `${lines.join('\n')}\n`);
    return { dir, config };
  };

  test('admin.listen on a busy port: exit 2 naming EADDRINUSE and the address, nothing consumed or produced', async () => {
    const { dir, config } = fileRouter();
    const child = spawn(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', config], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2, output);
    assert.match(output, new RegExp(`configuration error: admin\\.listen: cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    assert.equal(effects.requests.length, 0, 'no event reached a step');
    assert.equal(existsSync(join(dir, 'state')), false, 'no checkpoint, retry or dead-letter file written');
  });

  test('bound but not attached: /readyz answers 503 "starting", /v1/rules is empty', async () => {
    const { config } = loadConfigFile(fileRouter().config);
    const metrics = createMetrics({ defaultMetrics: false });
    const bound = await bindAdmin(config, { log: silentLogger, metrics, observer: new PrometheusObserver(metrics), listen: '127.0.0.1:0' });
    try {
      const base = `http://127.0.0.1:${bound.server.port}`;
      const ready = await fetch(`${base}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'starting', kafka: null, database: false, reasons: ['router starting'] });
      assert.deepEqual(await (await fetch(`${base}/v1/rules`)).json(), { rules: [] });
      assert.equal((await fetch(`${base}/v1/pages/enwiki/1`)).status, 503);
    } finally {
      await bound.close();
    }
  });
});
