// fetch_revisions and resolve_page against a local Action API over real HTTP: batching across concurrent
// events (request counts measured at the server), the stored-parent shortcut, and every failure class.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { fetchRevisionsHandler, type FetchedRevisions } from '../../../lib/handlers/fetch-revisions.ts';
import { imageDiffHandler } from '../../../lib/handlers/image-diff.ts';
import { recordPageImagesHandler } from '../../../lib/handlers/record-page-images.ts';
import { resolvePageHandler } from '../../../lib/handlers/resolve-page.ts';
import type { Step, StepContext } from '../../../lib/engine/step.ts';
import { handlerEnvironment, type TestEnvironment } from '../../helpers/handler-environment.ts';
import { PermanentError, TransientError } from '../../../lib/errors.ts';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { createTestDatabase } from '../../helpers/services.ts';
import type { PageImageChange } from '../../../lib/recommendations/revision-rows.ts';
import { extractImages } from '../../../lib/wikitext/extract-images.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';

// Every environment a test opens is closed after it, as the router closes its services when it stops.
const opened: TestEnvironment[] = [];
afterEach(async () => {
  for (const env of opened.splice(0)) await env.close();
});

function environment(api: FakeMediaWiki, pool?: Pool, extra = ''): TestEnvironment {
  const config = parseConfig(
    `kafka: {brokers: "127.0.0.1:9092"}
database: {url: "postgres://unused@127.0.0.1/unused"}
mediawiki:
  api_url: "${api.url}"
  allowed_domains: ["*.wikipedia.org"]
  user_agent: "imagematching-router-test/1.0 (test@example.org)"
  batch_linger_ms: 10
  timeout_ms: 1000
${extra}`,
    {},
  );
  const env = handlerEnvironment(config, pool ? { pool } : {});
  opened.push(env);
  return env;
}

function ctx(message: Record<string, unknown>, results: Record<string, unknown> = {}): StepContext {
  return { message, match: {}, results, source: { topic: 't', partition: 0, offset: 0, key: null, stream: 't' }, rule: 'r', log: silentLogger };
}

const revisionEvent = (pageId: number, revId: number, parent: number | null, domain = 'en.wikipedia.org') => ({
  meta: { domain, dt: '2024-01-01T00:00:00Z', id: `ev-${revId}` },
  database: 'enwiki',
  page_id: pageId,
  page_title: `Page_${pageId}`,
  page_namespace: 0,
  rev_id: revId,
  ...(parent === null ? {} : { rev_parent_id: parent }),
  rev_timestamp: '2024-01-01T00:00:00Z',
  comment: 'edit',
});

/** 200 pages, each with a parent (id 10·p) and a child (10·p+1) adding one image. */
function seed(api: FakeMediaWiki, pages = 200): void {
  for (let p = 1; p <= pages; p++) {
    api.addRevision({ revId: p * 10, pageId: p, title: `Page_${p}`, parentId: null, timestamp: '2023-12-01T00:00:00Z', text: `[[File:Base ${p}.jpg]]` });
    api.addRevision({ revId: p * 10 + 1, pageId: p, title: `Page_${p}`, parentId: p * 10, timestamp: '2024-01-01T00:00:00Z', text: `[[File:Base ${p}.jpg]] [[File:New ${p}.jpg]]` });
  }
}

describe('fetch_revisions against a local Action API', () => {
  let api: FakeMediaWiki;
  let step: Step;

  beforeEach(async () => {
    api = new FakeMediaWiki();
    await api.start();
    seed(api);
    step = fetchRevisionsHandler.create({ use_stored_parent: false, images: false, namespaces: 'bundled' }, environment(api));
  });
  afterEach(async () => {
    await step.close?.();
    await api.stop();
  });

  test('200 revision events of one wiki cost at most 10 API requests', async () => {
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => step.run(ctx(revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10)))));
    assert.ok(api.requests.length <= 10, `${api.requests.length} requests`);
    assert.equal(api.requests.length, 8, '400 texts in batches of 50');
    const first = outcomes[0]!.result as FetchedRevisions;
    assert.equal(first.text, '[[File:Base 1.jpg]] [[File:New 1.jpg]]');
    assert.equal(first.parentText, '[[File:Base 1.jpg]]');
    const last = outcomes[199]!.result as FetchedRevisions;
    assert.equal(last.parentText, '[[File:Base 200.jpg]]');
  });

  test('requests carry the User-Agent, Api-User-Agent, maxlag and the batch of revision ids', async () => {
    await step.run(ctx(revisionEvent(1, 11, 10)));
    const [request] = api.requests;
    assert.equal(request!.domain, 'en.wikipedia.org');
    assert.equal(request!.headers['user-agent'], 'imagematching-router-test/1.0 (test@example.org)');
    assert.equal(request!.headers['api-user-agent'], 'imagematching-router-test/1.0 (test@example.org)');
    assert.equal(request!.params.get('maxlag'), '5');
    assert.equal(request!.params.get('ascii'), '1');
    assert.deepEqual(request!.params.get('revids')!.split('|').sort(), ['10', '11']);
  });

  test('non-ASCII texts arrive intact, whether the API escapes them as asked or sends UTF-8', async () => {
    const text = '[[Datei:Köln Dom.jpg|mini|Kölner Dom]] 東京 😀 [[Fichier:Été.png]]';
    api.addRevision({ revId: 7001, pageId: 700, title: 'Köln', parentId: null, timestamp: '2024-01-01T00:00:00Z', text });
    const escaped = await step.run(ctx(revisionEvent(700, 7001, null)));
    assert.equal((escaped!.result as FetchedRevisions).text, text);
    api.honoursAscii = false;
    api.addRevision({ revId: 7002, pageId: 700, title: 'Köln', parentId: 7001, timestamp: '2024-01-02T00:00:00Z', text: `${text} ü` });
    const raw = await step.run(ctx(revisionEvent(700, 7002, null)));
    assert.equal((raw!.result as FetchedRevisions).text, `${text} ü`);
  });

  test('a page creation fetches only its revision and has no parent text', async () => {
    const outcome = await step.run(ctx(revisionEvent(1, 10, null)));
    const result = outcome!.result as FetchedRevisions;
    assert.equal(result.parentText, null);
    assert.equal(api.requests[0]!.params.get('revids'), '10');
  });

  test('a page_content_change event carries the new text, so only the parent is fetched', async () => {
    const outcome = await step.run(
      ctx({
        meta: { domain: 'en.wikipedia.org', dt: '2024-01-01T00:00:00Z', stream: 'mediawiki.page_content_change.v1' },
        wiki_id: 'enwiki',
        page_change_kind: 'edit',
        page: { page_id: 1, page_title: 'Page_1', namespace_id: 0 },
        revision: { rev_id: 11, rev_parent_id: 10, rev_dt: '2024-01-01T00:00:00Z', content_slots: { main: { content_model: 'wikitext', content_body: '[[File:Inline.jpg]]' } } },
      }),
    );
    const result = outcome!.result as FetchedRevisions;
    assert.equal(result.text, '[[File:Inline.jpg]]');
    assert.equal(result.parentText, '[[File:Base 1.jpg]]');
    assert.equal(api.requests[0]!.params.get('revids'), '10');
  });

  test('an unknown or hidden revision is reported as unavailable, not retried', async () => {
    api.addRevision({ revId: 5001, pageId: 500, title: 'Hidden', parentId: 5000, timestamp: '2024-01-01T00:00:00Z', text: null });
    const [unknown, hidden] = await Promise.all([step.run(ctx(revisionEvent(999, 99999, 99998))), step.run(ctx(revisionEvent(500, 5001, 10)))]);
    assert.equal((unknown!.result as FetchedRevisions).unavailable, 'revision_missing');
    assert.equal((hidden!.result as FetchedRevisions).unavailable, 'revision_hidden');
    assert.equal(api.requests.length, 1);
  });

  test('a maxlag error is transient and carries the wait the API asked for', async () => {
    api.failures.push({ status: 200, headers: { 'retry-after': '3' }, body: { error: { code: 'maxlag', info: 'Waiting for db: 6 seconds lagged', lag: 6 } } });
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 3000);
    const retried = await step.run(ctx(revisionEvent(1, 11, 10)));
    assert.equal((retried!.result as FetchedRevisions).parentText, '[[File:Base 1.jpg]]');
  });

  test('HTTP 503 and 429 are transient, 404 and unknown API errors are permanent', async () => {
    api.failures.push({ status: 503 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 404 }, { body: { error: { code: 'badvalue', info: 'x' } } });
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), TransientError);
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 1000);
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), PermanentError);
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), PermanentError);
  });

  test('a slow API times out as a transient error', async () => {
    api.delayMs = 1500;
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), TransientError);
    api.delayMs = 0;
  });

  test('a domain outside mediawiki.allowed_domains is refused without a request', async () => {
    await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10, 'evil.example.org'))), PermanentError);
    assert.equal(api.requests.length, 0);
  });

  test('texts the API leaves out for size reasons are asked for again', async () => {
    api.contentLimit = 30;
    const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => step.run(ctx(revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10)))));
    assert.ok(outcomes.every((o) => typeof (o!.result as FetchedRevisions).parentText === 'string'));
    assert.equal(api.requests.length, 2);
  });
});

const contentChangeEvent = (text: string) => ({
  meta: { domain: 'en.wikipedia.org', dt: '2024-01-01T00:00:00Z', stream: 'mediawiki.page_content_change.v1' },
  wiki_id: 'enwiki',
  page_change_kind: 'edit',
  page: { page_id: 1, page_title: 'Page_1', namespace_id: 0 },
  revision: { rev_id: 11, rev_parent_id: 10, rev_dt: '2024-01-01T00:00:00Z', content_slots: { main: { content_model: 'wikitext', content_body: text } } },
});

const enNames = defaultNamespaceNames('enwiki');

for (const threads of [0, 1]) {
  describe(`fetch_revisions with images: true (extract_threads: ${threads})`, () => {
    let api: FakeMediaWiki;
    let step: Step;
    const env = () => environment(api, undefined, `wikitext: {extract_threads: ${threads}}`);

    beforeEach(async () => {
      api = new FakeMediaWiki();
      await api.start();
      seed(api);
      step = fetchRevisionsHandler.create({ use_stored_parent: false, images: true, namespaces: 'bundled' }, env());
    });
    afterEach(async () => {
      await step.close?.();
      await api.stop();
    });

    test('200 revision events cost 8 API requests, and carry the images of both texts instead of the texts', async () => {
      const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => step.run(ctx(revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10)))));
      assert.equal(api.requests.length, 8, '400 revisions in batches of 50, as for texts');
      const asked = api.requests.flatMap((r) => r.params.get('revids')!.split('|').map(Number));
      assert.equal(new Set(asked).size, 400);
      assert.ok(api.requests.every((r) => r.params.get('ascii') === '1' && r.params.get('rvprop') === 'ids|timestamp|content'));
      const first = outcomes[0]!.result as FetchedRevisions;
      assert.deepEqual(first.images, ['Base_1.jpg', 'New_1.jpg']);
      assert.deepEqual(first.parentImages, ['Base_1.jpg']);
      assert.equal(first.text, null);
      assert.ok('parentText' in first && first.parentText === undefined, 'the parent was fetched as images, not as text');
      assert.equal(first.revTimestamp, '2024-01-01T00:00:00Z');
      for (const [i, outcome] of outcomes.entries()) {
        const result = outcome!.result as FetchedRevisions;
        const p = i + 1;
        assert.deepEqual(result.images, extractImages(api.revisions.get(p * 10 + 1)!.text!, enNames), `page ${p}`);
        assert.deepEqual(result.parentImages, extractImages(api.revisions.get(p * 10)!.text!, enNames), `page ${p}`);
        assert.equal(result.unavailable, null);
        assert.equal(result.parentUnavailable, null);
      }
      assert.deepEqual((outcomes[199]!.result as FetchedRevisions).images, ['Base_200.jpg', 'New_200.jpg']);
    });

    test('a page creation fetches only its revision: no parent text and no parent images', async () => {
      const outcome = await step.run(ctx(revisionEvent(1, 10, null)));
      const result = outcome!.result as FetchedRevisions;
      assert.deepEqual(result.images, ['Base_1.jpg']);
      assert.equal(result.text, null);
      assert.equal(result.parentText, null);
      assert.ok(!('parentImages' in result));
      assert.equal(api.requests.length, 1);
      assert.equal(api.requests[0]!.params.get('revids'), '10');
    });

    test('a page_content_change event fetches only the parent and extracts the text it carries', async () => {
      const outcome = await step.run(ctx(contentChangeEvent('[[File:Inline.jpg]] [[Image:Second one.png|thumb]]')));
      const result = outcome!.result as FetchedRevisions;
      assert.deepEqual(result.images, ['Inline.jpg', 'Second_one.png']);
      assert.deepEqual(result.parentImages, ['Base_1.jpg']);
      assert.equal(result.text, null);
      assert.equal(result.parentText, undefined);
      assert.equal(api.requests.length, 1);
      assert.equal(api.requests[0]!.params.get('revids'), '10');
    });

    test('an unknown or hidden revision is unavailable and has no images; an unavailable parent has null parentText', async () => {
      api.addRevision({ revId: 5001, pageId: 500, title: 'Hidden', parentId: 10, timestamp: '2024-01-01T00:00:00Z', text: null });
      api.addRevision({ revId: 5002, pageId: 500, title: 'Hidden', parentId: 5001, timestamp: '2024-01-02T00:00:00Z', text: '[[File:After.jpg]]' });
      const [unknown, hidden, afterHidden] = await Promise.all([
        step.run(ctx(revisionEvent(999, 99999, 99998))),
        step.run(ctx(revisionEvent(500, 5001, 10))),
        step.run(ctx(revisionEvent(500, 5002, 5001))),
      ]);
      const u = unknown!.result as FetchedRevisions;
      assert.equal(u.unavailable, 'revision_missing');
      assert.equal(u.parentUnavailable, 'revision_missing');
      assert.ok(!('images' in u) && !('parentImages' in u));
      assert.equal(u.parentText, null);
      const h = hidden!.result as FetchedRevisions;
      assert.equal(h.unavailable, 'revision_hidden');
      assert.ok(!('images' in h));
      assert.equal(h.text, null);
      assert.deepEqual(h.parentImages, ['Base_1.jpg']);
      const a = afterHidden!.result as FetchedRevisions;
      assert.equal(a.unavailable, null);
      assert.deepEqual(a.images, ['After.jpg']);
      assert.equal(a.parentUnavailable, 'revision_hidden');
      assert.equal(a.parentText, null);
      assert.ok(!('parentImages' in a));
      assert.equal(api.requests.length, 1);
    });

    test('HTTP 503 and 429 are transient, 404 and unknown API errors permanent, a non-JSON body transient', async () => {
      api.failures.push(
        { status: 503 },
        { status: 429, headers: { 'retry-after': '1' } },
        { status: 404 },
        { body: { error: { code: 'badvalue', info: 'x' } } },
        { status: 200, body: '<html>proxy error</html>' },
      );
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && /HTTP 503/.test(err.message));
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 1000);
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof PermanentError && /HTTP 404/.test(err.message));
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof PermanentError && /badvalue/.test(err.message));
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && /not JSON/.test(err.message));
      const recovered = await step.run(ctx(revisionEvent(1, 11, 10)));
      assert.deepEqual((recovered!.result as FetchedRevisions).images, ['Base_1.jpg', 'New_1.jpg']);
    });

    test('a maxlag error is transient and carries the wait the API asked for', async () => {
      api.failures.push({ status: 200, headers: { 'retry-after': '3' }, body: { error: { code: 'maxlag', info: 'Waiting for db: 6 seconds lagged', lag: 6 } } });
      await assert.rejects(step.run(ctx(revisionEvent(1, 11, 10))), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 3000);
      const retried = await step.run(ctx(revisionEvent(1, 11, 10)));
      assert.deepEqual((retried!.result as FetchedRevisions).parentImages, ['Base_1.jpg']);
    });

    test('revisions the API leaves out for size reasons are asked for again', async () => {
      api.contentLimit = 30;
      const outcomes = await Promise.all(Array.from({ length: 25 }, (_, i) => step.run(ctx(revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10)))));
      assert.equal(api.requests.length, 2);
      assert.equal(api.requests[1]!.params.get('revids')!.split('|').length, 20, 'the 20 left out, asked again');
      for (const [i, outcome] of outcomes.entries()) {
        const result = outcome!.result as FetchedRevisions;
        assert.deepEqual([result.images, result.parentImages], [[`Base_${i + 1}.jpg`, `New_${i + 1}.jpg`], [`Base_${i + 1}.jpg`]]);
      }
    });

    test('image_diff after images: true gives the same page image changes as after fetching texts', async () => {
      const textStep = fetchRevisionsHandler.create({ use_stored_parent: false, images: false, namespaces: 'bundled' }, env());
      const diff = imageDiffHandler.create({ from: 'fetch_revisions', namespaces: 'bundled', stop_when_unchanged: false }, env());
      const changeAfter = async (fetch: Step, message: Record<string, unknown>): Promise<PageImageChange> => {
        const c = ctx(message);
        (c.results as Record<string, unknown>).fetch_revisions = (await fetch.run(c))!.result;
        return (await diff.run(c))!.result as PageImageChange;
      };
      try {
        const de = '[[Datei:Köln Dom.jpg|mini|Der [[Kölner Dom]]]] 東京 😀 {{Infobox|Bild = Zürich.png}} [[Fichier:Été.png]]';
        api.addRevision({ revId: 7001, pageId: 700, title: 'Köln', parentId: null, timestamp: '2024-01-01T00:00:00Z', text: de });
        api.addRevision({ revId: 7002, pageId: 700, title: 'Köln', parentId: 7001, timestamp: '2024-01-02T00:00:00Z', text: `${de.replace('Zürich.png', 'Zürich Straße.png')} [[Bild:Ærø.svg]]` });
        api.addRevision({ revId: 5001, pageId: 500, title: 'Hidden', parentId: 10, timestamp: '2024-01-01T00:00:00Z', text: null });
        const dewiki = (revId: number, parent: number | null) => ({ ...revisionEvent(700, revId, parent, 'de.wikipedia.org'), database: 'dewiki' });
        const messages: Array<Record<string, unknown>> = [
          ...Array.from({ length: 20 }, (_, i) => revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10)),
          ...Array.from({ length: 5 }, (_, i) => revisionEvent(i + 21, (i + 21) * 10, null)),
          contentChangeEvent('[[File:Inline.jpg]]'),
          revisionEvent(500, 5001, 10),
          revisionEvent(999, 99999, 99998),
          dewiki(7001, null),
          dewiki(7002, 7001),
        ];
        const fromTexts = await Promise.all(messages.map((m) => changeAfter(textStep, m)));
        const fromImages = await Promise.all(messages.map((m) => changeAfter(step, m)));
        assert.deepEqual(fromImages, fromTexts);
        assert.deepEqual(fromImages[0]!.added, ['New_1.jpg']);
        assert.deepEqual(fromImages[20]!.added, ['Base_21.jpg']);
        assert.deepEqual([fromImages[25]!.added, fromImages[25]!.removed], [['Inline.jpg'], ['Base_1.jpg']]);
        assert.equal(fromImages[26]!.unavailable, 'revision_hidden');
        const koeln = fromImages.at(-1)!;
        assert.deepEqual([koeln.added, koeln.removed], [['Zürich_Straße.png', 'Ærø.svg'], ['Zürich.png']]);
        assert.ok(koeln.images!.includes('Köln_Dom.jpg'), String(koeln.images));
        // A server that ignores ascii=1 and answers raw UTF-8: the same changes.
        api.honoursAscii = false;
        const raw = await Promise.all([dewiki(7001, null), dewiki(7002, 7001)].map((m) => changeAfter(step, m)));
        assert.deepEqual(raw, fromTexts.slice(-2));
      } finally {
        await textStep.close?.();
        await diff.close?.();
      }
    });

    test('steps built with one environment share its gateway and extractor: their look-ups share a request', async () => {
      const shared = env();
      const first = fetchRevisionsHandler.create({ use_stored_parent: false, images: true, namespaces: 'bundled' }, shared);
      const second = fetchRevisionsHandler.create({ use_stored_parent: false, images: true, namespaces: 'bundled' }, shared);
      const before = api.requests.length;
      const [a, b] = await Promise.all([first.run(ctx(revisionEvent(1, 11, 10))), second.run(ctx(revisionEvent(2, 21, 20)))]);
      assert.equal(api.requests.length - before, 1, 'one batch for both steps');
      assert.deepEqual([(a!.result as FetchedRevisions).images, (b!.result as FetchedRevisions).images], [['Base_1.jpg', 'New_1.jpg'], ['Base_2.jpg', 'New_2.jpg']]);
      assert.equal(shared.extractor, shared.services.extractor);
    });
  });
}

describe('the stored parent shortcut and resolve_page with the real PostgreSQL', () => {
  let api: FakeMediaWiki;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = createPool({ url: db.url, pool_size: 8, statement_timeout_ms: 0 });
    await migrate(pool);
    api = new FakeMediaWiki();
    await api.start();
    seed(api);
  });
  after(async () => {
    await api.stop();
    await pool.end();
    await db.drop();
  });

  test('once a page state is stored, the next edit fetches only its own revision', async () => {
    const env = environment(api, pool);
    const fetch = fetchRevisionsHandler.create({ use_stored_parent: true, images: false, namespaces: 'bundled' }, env);
    const diff = imageDiffHandler.create({ from: 'fetch_revisions', namespaces: 'bundled', stop_when_unchanged: false }, env);
    const record = recordPageImagesHandler.create({ from: 'image_diff', illustration: 'judge_illustration', stop_when_unchanged: false }, env);
    const chain = async (message: Record<string, unknown>) => {
      const c = ctx(message);
      for (const [name, s] of [['fetch_revisions', fetch], ['image_diff', diff], ['record_page_images', record]] as const) {
        const out = await s.run(c);
        if (out?.result !== undefined) (c.results as Record<string, unknown>)[name] = out.result;
      }
      return c.results;
    };
    // Creations first: they store each page's state at revision 10·p.
    await Promise.all(Array.from({ length: 200 }, (_, i) => chain(revisionEvent(i + 1, (i + 1) * 10, null))));
    const afterCreations = api.requests.length;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => chain(revisionEvent(i + 1, (i + 1) * 10 + 1, (i + 1) * 10))));
    const forEdits = api.requests.length - afterCreations;
    assert.equal(forEdits, 4, '200 new texts, no parents: 4 requests of 50');
    assert.deepEqual((results[0]!.image_diff as { added: string[] }).added, ['New_1.jpg']);
    const ids = api.requests.slice(afterCreations).flatMap((r) => r.params.get('revids')!.split('|').map(Number));
    assert.ok(ids.every((id) => id % 10 === 1), 'only child revisions were fetched');
    await fetch.close?.();
    await diff.close?.();
  });

  test('legacy feedback titles resolve in batches; a missing page is recorded and ends the chain', async () => {
    api.redirects.set('Old name', 'Page 3');
    const env = environment(api, pool);
    const resolve = resolvePageHandler.create({ title: '{{message.page_title}}', lang: '{{message.lang}}' }, env);
    const before = api.requests.length;
    const titles = ['Page 1', 'page_2', 'Old name', 'Nowhere at all'];
    const outcomes = await Promise.all(titles.map((page_title) => resolve.run(ctx({ meta: { stream: 'android.image_recommendation_interaction' }, lang: 'en,fr', page_title }))));
    assert.equal(api.requests.length - before, 1);
    assert.deepEqual(outcomes.slice(0, 3).map((o) => (o!.result as { pageId: number }).pageId), [1, 2, 3]);
    assert.equal(outcomes[3]!.stop, true);
    const { rows } = await pool.query("SELECT wiki, ref, reason FROM unprocessable_event WHERE ref LIKE 'title:%'");
    assert.deepEqual(rows, [{ wiki: 'enwiki', ref: 'title:Nowhere_at_all', reason: 'page_missing' }]);
    await resolve.close?.();
  });
});
