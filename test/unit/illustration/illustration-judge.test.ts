// IllustrationJudge with an injected API (the local API stand-in's answers, without HTTP) and an injected clock:
// the model's decisions, the minimal look-ups, cache hits, TTL expiry, the bound, batching of concurrent look-ups,
// and failures that reject the decision instead of guessing. Over real HTTP: test/integration/illustration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PermanentError, TransientError } from '../../../lib/errors.ts';
import { IllustrationJudge, type IllustrationJudgeOptions } from '../../../lib/illustration/illustration-judge.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';
import { fakeApiJudge } from '../../helpers/fake-api-judge.ts';

// A batch's linger timer never keeps a process alive (MicroBatcher unrefs it); in the router a consumer or a socket
// does. Here nothing else would, so an interval does while the tests run.
let keepAlive: NodeJS.Timeout;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

const WIKI = 'en.wikipedia.org';
const ENWIKI_ARTICLES = 6_900_000; // threshold 47.1: 48 uses make an icon

class FakeClock {
  ms = 1_000_000;
  now(): number {
    return this.ms;
  }
}

interface Harness {
  judge: IllustrationJudge;
  wiki: FakeMediaWiki;
  clock: FakeClock;
  /** Every request, as its parameters. */
  calls: Array<Record<string, string>>;
  /** Throw this from the next request instead of answering. */
  failNext: unknown[];
}

function uses(count: number, from = 1): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}

function harness(options: Partial<IllustrationJudgeOptions> = {}, articles = ENWIKI_ARTICLES): Harness {
  const wiki = new FakeMediaWiki();
  wiki.siteinfo.statistics.articles = articles;
  wiki.fileUsage.set('Flag_of_France.svg', uses(5000));
  wiki.fileUsage.set('Flag_of_Germany.svg', uses(3000));
  wiki.fileUsage.set('Eiffel_Tower.jpg', uses(12));
  wiki.fileUsage.set('At_threshold.jpg', uses(47));
  wiki.fileUsage.set('Above_threshold.jpg', uses(48));
  const clock = new FakeClock();
  const { judge, calls, failNext } = fakeApiJudge(wiki, { clock, ...options });
  return { judge, wiki, clock, calls, failNext };
}

/** A judge of an enwiki-sized wiki whose every usage request gets `answer`. */
function judgeWithUsageAnswer(answer: Record<string, unknown>): IllustrationJudge {
  const statistics = { query: { statistics: { articles: ENWIKI_ARTICLES } } };
  return new IllustrationJudge({ api: () => ({ get: async (params) => (params.meta === 'siteinfo' ? statistics : answer) }), batchLingerMs: 0 });
}

const usageCalls = (calls: Array<Record<string, string>>) => calls.filter((c) => c.prop === 'fileusage');
const askedTitles = (calls: Array<Record<string, string>>) => usageCalls(calls).flatMap((c) => c.titles!.split('|'));

describe('IllustrationJudge decisions', () => {
  test('a page whose only image is a flag icon is not illustrated', async () => {
    const { judge } = harness();
    const verdict = await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.deepEqual(verdict, { illustrated: false, source: null, counted: [], icons: ['Flag_of_France.svg'], invalid: [], threshold: 47.09818629601855 });
  });

  test('adding a real photo to it illustrates it', async () => {
    const { judge } = harness();
    const verdict = await judge.decide(WIKI, ['Flag_of_France.svg', 'Eiffel_Tower.jpg']);
    assert.equal(verdict.illustrated, true);
    assert.equal(verdict.source, 'image');
    assert.deepEqual(verdict.counted, ['Eiffel_Tower.jpg']);
  });

  test('a file linked from exactly the threshold rounded down counts, one more use makes an icon', async () => {
    const { judge } = harness();
    assert.equal((await judge.decide(WIKI, ['At_threshold.jpg'])).illustrated, true);
    assert.equal((await judge.decide(WIKI, ['Above_threshold.jpg'])).illustrated, false);
  });

  test('a file no article links yet (the edit that adds it is not in imagelinks yet) counts', async () => {
    const { judge } = harness();
    assert.equal((await judge.decide(WIKI, ['Brand_new_upload.jpg'])).illustrated, true);
  });

  test('a page image illustrates a page whose files are all icons, without a request', async () => {
    const { judge, calls } = harness();
    const verdict = await judge.decide(WIKI, ['Flag_of_France.svg'], { pageImage: null, pageImageFree: 'Paris_panorama.jpg' });
    assert.equal(verdict.illustrated, true);
    assert.equal(verdict.source, 'page-image');
    assert.deepEqual(calls, []);
  });

  test('page props without a page image leave the decision to the files', async () => {
    const { judge } = harness();
    assert.equal((await judge.decide(WIKI, ['Flag_of_France.svg'], { pageImage: null, pageImageFree: null })).illustrated, false);
  });

  test('the threshold follows the wiki size: on a small wiki 5 uses already make an icon', async () => {
    const { judge, wiki } = harness({}, 800);
    wiki.fileUsage.set('Local_logo.png', uses(5));
    assert.equal(await judge.threshold(WIKI), 3.75);
    assert.equal((await judge.decide(WIKI, ['Local_logo.png'])).illustrated, false);
  });
});

describe('IllustrationJudge look-ups', () => {
  test('a page without images asks nothing, not even the article count', async () => {
    const { judge, calls } = harness();
    assert.equal((await judge.decide(WIKI, [])).illustrated, false);
    assert.deepEqual(calls, []);
  });

  test('a name the model can never count as an icon illustrates without a request', async () => {
    const { judge, calls } = harness();
    const verdict = await judge.decide(WIKI, ['Flag_of_France.svg', 'Paris,_1900.jpg']);
    assert.deepEqual([verdict.illustrated, verdict.counted], [true, ['Paris,_1900.jpg']]);
    assert.deepEqual(calls, []);
  });

  test('one known non-icon needs no further look-up for the other images', async () => {
    const { judge, calls } = harness();
    await judge.decide(WIKI, ['Eiffel_Tower.jpg']);
    calls.length = 0;
    const verdict = await judge.decide(WIKI, ['Flag_of_Germany.svg', 'Eiffel_Tower.jpg', 'Never_asked.jpg']);
    assert.equal(verdict.illustrated, true);
    assert.deepEqual(calls, []);
  });

  test('the files of one page are asked in one request, with enough rows each to see an icon', async () => {
    const { judge, calls } = harness();
    await judge.decide(WIKI, ['Eiffel_Tower.jpg', 'Louvre.jpg']);
    assert.equal(usageCalls(calls).length, 1);
    assert.equal(usageCalls(calls)[0]!.fulimit, '96');
    assert.equal(usageCalls(calls)[0]!.funamespace, '0');
  });

  test('files behind an icon that filled the limit are asked again without the settled ones', async () => {
    const { judge, calls } = harness();
    // Rows come in name order: each flag fills the limit in its turn, so the new photo is reached last.
    const verdict = await judge.decide(WIKI, ['Z_photo.jpg', 'Flag_of_France.svg', 'Flag_of_Germany.svg']);
    assert.equal(verdict.illustrated, true);
    assert.deepEqual(usageCalls(calls).map((c) => c.titles), [
      'File:Z photo.jpg|File:Flag of France.svg|File:Flag of Germany.svg',
      'File:Z photo.jpg|File:Flag of Germany.svg',
      'File:Z photo.jpg',
    ]);
  });

  test('a page with more than 50 unknown images asks 50 at a time and stops at the chunk that illustrates it', async () => {
    const { judge, wiki, calls } = harness({}, 800);
    const icons = Array.from({ length: 120 }, (_, i) => `Icon_${String(i).padStart(3, '0')}.png`);
    for (const name of icons) wiki.fileUsage.set(name, uses(4));
    const images = [...icons.slice(0, 50), 'Photo.jpg', ...icons.slice(50)];
    const verdict = await judge.decide(WIKI, images);
    assert.equal(verdict.illustrated, true);
    const asked = new Set(askedTitles(calls));
    assert.ok(asked.has('File:Photo.jpg'));
    assert.ok(!asked.has('File:Icon 100.png'), 'the third chunk was asked');
    assert.equal(asked.size, 100);
  });

  test('a page of icons only asks every image once and is not illustrated', async () => {
    const { judge, wiki, calls } = harness({}, 800);
    const icons = Array.from({ length: 70 }, (_, i) => `Icon_${i}.png`);
    for (const name of icons) wiki.fileUsage.set(name, uses(4));
    assert.equal((await judge.decide(WIKI, icons)).illustrated, false);
    const asked = askedTitles(calls);
    assert.equal(new Set(asked).size, 70);
  });

  test('concurrent pages of one wiki share their usage requests and one article count request', async () => {
    const { judge, calls } = harness();
    const pages = Array.from({ length: 20 }, (_, i) => [`Photo_${i}.jpg`, 'Eiffel_Tower.jpg']);
    const verdicts = await Promise.all(pages.map((images) => judge.decide(WIKI, images)));
    assert.ok(verdicts.every((v) => v.illustrated));
    assert.equal(calls.filter((c) => c.meta === 'siteinfo').length, 1);
    assert.equal(usageCalls(calls).length, 1, usageCalls(calls).map((c) => c.titles).join('\n'));
    assert.equal(judge.stats.requests, 2);
  });

  test('an icon shared by concurrent pages fills the first answer: their photos cost one more request, then nothing', async () => {
    const { judge, calls } = harness();
    const pages = Array.from({ length: 20 }, (_, i) => ['Flag_of_France.svg', `Photo_${i}.jpg`]);
    assert.ok((await Promise.all(pages.map((images) => judge.decide(WIKI, images)))).every((v) => v.illustrated));
    assert.deepEqual(usageCalls(calls).map((c) => c.titles!.split('|').length), [21, 20]);
    await judge.decide(WIKI, ['Flag_of_France.svg', 'Photo_20.jpg']);
    assert.deepEqual(usageCalls(calls).slice(2).map((c) => c.titles), ['File:Photo 20.jpg']);
  });

  test('a file asked by many pages at once is looked up once', async () => {
    const { judge, calls } = harness();
    await Promise.all(Array.from({ length: 5 }, () => judge.decide(WIKI, ['Eiffel_Tower.jpg'])));
    assert.deepEqual(askedTitles(calls), ['File:Eiffel Tower.jpg']);
    assert.equal(judge.stats.usageLookups, 1);
  });

  test('wikis do not share counts: the same name on two wikis is asked on each', async () => {
    const { judge, calls } = harness();
    await judge.decide('en.wikipedia.org', ['Eiffel_Tower.jpg']);
    await judge.decide('fr.wikipedia.org', ['Eiffel_Tower.jpg']);
    assert.equal(usageCalls(calls).length, 2);
    assert.equal(calls.filter((c) => c.meta === 'siteinfo').length, 2);
  });
});

describe('IllustrationJudge caches', () => {
  test('usage counts and the article count are answered from the cache the second time', async () => {
    const { judge, calls } = harness();
    await judge.decide(WIKI, ['Flag_of_France.svg', 'Eiffel_Tower.jpg']);
    const before = calls.length;
    await judge.decide(WIKI, ['Flag_of_France.svg', 'Eiffel_Tower.jpg']);
    assert.equal(calls.length, before);
    assert.equal(judge.stats.usageCacheHits, 2);
  });

  test('a usage count expires after its TTL and is asked again; the article count keeps its own TTL', async () => {
    const { judge, calls, clock } = harness({ usageTtlMs: 60_000, articleCountTtlMs: 3_600_000 });
    await judge.decide(WIKI, ['Flag_of_France.svg']);
    clock.ms += 59_999;
    await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.equal(usageCalls(calls).length, 1, 'still fresh');
    clock.ms += 2;
    await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.equal(usageCalls(calls).length, 2, 'expired');
    assert.equal(calls.filter((c) => c.meta === 'siteinfo').length, 1);
    clock.ms += 3_600_000;
    await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.equal(calls.filter((c) => c.meta === 'siteinfo').length, 2);
  });

  test('a usage change on the wiki is seen once the cached count expired', async () => {
    const { judge, wiki, clock } = harness({ usageTtlMs: 60_000 });
    wiki.fileUsage.set('Rising.jpg', uses(40));
    assert.equal((await judge.decide(WIKI, ['Rising.jpg'])).illustrated, true);
    wiki.fileUsage.set('Rising.jpg', uses(60));
    assert.equal((await judge.decide(WIKI, ['Rising.jpg'])).illustrated, true, 'cached');
    clock.ms += 60_001;
    assert.equal((await judge.decide(WIKI, ['Rising.jpg'])).illustrated, false);
  });

  test('the usage cache keeps at most its bound, dropping the least recently used', async () => {
    const { judge, calls } = harness({ usageCacheSize: 2 });
    for (const name of ['Flag_of_France.svg', 'Flag_of_Germany.svg', 'Above_threshold.jpg']) await judge.decide(WIKI, [name]);
    calls.length = 0;
    await judge.decide(WIKI, ['Above_threshold.jpg']);
    await judge.decide(WIKI, ['Flag_of_Germany.svg']);
    assert.deepEqual(askedTitles(calls), []);
    await judge.decide(WIKI, ['Flag_of_France.svg']);
    assert.deepEqual(askedTitles(calls), ['File:Flag of France.svg']);
  });

  test('a decision never loops on a cache too small for its own images', async () => {
    const { judge } = harness({ usageCacheSize: 1 });
    assert.equal((await judge.decide(WIKI, ['Flag_of_France.svg', 'Flag_of_Germany.svg', 'Eiffel_Tower.jpg'])).illustrated, true);
  });
});

describe('IllustrationJudge failures', () => {
  test('a transient API failure rejects the decision, caches nothing, and the retry decides', async () => {
    const { judge, failNext, calls } = harness();
    await judge.threshold(WIKI);
    failNext.push(new TransientError('mediawiki: en.wikipedia.org query: API answered HTTP 503', { retryAfterMs: 5000 }));
    await assert.rejects(judge.decide(WIKI, ['Eiffel_Tower.jpg']), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 5000);
    assert.equal((await judge.decide(WIKI, ['Eiffel_Tower.jpg'])).illustrated, true);
    assert.equal(usageCalls(calls).length, 2);
  });

  test('a permanent API error stays permanent', async () => {
    const { judge, failNext } = harness();
    failNext.push(new PermanentError('mediawiki: en.wikipedia.org query: API error badvalue: no'));
    await assert.rejects(judge.decide(WIKI, ['Eiffel_Tower.jpg']), PermanentError);
  });

  test('anything else thrown by the API becomes a TransientError', async () => {
    const { judge, failNext } = harness();
    failNext.push(new Error('socket hang up'));
    await assert.rejects(judge.decide(WIKI, ['Eiffel_Tower.jpg']), (err: unknown) => err instanceof TransientError && /socket hang up/.test(err.message));
  });

  test('a statistics answer without an article count rejects the decision, and is not cached', async () => {
    const { judge, wiki } = harness();
    const articles = wiki.siteinfo.statistics.articles!;
    delete (wiki.siteinfo.statistics as Record<string, number>).articles;
    await assert.rejects(judge.decide(WIKI, ['Eiffel_Tower.jpg']), /siteinfo statistics: the answer has no article count/);
    wiki.siteinfo.statistics.articles = articles;
    assert.equal((await judge.decide(WIKI, ['Eiffel_Tower.jpg'])).illustrated, true);
  });

  test('a usage answer that settles no file rejects the decision instead of looping', async () => {
    const judge = judgeWithUsageAnswer({ continue: { fucontinue: 'Eiffel_Tower.jpg|9', continue: '||' }, query: { pages: [{ ns: 6, title: 'File:Eiffel Tower.jpg' }] } });
    await assert.rejects(judge.decide(WIKI, ['Eiffel_Tower.jpg']), (err: unknown) => err instanceof TransientError && /settled none of 1 file/.test(err.message));
  });

  test('a title the API refuses neither counts nor is an icon', async () => {
    const judge = judgeWithUsageAnswer({ batchcomplete: true, query: { pages: [{ title: 'File:Bad<.jpg', invalid: true, invalidreason: 'invalid characters' }] } });
    assert.deepEqual(await judge.decide(WIKI, ['Bad<.jpg']), { illustrated: false, source: null, counted: [], icons: [], invalid: ['Bad<.jpg'], threshold: 47.09818629601855 });
  });
});

describe('IllustrationJudge page images', () => {
  test('concurrent page look-ups of one wiki share one request and each gets its own facts', async () => {
    const { judge, wiki, calls } = harness();
    wiki.pageProps.set(1, { lastRevId: 11, pageImageFree: 'One.jpg' });
    wiki.pageProps.set(2, { lastRevId: 22, pageImage: 'Two_(non-free).png' });
    wiki.pageProps.set(3, { lastRevId: 33 });
    const [one, two, three, missing] = await Promise.all([1, 2, 3, 4].map((id) => judge.pageImages(WIKI, id)));
    assert.deepEqual(one, { kind: 'found', pageId: 1, lastRevId: 11, pageImage: null, pageImageFree: 'One.jpg' });
    assert.deepEqual(two, { kind: 'found', pageId: 2, lastRevId: 22, pageImage: 'Two_(non-free).png', pageImageFree: null });
    assert.deepEqual(three, { kind: 'found', pageId: 3, lastRevId: 33, pageImage: null, pageImageFree: null });
    assert.deepEqual(missing, { kind: 'missing', pageId: 4 });
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.pageids, '1|2|3|4');
    assert.equal(judge.stats.pageImageRequests, 1);
  });

  test('a page left out of the answer is a TransientError, not a page without image', async () => {
    const judge = new IllustrationJudge({ api: () => ({ get: async () => ({ batchcomplete: true, query: { pages: [] } }) }), batchLingerMs: 0 });
    await assert.rejects(judge.pageImages(WIKI, 7), (err: unknown) => err instanceof TransientError && /left out page 7/.test(err.message));
  });
});
