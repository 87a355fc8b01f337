// Extraction on worker threads: the same answers as extractImages in the calling thread, and failures of a
// thread or of one text reported as they would be in-thread (retriable only when the thread is at fault).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TransientError } from '../../../lib/errors.ts';
import { extractImages } from '../../../lib/wikitext/extract-images.ts';
import { acquireExtractor, ExtractionPool, inThreadExtractor } from '../../../lib/wikitext/extraction-pool.ts';
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

  test('closing fails the texts still waiting and any sent later as retriable', async () => {
    const pool = new ExtractionPool(1, scripted);
    const waiting = pool.extract('hang', en);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.close();
    await assert.rejects(waiting, TransientError);
    await assert.rejects(pool.extract('D.jpg', en), TransientError);
  });
});

describe('acquireExtractor', () => {
  test('0 threads extracts in the calling thread', async () => {
    const { extractor, release } = acquireExtractor(0);
    assert.equal(extractor, inThreadExtractor);
    assert.deepEqual(await extractor.extract('[[File:E.jpg]]', en), ['E.jpg']);
    await release();
  });

  test('steps asking for the same number of threads share one pool, closed when the last releases it', async () => {
    const first = acquireExtractor(1);
    const second = acquireExtractor(1);
    assert.equal(first.extractor, second.extractor);
    await first.release();
    await first.release(); // a second release by the same user changes nothing
    assert.deepEqual(await second.extractor.extract('[[File:F.jpg]]', en), ['F.jpg']);
    await second.release();
    await assert.rejects(second.extractor.extract('[[File:G.jpg]]', en), TransientError);
    const third = acquireExtractor(1);
    assert.notEqual(third.extractor, first.extractor, 'a new pool after the last release');
    await third.release();
  });
});
