// A revision's illustration verdict under each rule: what the parent's stored verdict settles without a request (a
// table), and the verdicts with the look-ups they cost, against the local API stand-in's answers (no HTTP) and an
// injected clock: icons, photos, PageImages' props and the race with the links update. Over real HTTP and a real
// database: test/integration/handlers/judge-illustration.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError } from '../../../lib/errors.ts';
import type { IllustrationJudge } from '../../../lib/illustration/illustration-judge.ts';
import { planModelVerdict, revisionVerdict, type VerdictPlan, type VerdictSettings } from '../../../lib/illustration/revision-verdict.ts';
import type { PageImageChange } from '../../../lib/recommendations/revision-rows.ts';
import type { StoredIllustration } from '../../../lib/recommendations/illustration-change.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';
import { fakeApiJudge } from '../../helpers/fake-api-judge.ts';

// MicroBatcher unrefs its linger timer; nothing else keeps this process alive while a batch waits.
let keepAlive: NodeJS.Timeout;
before(() => {
  keepAlive = setInterval(() => {}, 1000);
});
after(() => clearInterval(keepAlive));

const EDIT_MS = Date.parse('2024-05-01T10:00:00Z');
const MODEL: VerdictSettings = { rule: 'model', pageImages: true, settleMs: 60_000 };

const change = (over: Partial<PageImageChange>): PageImageChange => ({
  wiki: 'enwiki', domain: 'en.wikipedia.org', pageId: 7, title: 'Page', revId: 100, parentRevId: 99, revTimestamp: '2024-05-01T10:00:00Z',
  dt: '2024-05-01T10:00:00Z', images: [], parentKnown: true, added: [], removed: [], changed: false, bySuggestion: false, suggestionTag: null,
  isRevert: false, isRedirect: false, stream: 'mediawiki.revision-create', unavailable: null, eventId: null, eventTime: EDIT_MS, ...over,
});
const stored = (over: Partial<StoredIllustration>): StoredIllustration => ({ rule: 'model', illustrated: false, source: null, counted: [], redirect: false, ...over });

describe('what a stored parent verdict settles under the model rule', () => {
  const cases: Array<[string, Partial<PageImageChange>, VerdictPlan]> = [
    ['without a stored verdict every image is judged', { images: ['A.jpg', 'B.jpg'] }, { kind: 'judge', images: ['A.jpg', 'B.jpg'] }],
    ['a verdict stored by the any-image rule is judged again', { images: ['A.jpg'], parentIllustration: stored({ rule: 'any_image', illustrated: true, source: 'image', counted: ['A.jpg'] }) }, { kind: 'judge', images: ['A.jpg'] }],
    ['an article again after a redirect is judged afresh', { images: [], parentIllustration: stored({ redirect: true }) }, { kind: 'judge', images: [] }],
    ['a row from before migration 007 is judged again', { images: ['A.jpg'], parentIllustration: stored({ rule: null, illustrated: true, source: 'image', counted: null }) }, { kind: 'judge', images: ['A.jpg'] }],
    ['an image that counted and is still there keeps the page illustrated', { images: ['A.jpg', 'New.jpg'], added: ['New.jpg'], changed: true, parentIllustration: stored({ illustrated: true, source: 'image', counted: ['A.jpg'] }) }, { kind: 'known', source: 'image', counted: ['A.jpg'] }],
    ['the same images keep an unillustrated verdict', { images: ['Flag.svg'], parentIllustration: stored({}) }, { kind: 'known', source: null, counted: [] }],
    ["the same images keep PageImages' verdict", { images: [], parentIllustration: stored({ illustrated: true, source: 'page_image' }) }, { kind: 'known', source: 'page_image', counted: [] }],
    ['on an unillustrated page only the added images can count', { images: ['Flag.svg', 'Photo.jpg'], added: ['Photo.jpg'], changed: true, parentIllustration: stored({}) }, { kind: 'judge', images: ['Photo.jpg'] }],
    ['removing the image that counted has every other image judged', { images: ['Other.jpg'], removed: ['A.jpg'], changed: true, parentIllustration: stored({ illustrated: true, source: 'image', counted: ['A.jpg'] }) }, { kind: 'judge', images: ['Other.jpg'] }],
  ];
  for (const [name, over, expected] of cases) {
    test(name, () => assert.deepEqual(planModelVerdict({ ...change(over), images: over.images ?? [] }), expected));
  }
});

interface Harness {
  judge: IllustrationJudge;
  wiki: FakeMediaWiki;
  clock: { ms: number; now(): number };
  calls: Array<Record<string, string>>;
  failNext: unknown[];
  kinds(): string[];
}

function harness(): Harness {
  const wiki = new FakeMediaWiki();
  wiki.siteinfo.statistics.articles = 6_900_000; // threshold 47.1
  wiki.fileUsage.set('Flag_of_France.svg', Array.from({ length: 5000 }, (_, i) => i + 1));
  wiki.fileUsage.set('Eiffel_Tower.jpg', [1, 2, 3]);
  const clock = { ms: EDIT_MS + 3_600_000, now() { return this.ms; } };
  const { judge, calls, failNext } = fakeApiJudge(wiki, { clock, batchLingerMs: 1 });
  const kinds = () => calls.map((c) => (c.meta === 'siteinfo' ? 'siteinfo' : c.prop === 'fileusage' ? `fileusage:${c.titles}` : c.prop === 'pageprops|info' ? `pageprops:${c.pageids}` : 'other'));
  return { judge, wiki, clock, calls, failNext, kinds };
}

describe('revision verdicts and what they cost', () => {
  test('a page whose only image is a flag icon stays unillustrated, with PageImages asked once', async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100 });
    const verdict = await revisionVerdict(change({ images: ['Flag_of_France.svg'], added: ['Flag_of_France.svg'], changed: true, parentIllustration: stored({}) }), MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.source, verdict.counted, verdict.icons, verdict.wasIllustrated, verdict.becameIllustrated, verdict.how], [false, null, [], ['Flag_of_France.svg'], false, false, 'judged']);
    assert.deepEqual(h.kinds(), ['siteinfo', 'fileusage:File:Flag of France.svg', 'pageprops:7']);
  });

  test('adding a real photo to it illustrates it: the photo alone is looked up, PageImages is not asked', async () => {
    const h = harness();
    const verdict = await revisionVerdict(
      change({ images: ['Eiffel_Tower.jpg', 'Flag_of_France.svg'], added: ['Eiffel_Tower.jpg'], changed: true, parentIllustration: stored({}) }),
      MODEL,
      h.judge,
    );
    assert.deepEqual([verdict.illustrated, verdict.source, verdict.counted, verdict.wasIllustrated, verdict.becameIllustrated], [true, 'image', ['Eiffel_Tower.jpg'], false, true]);
    assert.deepEqual(h.kinds(), ['siteinfo', 'fileusage:File:Eiffel Tower.jpg']);
  });

  test('an edit that keeps a counted image costs no request, and neither does one that keeps the same images', async () => {
    const h = harness();
    const kept = await revisionVerdict(change({ images: ['Eiffel_Tower.jpg', 'Flag_of_France.svg'], added: ['Flag_of_France.svg'], changed: true, parentIllustration: stored({ illustrated: true, source: 'image', counted: ['Eiffel_Tower.jpg'] }) }), MODEL, h.judge);
    assert.deepEqual([kept.illustrated, kept.counted, kept.becameIllustrated, kept.how], [true, ['Eiffel_Tower.jpg'], false, 'carried']);
    const same = await revisionVerdict(change({ images: ['Flag_of_France.svg'], parentIllustration: stored({}) }), MODEL, h.judge);
    assert.deepEqual([same.illustrated, same.how], [false, 'carried']);
    assert.deepEqual(h.calls, []);
  });

  test("an icon-only page with a PageImages page image is illustrated by it", async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100, pageImageFree: 'Map_of_somewhere.png' });
    const verdict = await revisionVerdict(change({ parentRevId: null, images: ['Flag_of_France.svg'], added: ['Flag_of_France.svg'], changed: true }), MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.source, verdict.counted, verdict.wasIllustrated, verdict.becameIllustrated], [true, 'page_image', [], false, true]);
  });

  test('with page_images off no page props are asked', async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100, pageImage: 'X.jpg' });
    const verdict = await revisionVerdict(change({ parentRevId: null, images: [], changed: false }), { ...MODEL, pageImages: false }, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.how], [false, 'judged']);
    assert.deepEqual(h.calls, [], 'a page without images needs neither usage nor props');
  });

  test('props of a revision younger than settle_ms are asked again after the rest of it; then they decide', async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100, pageImage: 'Infobox_photo.jpg' });
    h.clock.ms = EDIT_MS + 5_000;
    const edit = change({ images: [], parentIllustration: stored({}), removed: ['Old.jpg'], changed: true });
    await assert.rejects(revisionVerdict(edit, MODEL, h.judge), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 55_000);
    h.clock.ms = EDIT_MS + 60_000;
    const verdict = await revisionVerdict(edit, MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.source, verdict.becameIllustrated], [true, 'page_image', true]);
  });

  test("props from a replica that has not seen the revision are retried with the rule's backoff, never used", async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 99, pageImage: 'Old_choice.jpg' });
    await assert.rejects(
      revisionVerdict(change({ images: [], removed: ['Old.jpg'], changed: true, parentIllustration: stored({ illustrated: true, source: 'image', counted: ['Old.jpg'] }) }), MODEL, h.judge),
      (err: unknown) => err instanceof TransientError && err.retryAfterMs === undefined && /not yet 100/.test(err.message),
    );
  });

  test("a later revision's props are taken: its own event carries the verdict on while its images are the same", async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 105, pageImage: 'Later.jpg' });
    const verdict = await revisionVerdict(change({ parentRevId: null, images: [], changed: false }), MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.source], [true, 'page_image']);
  });

  test('a page the API does not know is waited for while its revision settles, and has no page image after (deleted)', async () => {
    const h = harness();
    h.clock.ms = EDIT_MS + 10_000;
    await assert.rejects(revisionVerdict(change({ parentRevId: null, images: [] }), MODEL, h.judge), (err: unknown) => err instanceof TransientError && err.retryAfterMs === 50_000);
    h.clock.ms = EDIT_MS + 60_000;
    const verdict = await revisionVerdict(change({ parentRevId: null, images: [] }), MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.source], [false, null]);
  });

  test("without the parent's stored verdict, an edit that changed the images has the parent's judged too", async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100 });
    const removedPhoto = await revisionVerdict(change({ images: ['Flag_of_France.svg'], removed: ['Eiffel_Tower.jpg'], changed: true }), MODEL, h.judge);
    assert.deepEqual([removedPhoto.illustrated, removedPhoto.wasIllustrated, removedPhoto.becameIllustrated], [false, true, false]);
    const addedPhoto = await revisionVerdict(change({ images: ['Eiffel_Tower.jpg', 'Flag_of_France.svg'], added: ['Eiffel_Tower.jpg'], changed: true }), MODEL, h.judge);
    assert.deepEqual([addedPhoto.illustrated, addedPhoto.wasIllustrated, addedPhoto.becameIllustrated], [true, false, true]);
    const sameImages = await revisionVerdict(change({ images: ['Eiffel_Tower.jpg'] }), MODEL, h.judge);
    assert.deepEqual([sameImages.illustrated, sameImages.wasIllustrated], [true, true]);
  });

  test("wasIllustrated is what the stored state said, even under another rule: a flag-only page recorded by the any-image rule is no longer illustrated", async () => {
    const h = harness();
    h.wiki.pageProps.set(7, { lastRevId: 100 });
    const verdict = await revisionVerdict(change({ images: ['Flag_of_France.svg'], parentIllustration: stored({ rule: null, illustrated: true, source: 'image', counted: null }) }), MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.wasIllustrated, verdict.becameIllustrated], [false, true, false]);
  });

  test('a failed look-up rejects the verdict (retriable); the next attempt decides', async () => {
    const h = harness();
    h.failNext.push(new TransientError('mediawiki: en.wikipedia.org query: HTTP 503'));
    const edit = change({ images: ['Eiffel_Tower.jpg'], added: ['Eiffel_Tower.jpg'], changed: true, parentIllustration: stored({}) });
    await assert.rejects(revisionVerdict(edit, MODEL, h.judge), TransientError);
    const verdict = await revisionVerdict(edit, MODEL, h.judge);
    assert.deepEqual([verdict.illustrated, verdict.becameIllustrated], [true, true]);
  });

  test('under any_image nothing is asked, and a flag illustrates', async () => {
    const h = harness();
    const verdict = await revisionVerdict(change({ images: ['Flag_of_France.svg'], added: ['Flag_of_France.svg'], changed: true }), { ...MODEL, rule: 'any_image' }, h.judge);
    assert.deepEqual([verdict.rule, verdict.illustrated, verdict.source, verdict.counted, verdict.becameIllustrated, verdict.how], ['any_image', true, 'image', ['Flag_of_France.svg'], true, 'any_image']);
    assert.deepEqual(h.calls, []);
  });

  test('an unavailable revision and a redirect are decided without a request', async () => {
    const h = harness();
    const unavailable = await revisionVerdict(change({ images: null, unavailable: 'revision_hidden' }), MODEL, h.judge);
    assert.deepEqual([unavailable.illustrated, unavailable.wasIllustrated, unavailable.how], [null, null, 'unavailable']);
    const redirect = await revisionVerdict(change({ images: [], isRedirect: true }), MODEL, h.judge);
    assert.deepEqual([redirect.illustrated, redirect.becameIllustrated, redirect.how], [false, false, 'redirect']);
    assert.deepEqual(h.calls, []);
  });
});
