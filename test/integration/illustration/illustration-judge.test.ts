// IllustrationJudge over real HTTP: the router's ActionApi client against the local Action API stand-in. The model's
// decisions with request counts measured at the server, and API faults (5xx, 429, maxlag, a proxy page) that reject
// the decision as retriable, never a guess, with the next attempt deciding.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { MediaWikiSchema, type MediaWikiConfig } from '../../../lib/config/schema.ts';
import { TransientError } from '../../../lib/errors.ts';
import { IllustrationJudge } from '../../../lib/illustration/illustration-judge.ts';
import { ActionApi } from '../../../lib/mediawiki/action-api.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';

const WIKI = 'en.wikipedia.org';

describe('IllustrationJudge against a local Action API', () => {
  const server = new FakeMediaWiki();
  const apis: ActionApi[] = [];
  let judge: IllustrationJudge;

  before(async () => {
    await server.start();
    server.siteinfo.statistics.articles = 6_900_000;
    server.fileUsage.set('Flag_of_France.svg', Array.from({ length: 5000 }, (_, i) => i + 1));
    server.fileUsage.set('Eiffel_Tower.jpg', [101, 102, 103]);
    server.pageProps.set(77, { lastRevId: 7001, pageImageFree: 'Eiffel_Tower.jpg' });
    server.pageProps.set(78, { lastRevId: 7002 });
  });
  beforeEach(() => {
    server.requests.length = 0;
    server.failures.length = 0;
    const settings: MediaWikiConfig = {
      ...(Value.Default(MediaWikiSchema, {}) as MediaWikiConfig),
      api_url: server.url,
      allowed_domains: ['*.wikipedia.org'],
      user_agent: 'imagematching-router-test/1.0 (test@example.org)',
      timeout_ms: 2000,
    };
    judge = new IllustrationJudge({
      api: (domain) => {
        const api = new ActionApi(domain, settings);
        apis.push(api);
        return api;
      },
      batchLingerMs: 5,
    });
  });
  afterEach(async () => {
    await judge.idle();
    await Promise.all(apis.splice(0).map((api) => api.close()));
  });
  after(async () => {
    await server.stop();
  });

  test('a page whose only image is a flag stays unillustrated; a real photo illustrates it', async () => {
    const flagOnly = await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.deepEqual([flagOnly.illustrated, flagOnly.icons], [false, ['Flag_of_France.svg']]);
    const withPhoto = await judge.decide(WIKI, ['Flag_of_France.svg', 'Eiffel_Tower.jpg']);
    assert.deepEqual([withPhoto.illustrated, withPhoto.source, withPhoto.counted], [true, 'image', ['Eiffel_Tower.jpg']]);
    // siteinfo once, the flag once, the photo once: the cached flag is not asked again.
    assert.equal(server.requests.length, 3);
    assert.equal(judge.stats.requests, server.requests.length);
    for (const request of server.requests) {
      assert.equal(request.domain, WIKI);
      assert.equal(request.params.get('maxlag'), '5');
      assert.equal(request.headers['user-agent'], 'imagematching-router-test/1.0 (test@example.org)');
    }
    assert.deepEqual(server.requests.filter((r) => r.params.get('prop') === 'fileusage').map((r) => r.params.get('titles')), ['File:Flag of France.svg', 'File:Eiffel Tower.jpg']);
  });

  test('page images of concurrent pages come in one request', async () => {
    const [withImage, without] = await Promise.all([judge.pageImages(WIKI, 77), judge.pageImages(WIKI, 78)]);
    assert.deepEqual(withImage, { kind: 'found', pageId: 77, lastRevId: 7001, pageImage: null, pageImageFree: 'Eiffel_Tower.jpg' });
    assert.deepEqual(without, { kind: 'found', pageId: 78, lastRevId: 7002, pageImage: null, pageImageFree: null });
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.params.get('ppprop'), 'page_image|page_image_free');
  });

  const faults: Array<[string, { status?: number; headers?: Record<string, string>; body?: unknown }, number | undefined]> = [
    ['an HTTP 503', { status: 503, body: 'Service Unavailable' }, undefined],
    ['an HTTP 429 with Retry-After', { status: 429, headers: { 'retry-after': '3' }, body: '' }, 3000],
    ['a maxlag error', { body: { error: { code: 'maxlag', info: 'Waiting for 10.64.48.35: 7 seconds lagged.', lag: 7 } } }, 7000],
    ['a proxy error page with status 200', { body: '<html>upstream connect error</html>' }, undefined],
  ];
  for (const [what, failure, retryAfterMs] of faults) {
    test(`${what} on the usage look-up rejects the decision as retriable and caches nothing; the retry decides`, async () => {
      await judge.threshold(WIKI);
      server.failures.push(failure);
      await assert.rejects(judge.decide(WIKI, ['Flag_of_France.svg']), (err: unknown) => err instanceof TransientError && err.retryAfterMs === retryAfterMs);
      const verdict = await judge.decide(WIKI, ['Flag_of_France.svg']);
      assert.equal(verdict.illustrated, false);
      assert.equal(server.requests.filter((r) => r.params.get('prop') === 'fileusage').length, 2);
    });
  }

  test('a failed article count rejects every decision waiting for it, then the next one asks again', async () => {
    server.failures.push({ status: 502, body: 'Bad Gateway' });
    const waiting = await Promise.allSettled([judge.decide(WIKI, ['Eiffel_Tower.jpg']), judge.decide(WIKI, ['Flag_of_France.svg'])]);
    assert.ok(waiting.every((r) => r.status === 'rejected' && r.reason instanceof TransientError));
    assert.equal(server.requests.length, 1, 'one statistics request for both');
    assert.equal((await judge.decide(WIKI, ['Eiffel_Tower.jpg'])).illustrated, true);
  });

  test('a page images look-up that fails is retriable, not a page without image', async () => {
    server.failures.push({ status: 500, body: '' });
    await assert.rejects(judge.pageImages(WIKI, 77), TransientError);
    assert.equal((await judge.pageImages(WIKI, 77)).kind, 'found');
  });
});
