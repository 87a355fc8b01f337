import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../lib/log.ts';
import { startAdminServer, tokenMatches, type AdminRule, type AdminServer } from '../../../lib/admin/server.ts';
import { decodeCursor, encodeCursor } from '../../../lib/admin/cursor.ts';
import type { Health } from '../../../lib/admin/readiness.ts';
import type { Queryable } from '../../../lib/admin/state-queries.ts';
import { createMetrics, PrometheusObserver } from '../../../lib/metrics/index.ts';

const TOKEN = 's3cr3t-admin-token-value';

class FakeRule implements AdminRule {
  status = 'running';
  isPaused = false;
  lastCommitError: string | null = null;
  readonly topics = ['mediawiki.revision-create', 'svc.retry.mediawiki.revision-create'];
  constructor(readonly name: string) {}
  pending() {
    return [{ topic: 'mediawiki.revision-create', partition: 0, unfinished: 2, committed: 10, paused: this.isPaused }];
  }
  pause() {
    this.isPaused = true;
    this.status = 'paused';
  }
  resume() {
    this.isPaused = false;
    this.status = 'running';
  }
}

class FakeDb implements Queryable {
  queries: Array<{ text: string; values: unknown[] }> = [];
  rows: Array<Record<string, unknown>> = [];
  fail: Error | null = null;
  async query<R>(text: string, values: unknown[] = []) {
    this.queries.push({ text, values });
    if (this.fail) throw this.fail;
    return { rows: this.rows as R[] };
  }
}

describe('admin API', () => {
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const log = createLogger('trace', sink);
  const rule = new FakeRule('revision_images');
  const db = new FakeDb();
  let health: Health = { kafka: true, database: true, reasons: [] };
  const metrics = createMetrics({ defaultMetrics: false });
  const observer = new PrometheusObserver(metrics);
  let server: AdminServer;
  let disabled: AdminServer;
  let base: string;

  before(async () => {
    const deps = { log, rules: () => [rule], readiness: { check: async () => health }, db, token: TOKEN, registry: metrics.registry, observer };
    server = await startAdminServer('127.0.0.1:0', deps);
    disabled = await startAdminServer('127.0.0.1:0', { ...deps, token: '' });
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server.close();
    await disabled.close();
  });

  const get = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, init);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const post = (path: string, headers: Record<string, string> = {}, body?: string) => get(path, { method: 'POST', headers, body });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  test('healthz answers 200 while the process is alive', async () => {
    const res = await get('/healthz');
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  test('readyz answers 503 with the reasons when a dependency is down, and 200 when all are up', async () => {
    health = { kafka: true, database: false, reasons: ['database: connect ECONNREFUSED'] };
    const down = await get('/readyz');
    assert.equal(down.status, 503);
    assert.deepEqual(down.json(), { status: 'not ready', kafka: true, database: false, reasons: ['database: connect ECONNREFUSED'] });
    health = { kafka: true, database: true, reasons: [] };
    assert.equal((await get('/readyz')).status, 200);
  });

  test('metrics are served in the Prometheus text format', async () => {
    observer.consumed('revision_images', 'mediawiki.revision-create', 0);
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(res.text, /imagematching_router_events_consumed_total\{rule="revision_images",topic="mediawiki.revision-create",partition="0"\} 1/);
  });

  test('rules are listed with topics, state, partitions and counters', async () => {
    observer.lag('revision_images', 'mediawiki.revision-create', 0, 5);
    observer.timeLag('revision_images', 'mediawiki.revision-create', 0, 42);
    const body = (await get('/v1/rules')).json() as { rules: Array<Record<string, unknown>> };
    assert.equal(body.rules.length, 1);
    const [r] = body.rules;
    assert.equal(r!.name, 'revision_images');
    assert.equal(r!.status, 'running');
    assert.deepEqual(r!.topics, rule.topics);
    assert.deepEqual(r!.partitions, [{ topic: 'mediawiki.revision-create', partition: 0, pending: 2, committed_offset: 10, lag: 5, age_seconds: 42, paused: false }]);
    assert.equal((r!.counters as Record<string, number>).consumed, 1);
  });

  test('pause and resume without a token, or with a wrong one, are refused with 401 and change nothing', async () => {
    for (const headers of [{}, bearer('wrong'), bearer(`${TOKEN}x`), { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await post('/v1/rules/revision_images/pause', headers);
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.deepEqual(res.json(), { error: 'unauthorized' });
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal((await post('/v1/rules/no_such_rule/pause')).status, 401, 'rule names are not revealed before authentication');
    assert.equal(rule.isPaused, false);
  });

  test('pause and resume with the token change the rule state', async () => {
    const paused = await post('/v1/rules/revision_images/pause', bearer(TOKEN));
    assert.equal(paused.status, 200);
    assert.deepEqual(paused.json(), { rule: 'revision_images', status: 'paused', paused: true });
    assert.equal(rule.isPaused, true);
    const resumed = await post('/v1/rules/revision_images/resume', bearer(TOKEN));
    assert.deepEqual(resumed.json(), { rule: 'revision_images', status: 'running', paused: false });
    assert.equal(rule.isPaused, false);
  });

  test('pausing an unknown rule is a 404, a malformed name a 400', async () => {
    assert.equal((await post('/v1/rules/no_such_rule/pause', bearer(TOKEN))).status, 404);
    assert.equal((await post('/v1/rules/Bad-Name/pause', bearer(TOKEN))).status, 400);
  });

  test('without a configured token pause and resume answer 403 disabled, whatever the client sends', async () => {
    for (const path of ['/v1/rules/revision_images/pause', '/v1/rules/revision_images/resume']) {
      const res = await fetch(`http://127.0.0.1:${disabled.port}${path}`, { method: 'POST', headers: bearer('') });
      assert.equal(res.status, 403);
      assert.match(((await res.json()) as { error: string }).error, /^disabled/);
    }
    assert.equal(tokenMatches('', ''), false, 'an empty token never matches');
  });

  test('the admin token never appears in the logs, access log lines included', async () => {
    await post('/v1/rules/revision_images/pause', bearer(TOKEN));
    await post('/v1/rules/revision_images/resume', bearer(TOKEN));
    await post('/v1/rules/revision_images/pause', bearer(`${TOKEN}-wrong`));
    const text = logLines.join('');
    assert.match(text, /"msg":"admin request"/, 'access lines are logged at debug');
    assert.match(text, /"path":"\/v1\/rules\/revision_images\/pause"/);
    assert.ok(!text.includes(TOKEN), 'token leaked into the log');
  });

  test('page look-ups validate wiki and page id before touching the database', async () => {
    const before = db.queries.length;
    for (const path of ['/v1/pages/EN-wiki/1', '/v1/pages/enwiki/0', '/v1/pages/enwiki/-1', '/v1/pages/enwiki/abc', '/v1/pages/enwiki/99999999999999999999', "/v1/pages/en'wiki/1"]) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.equal(typeof res.json().error, 'string');
    }
    assert.equal(db.queries.length, before);
  });

  test('a page without any state is a 404; a page with state returns it and its recommendations', async () => {
    db.rows = [];
    assert.equal((await get('/v1/pages/enwiki/123')).status, 404);
    db.rows = [{ wiki: 'enwiki', page_id: '123', image: 'A.jpg', status: 'accepted', rev_id: '7', updated_at: '2024-05-01T00:00:00.000000Z' }];
    const res = await get('/v1/pages/enwiki/123');
    assert.equal(res.status, 200);
    const body = res.json();
    assert.equal(body.page_id, 123);
    assert.equal((body.recommendations as unknown[]).length, 1);
  });

  test('recommendation listing rejects bad filters, limits and cursors with 400 and a JSON error', async () => {
    const bad = [
      '?limit=0',
      '?limit=1001',
      '?limit=ten',
      '?status=maybe',
      '?wiki=EN',
      '?wiki=enwiki&wiki=dewiki',
      '?since=yesterday',
      '?since=2024-05-01T00:00:00',
      '?cursor=abc',
      `?cursor=${Buffer.from('[1,"x"]').toString('base64url')}`,
    ];
    for (const query of bad) {
      const res = await get(`/v1/recommendations${query}`);
      assert.equal(res.status, 400, query);
      assert.equal(typeof res.json().error, 'string', query);
    }
  });

  test('recommendation listing passes every filter as a bound parameter and returns the next cursor when more rows exist', async () => {
    const row = (image: string) => ({ wiki: 'enwiki', page_id: '5', image, status: 'undecided', rev_id: null, updated_at: '2024-05-01T00:00:00.000001Z' });
    db.rows = [row('A.jpg'), row('B.jpg'), row('C.jpg')];
    const after = encodeCursor({ updatedAt: '2024-04-01T00:00:00.000000Z', wiki: 'enwiki', pageId: '4', image: "x'); DROP TABLE t; --" });
    const res = await get(`/v1/recommendations?wiki=enwiki&status=undecided&since=2024-04-01T00:00:00Z&limit=2&cursor=${after}`);
    assert.equal(res.status, 200);
    const body = res.json() as { items: Array<{ image: string; page_id: number }>; next_cursor: string };
    assert.deepEqual(body.items.map((i) => i.image), ['A.jpg', 'B.jpg']);
    assert.equal(body.items[0]!.page_id, 5);
    assert.equal(typeof body.next_cursor, 'string');
    const q = db.queries.at(-1)!;
    assert.ok(!q.text.includes('DROP TABLE') && !q.text.includes('enwiki'), 'no input in the SQL text');
    assert.deepEqual(q.values, ['imagematching-router', 'enwiki', 'undecided', '2024-04-01T00:00:00Z', '2024-04-01T00:00:00.000000Z', 'enwiki', '4', "x'); DROP TABLE t; --", 3]);

    db.rows = [row('A.jpg')];
    const last = (await get('/v1/recommendations?limit=2')).json() as { next_cursor: string | null; resume_cursor: string | null };
    assert.equal(last.next_cursor, null, 'the last page has no next cursor');
    assert.deepEqual(decodeCursor(last.resume_cursor!), { updatedAt: '2024-05-01T00:00:00.000001Z', wiki: 'enwiki', pageId: '5', image: 'A.jpg' }, 'but a cursor to poll with later');
    db.rows = [];
    assert.equal((await get(`/v1/recommendations?cursor=${after}`)).json().resume_cursor, after, 'an empty page keeps the cursor it was given');
    assert.equal((await get('/v1/recommendations')).json().resume_cursor, null, 'nothing listed yet: nothing to resume from');
  });

  test('every GET route refuses an unknown query parameter with a 400 naming it, with a guess, before touching the database', async () => {
    const before = db.queries.length;
    const cases: Array<[string, string]> = [
      ['/v1/recommendations?staus=rejected', 'unknown query parameter staus (did you mean status?): only wiki, status, since, limit, cursor'],
      ['/v1/recommendations?wiki=enwiki&limt=5&zzz=1', 'unknown query parameters limt (did you mean limit?), zzz: only wiki, status, since, limit, cursor'],
      ['/v1/pages/enwiki/1?verbose=1', 'unknown query parameter verbose: this route takes none'],
      ['/v1/rules?name=x', 'unknown query parameter name: this route takes none'],
      ['/healthz?x=1', 'unknown query parameter x: this route takes none'],
      ['/readyz?x=1', 'unknown query parameter x: this route takes none'],
      ['/metrics?x=1', 'unknown query parameter x: this route takes none'],
      ['/v1/suggestions/enwiki?lmit=5', 'unknown query parameter lmit (did you mean limit?): only limit, cursor'],
    ];
    for (const [path, error] of cases) {
      const res = await get(path);
      assert.equal(res.status, 400, path);
      assert.deepEqual(res.json(), { error }, path);
    }
    assert.equal(db.queries.length, before);
  });

  test('a database failure is a 500 with a generic JSON error, never a stack trace', async () => {
    db.fail = new Error('relation "recommendation_status" does not exist at /work/secret/path.ts:12');
    try {
      const res = await get('/v1/recommendations');
      assert.equal(res.status, 500);
      assert.deepEqual(res.json(), { error: 'internal error' });
    } finally {
      db.fail = null;
    }
  });

  test('bodies over the size limit are refused with 413, malformed JSON with 400', async () => {
    const big = await post('/v1/rules/revision_images/pause', { ...bearer(TOKEN), 'content-type': 'application/json' }, JSON.stringify({ pad: 'x'.repeat(4096) }));
    assert.equal(big.status, 413);
    assert.equal(typeof big.json().error, 'string');
    const malformed = await post('/v1/rules/revision_images/pause', { ...bearer(TOKEN), 'content-type': 'application/json' }, '{"oops');
    assert.equal(malformed.status, 400);
    assert.doesNotMatch(malformed.text, /\n\s+at |node_modules|\.ts:\d/, 'no stack trace');
    assert.equal(typeof malformed.json().error, 'string');
    rule.resume();
  });

  test('unknown routes are a JSON 404', async () => {
    const res = await get('/v2/nothing');
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { error: 'not found' });
  });

  test('starting on a port that is taken, or on a malformed address, fails instead of running without an admin API', async () => {
    const deps = { log, rules: () => [], readiness: { check: async () => health }, db, token: '' };
    await assert.rejects(startAdminServer(`127.0.0.1:${server.port}`, deps), /EADDRINUSE/);
    await assert.rejects(startAdminServer('127.0.0.1', deps), /host:port/);
    await assert.rejects(startAdminServer('127.0.0.1:70000', deps), /host:port/);
  });
});
