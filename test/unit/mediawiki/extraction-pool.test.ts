// Extraction on worker threads: the same answers as extractImages in the calling thread, and failures of a
// thread or of one text reported as they would be in-thread (retriable only when the thread is at fault).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TransientError, asRouterError } from '../../../lib/errors.ts';
import type { RevisionsAnswer } from '../../../lib/mediawiki/revision-images.ts';
import { asciiJson } from '../../../lib/mediawiki/response-text.ts';
import { extractImages } from '../../../lib/wikitext/extract-images.ts';
import { ExtractionPool, inThreadExtractor } from '../../../lib/mediawiki/extraction-pool.ts';
import { createServices } from '../../../lib/app/services.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';

const scripted = new URL('../../fixtures/workers/scripted-extraction.mjs', import.meta.url);
const en = defaultNamespaceNames('enwiki');
const de = defaultNamespaceNames('dewiki');
const article = readFileSync(new URL('../../fixtures/wikitext/article-with-images.wiki', import.meta.url), 'utf8');

const texts: Array<[string, typeof en]> = [
  [article, en],
  ['[[Datei:Köln Dom.jpg|mini|Der [[Kölner Dom]]]] {{Infobox|Bild = Zürich.png}} <!-- [[Bild:Nein.jpg]] -->', de],
  ['<gallery>\nFile:A.jpg|a\nB.png\n</gallery> [[:File:Link.jpg]] [[Media:Direct.ogg]]', en],
  ['東京 [[File:東京タワー.jpg|thumb]] 😀 {{Multiple image|image1=X.svg|image2=Y.svg}}', en],
  ['', en],
];

/** Runs `use` with a pool of `size` threads of `workerUrl` (the real worker by default), closed afterwards. */
async function withPool(size: number, workerUrl: URL | undefined, use: (pool: ExtractionPool) => Promise<void>): Promise<void> {
  const pool = new ExtractionPool(size, workerUrl);
  try {
    await use(pool);
  } finally {
    await pool.close();
  }
}

describe('ExtractionPool', () => {
  test('answers what extractImages answers, for texts sent together and one by one', async () => {
    await withPool(2, undefined, async (pool) => {
      const expected = texts.map(([text, names]) => extractImages(text, names));
      assert.ok(expected[0]!.length > 0 && expected[1]!.includes('Köln_Dom.jpg'), 'the fixtures embed images');
      assert.deepEqual(await Promise.all(texts.map(([text, names]) => pool.extract(text, names))), expected);
      for (const [index, [text, names]] of texts.entries()) assert.deepEqual(await pool.extract(text, names), expected[index]);
    });
  });

  test('a thread that dies fails its texts as retriable, and the next text starts a new thread', async () => {
    await withPool(1, scripted, async (pool) => {
      const [crashed, alongside] = await Promise.allSettled([pool.extract('crash', en), pool.extract('A.jpg', en)]);
      for (const outcome of [crashed, alongside]) {
        assert.equal(outcome.status, 'rejected');
        assert.ok(outcome.reason instanceof TransientError, String(outcome.reason));
        assert.match(outcome.reason.message, /exited with code 3/);
      }
      assert.deepEqual(await pool.extract('B.jpg', en), ['B.jpg']);
    });
  });

  test('an extraction error fails only its own text, and not as retriable', async () => {
    await withPool(1, scripted, async (pool) => {
      const [bad, good] = await Promise.allSettled([pool.extract('bad', en), pool.extract('C.jpg', en)]);
      assert.equal(bad.status, 'rejected');
      assert.ok(!(bad.reason instanceof TransientError));
      assert.equal(bad.reason.message, 'scripted failure');
      assert.deepEqual(good.status === 'fulfilled' && good.value, ['C.jpg']);
    });
  });

  test('a bug in the thread comes back as the error it was, so the engine never retries it', async () => {
    await withPool(1, scripted, async (pool) => {
      const [bug] = await Promise.allSettled([pool.extract('bug', en)]);
      assert.equal(bug.status, 'rejected');
      assert.ok(bug.reason instanceof TypeError, String(bug.reason));
      assert.equal(asRouterError(bug.reason).retriable, false);
    });
  });

  test('closing fails the texts still waiting and any sent later as retriable', async () => {
    const pool = new ExtractionPool(1, scripted);
    const waiting = pool.extract('hang', en);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    await assert.rejects(waiting, TransientError);
    await assert.rejects(pool.extract('D.jpg', en), TransientError);
  });
});

/** A formatversion=2 revisions answer (as the API sends it) holding `texts` as revisions 1001, 1002, ...; null: hidden. */
function revisionsBody(texts: Array<string | null>, missing: number[] = [], ascii = true): string {
  const pages = texts.map((text, i) => {
    const base = { revid: 1001 + i, parentid: i === 0 ? 0 : 1000 + i, timestamp: '2024-01-01T00:00:00Z' };
    const revision =
      text === null
        ? { ...base, texthidden: true, slots: { main: { texthidden: true, contentmodel: 'wikitext' } } }
        : { ...base, slots: { main: { contentmodel: 'wikitext', contentformat: 'text/x-wiki', content: text } } };
    return { pageid: 100 + i, ns: 0, title: `Seite ${i} – ü`, revisions: [revision] };
  });
  const query: Record<string, unknown> = { pages: pages.reverse() };
  if (missing.length > 0) query.badrevids = Object.fromEntries(missing.map((id) => [String(id), { revid: id, missing: true }]));
  const json = JSON.stringify({ batchcomplete: true, query });
  return ascii ? asciiJson(json) : json;
}

/** An answer whose bytes own their whole ArrayBuffer (as undici's are), so a pool may move them. */
const wholeAnswer = (body: string, status = 200, retryAfter?: string): RevisionsAnswer => ({ status, retryAfter, bytes: new TextEncoder().encode(body) });

const ownsWholeBuffer = (bytes: Uint8Array) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;

const enTexts = [article, null, '<gallery>\nFile:A.jpg|a\nB.png\n</gallery> [[:File:Link.jpg]] [[Media:Direct.ogg]]', '東京 [[File:東京タワー.jpg|thumb]] 😀', ''];
const deTexts = ['[[Datei:Köln Dom.jpg|mini|Der [[Kölner Dom]]]] {{Infobox|Bild = Zürich.png}} <!-- [[Bild:Nein.jpg]] -->', article, null];
// Each case is a body, the ids asked for and the names: the same answers go to the pool and to the calling thread.
const answerCases: Array<[string, number[], typeof en]> = [
  [revisionsBody(enTexts, [999]), [1005, 999, 1001, 1002, 1003, 1004], en],
  [revisionsBody(enTexts, [], false), [1001, 1002, 1003, 1004, 1005], en],
  [revisionsBody(deTexts), [1003, 1002, 1001, 1004], de],
];

describe('ExtractionPool.readRevisions', () => {
  test('answers what inThreadExtractor.readRevisions answers, for answers sent together and one by one', async () => {
    const expected = await Promise.all(answerCases.map(([body, requested, names]) => inThreadExtractor.readRevisions(wholeAnswer(body), requested, names)));
    const first = expected[0]!.kind === 'ok' ? expected[0]!.lookups : [];
    assert.deepEqual(first.map((l) => l.kind), ['found', 'missing', 'found', 'hidden', 'found', 'found']);
    assert.deepEqual(first[2]!.kind === 'found' && first[2]!.images, extractImages(article, en));
    assert.ok(extractImages(article, en).length > 0, 'the fixture embeds images');
    const de1 = expected[2]!.kind === 'ok' ? expected[2]!.lookups[2] : undefined;
    assert.ok(de1?.kind === 'found' && de1.images.includes('Köln_Dom.jpg'), JSON.stringify(de1));
    await withPool(2, undefined, async (pool) => {
      assert.deepEqual(await Promise.all(answerCases.map(([body, requested, names]) => pool.readRevisions(wholeAnswer(body), requested, names))), expected);
      for (const [index, [body, requested, names]] of answerCases.entries()) {
        assert.deepEqual(await pool.readRevisions(wholeAnswer(body), requested, names), expected[index]);
      }
    });
  });

  test('bytes that own their whole buffer are moved to the thread; a pooled small Buffer is copied and stays intact', async () => {
    const body = revisionsBody(['[[File:Moved.jpg]]']);
    const expected = await inThreadExtractor.readRevisions(wholeAnswer(body), [1001], en);
    assert.deepEqual(expected.kind === 'ok' && expected.lookups.map((l) => l.kind === 'found' && l.images), [['Moved.jpg']]);
    await withPool(1, undefined, async (pool) => {
      const whole = wholeAnswer(body);
      assert.ok(ownsWholeBuffer(whole.bytes) && whole.bytes.byteLength > 0);
      assert.deepEqual(await pool.readRevisions(whole, [1001], en), expected);
      assert.equal(whole.bytes.byteLength, 0, 'moved: the caller no longer holds the bytes');

      const pooled = Buffer.from(body);
      const neighbour = Buffer.from('the next slice of the pool');
      assert.ok(pooled.byteLength < pooled.buffer.byteLength, 'Buffer.from of a small string is a slice of the shared pool');
      assert.deepEqual(await pool.readRevisions({ status: 200, retryAfter: undefined, bytes: pooled }, [1001], en), expected);
      assert.equal(pooled.byteLength, Buffer.byteLength(body));
      assert.equal(pooled.toString('utf8'), body, 'copied: the caller still holds the bytes');
      assert.equal(neighbour.toString('utf8'), 'the next slice of the pool');

      const padded = new TextEncoder().encode(`xx${body}`);
      const view = padded.subarray(2);
      assert.deepEqual(await pool.readRevisions({ status: 200, retryAfter: undefined, bytes: view }, [1001], en), expected);
      assert.equal(view.byteLength, padded.byteLength - 2, 'a view that does not cover its buffer is copied');
      assert.equal(Buffer.from(view).toString('utf8'), body);
    });
  });

  test('failed answers and failed extractions come back as outcomes, not as rejections', async () => {
    const broken = { file: null, media: null } as unknown as typeof en;
    const cases: Array<[RevisionsAnswer, typeof en]> = [
      [wholeAnswer('<html>busy</html>', 503, '5'), en],
      [wholeAnswer('', 503), en],
      [wholeAnswer('not found', 404), en],
      [wholeAnswer('<html>proxy</html>'), en],
      [wholeAnswer(JSON.stringify({ error: { code: 'maxlag', info: 'lagged', lag: 2 } })), en],
      [wholeAnswer(revisionsBody(['[[File:A.jpg]]', null], [999])), broken],
    ];
    const requested = [1001, 999, 1002];
    await withPool(1, undefined, async (pool) => {
      const outcomes = await Promise.all(cases.map(([answer, names]) => pool.readRevisions(answer, requested, names)));
      assert.deepEqual(outcomes.slice(0, 5), [
        { kind: 'transient', message: 'API answered HTTP 503', retryAfterMs: 5000 },
        { kind: 'transient', message: 'API answered HTTP 503' },
        { kind: 'permanent', message: 'API answered HTTP 404' },
        { kind: 'transient', message: 'API answered HTTP 200 with a body that is not JSON' },
        { kind: 'transient', message: 'API error maxlag: lagged', retryAfterMs: 2000 },
      ]);
      const last = outcomes[5]!;
      assert.deepEqual(last.kind === 'ok' && last.lookups.map((l) => [l.kind, l.revId]), [
        ['failed', 1001],
        ['missing', 999],
        ['hidden', 1002],
      ]);
      assert.deepEqual(last, await inThreadExtractor.readRevisions(wholeAnswer(revisionsBody(['[[File:A.jpg]]', null], [999])), requested, broken));
    });
  });

  test('texts and answers sent in the same turn of the event loop all get their own answers', async () => {
    const expectedTexts = texts.map(([text, names]) => extractImages(text, names));
    const expectedAnswers = await Promise.all(answerCases.map(([body, requested, names]) => inThreadExtractor.readRevisions(wholeAnswer(body), requested, names)));
    for (const size of [1, 2]) {
      await withPool(size, undefined, async (pool) => {
        const pending: Array<Promise<unknown>> = [];
        const expected: unknown[] = [];
        for (let i = 0; i < Math.max(texts.length, answerCases.length); i++) {
          const text = texts[i];
          if (text) {
            pending.push(pool.extract(text[0], text[1]));
            expected.push(expectedTexts[i]);
          }
          const answer = answerCases[i];
          if (answer) {
            pending.push(pool.readRevisions(wholeAnswer(answer[0]), answer[1], answer[2]));
            expected.push(expectedAnswers[i]);
          }
        }
        assert.deepEqual(await Promise.all(pending), expected, `${size} thread(s)`);
      });
    }
  });

  test('a thread that dies fails the answers and texts it held as retriable, and the next answer starts a new thread', async () => {
    await withPool(1, scripted, async (pool) => {
      const settled = await Promise.allSettled([
        pool.readRevisions(wholeAnswer('crash'), [1], en),
        pool.extract('A.jpg', en),
        pool.readRevisions({ status: 200, retryAfter: undefined, bytes: Buffer.from('fine') }, [2], en),
      ]);
      for (const outcome of settled) {
        assert.equal(outcome.status, 'rejected');
        assert.ok(outcome.reason instanceof TransientError, String(outcome.reason));
        assert.match(outcome.reason.message, /exited with code 3/);
      }
      assert.deepEqual(await pool.readRevisions(wholeAnswer('fine'), [5, 6], en), { kind: 'ok', lookups: [{ kind: 'missing', revId: 5 }, { kind: 'missing', revId: 6 }] });
      assert.deepEqual(await pool.extract('B.jpg', en), ['B.jpg']);
    });
  });

  test('an answer that cannot be sent fails as retriable instead of hanging, and the thread goes on', async () => {
    const body = revisionsBody(['[[File:Twice.jpg]]']);
    await withPool(1, undefined, async (pool) => {
      const expected = await inThreadExtractor.readRevisions(wholeAnswer(body), [1001], en);
      // The same bytes twice in one turn travel in one message, moved once.
      const answer = wholeAnswer(body);
      assert.deepEqual(await Promise.all([pool.readRevisions(answer, [1001], en), pool.readRevisions(answer, [1001], en)]), [expected, expected]);
      // Bytes already moved by an earlier turn cannot be sent again.
      const detached = wholeAnswer(body);
      await pool.readRevisions(detached, [1001], en);
      await assert.rejects(pool.readRevisions(detached, [1001], en), TransientError);
      assert.deepEqual(await pool.readRevisions(wholeAnswer(body), [1001], en), expected);
    });
  });

  test('closing fails the answers still waiting and any sent later as retriable', async () => {
    const pool = new ExtractionPool(1, scripted);
    const waiting = pool.extract('hang', en);
    const alongside = pool.readRevisions(wholeAnswer('fine'), [1], en);
    assert.deepEqual(await alongside, { kind: 'ok', lookups: [{ kind: 'missing', revId: 1 }] });
    await pool.close();
    await assert.rejects(waiting, TransientError);
    await assert.rejects(pool.readRevisions(wholeAnswer('fine'), [1], en), TransientError);
  });
});

describe('the extractor of the composition root', () => {
  const config = (threads: number) => parseConfig(`kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://x@127.0.0.1/x"}\nwikitext: {extract_threads: ${threads}}\n`, {});

  test('0 threads extracts in the calling thread', async () => {
    const services = createServices(config(0), { log: silentLogger });
    const extractor = services.extractor;
    assert.equal(extractor, inThreadExtractor);
    assert.deepEqual(await extractor.extract('[[File:E.jpg]]', en), ['E.jpg']);
    const answer = wholeAnswer(revisionsBody(['[[File:E.jpg]]']));
    const outcome = await extractor.readRevisions(answer, [1001], en);
    assert.deepEqual(outcome.kind === 'ok' && outcome.lookups.map((l) => l.kind === 'found' && l.images), [['E.jpg']]);
    assert.ok(answer.bytes.byteLength > 0, 'in the calling thread the bytes stay where they are');
    await services.close();
  });

  test('extract_threads gives one pool of threads for the whole router, closed with the services', async () => {
    const services = createServices(config(1), { log: silentLogger });
    assert.ok(services.extractor instanceof ExtractionPool);
    assert.deepEqual(await services.extractor.extract('[[File:F.jpg]]', en), ['F.jpg']);
    await services.close();
    await services.close(); // closing twice changes nothing
    await assert.rejects(services.extractor.extract('[[File:G.jpg]]', en), TransientError);
  });
});
