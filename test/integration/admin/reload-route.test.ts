// POST /v1/reload on a running router (file source): token-guarded, 200 with what changed, 422 with every problem
// of an invalid rule set (the running rules go on), each counted in imagematching_router_rules_reloads_total.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, writeRouterConfig } from '../../helpers/router-harness.ts';
import { startInProcessRouter, type InProcessRouter } from '../../helpers/in-process-router.ts';

const TOKEN = `tok-${uniqueName('reload')}`;

describe('POST /v1/reload', () => {
  const effects = new RecordingServer();
  let running: InProcessRouter;
  let dir: string;
  let n = 0;
  const rules = (version: number) =>
    `rules:\n  - name: effects\n    topics: [test.events]\n    steps:\n      - http: {method: POST, uri: 'http://127.0.0.1:${effects.port}/effect', body: {n: '{{message.n}}', version: ${version}}}\n`;
  const send = () => appendFileSync(join(dir, 'events.ndjson'), `${JSON.stringify({ meta: { stream: 'test.events' }, n: n++ })}\n`);
  const reload = (token?: string) => fetch(`${running.url}/v1/reload`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  const reloadsTotal = async () => {
    const text = await (await fetch(`${running.url}/metrics`)).text();
    return Object.fromEntries([...text.matchAll(/^imagematching_router_rules_reloads_total\{outcome="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]));
  };

  before(async () => {
    await effects.start();
    ({ dir } = writeRouterConfig({
      service: uniqueName('imr-reload-route'),
      rules: rules(1),
      extra: 'source: {type: file, state_dir: state, file: {paths: [events.ndjson], follow: true}}\n',
    }));
    writeFileSync(join(dir, 'events.ndjson'), '');
    running = await startInProcessRouter(join(dir, 'config.yaml'), { token: TOKEN });
  });
  after(async () => {
    await running?.stop();
    await effects.stop();
  });

  test('without the token: 401, nothing reloaded', async () => {
    assert.equal((await reload()).status, 401);
    assert.equal((await reload('wrong')).status, 401);
    assert.deepEqual(await reloadsTotal(), { applied: 0, rejected: 0, failed: 0 });
  });

  test('a changed rule: 200 with the diff, and the new rule applies to the next event', async () => {
    send();
    await waitFor('the first event applied', () => effects.requests.length === 1 || undefined, 30_000, 20);
    writeFileSync(join(dir, 'rules.yaml'), rules(2));
    const res = await reload(TOKEN);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { outcome: 'applied', added: [], removed: [], changed: ['effects'], kept: [] });
    send();
    await waitFor('the second event applied', () => effects.requests.length === 2 || undefined, 30_000, 20);
    assert.deepEqual(effects.requests.map((r) => r.body.version), [1, 2]);
    assert.deepEqual(await reloadsTotal(), { applied: 1, rejected: 0, failed: 0 });
    assert.match(await (await fetch(`${running.url}/metrics`)).text(), /^imagematching_router_rules_last_reload_success_timestamp_seconds \d+/m);
  });

  test('a broken rule file: 422 with every problem (file:line), the running rule goes on', async () => {
    writeFileSync(join(dir, 'rules.yaml'), rules(3).replace('http:', 'htp:'));
    const res = await reload(TOKEN);
    assert.equal(res.status, 422);
    const body = (await res.json()) as { outcome: string; problems: string[] };
    assert.equal(body.outcome, 'rejected');
    assert.equal(body.problems.length, 1);
    assert.match(body.problems[0]!, /rules\.yaml:\d+:\d+: effects\.steps\[0\]\.htp: unknown handler "htp"/);
    send();
    await waitFor('the third event applied', () => effects.requests.length === 3 || undefined, 30_000, 20);
    assert.equal(effects.requests[2]!.body.version, 2, 'still the rule that ran before');
    assert.deepEqual(await reloadsTotal(), { applied: 1, rejected: 1, failed: 0 });
  });
});
