// image_diff over fetched revision pairs: creations, stored parent sets, hidden texts, reverts, the Android
// add-image tag, and edit pairs built from real corpus articles.
import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { diffRevision, imageDiffHandler } from '../../../lib/handlers/image-diff.ts';
import type { FetchedRevisions } from '../../../lib/handlers/fetch-revisions.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { handlerEnvironment } from '../../helpers/handler-environment.ts';
import { corpusAvailable, loadArticle } from '../wikitext/corpus.ts';

const en = defaultNamespaceNames('enwiki');

const fetched = (over: Partial<FetchedRevisions>): FetchedRevisions => ({
  wiki: 'enwiki',
  domain: 'en.wikipedia.org',
  pageId: 1,
  title: 'Page',
  namespace: 0,
  revId: 11,
  parentRevId: 10,
  revTimestamp: '2024-01-01T00:00:00Z',
  comment: '',
  isRevert: false,
  isRedirect: false,
  stream: 'mediawiki.revision-create',
  text: '[[File:A.jpg|thumb]] [[File:B.jpg]]',
  parentText: '[[File:A.jpg|thumb]]',
  unavailable: null,
  parentUnavailable: null,
  eventId: 'e',
  eventTime: 0,
  ...over,
});

describe('diffRevision', () => {
  test('an edit adding a link reports the image as added and lists the current set', async () => {
    const d = await diffRevision(fetched({}), en);
    assert.deepEqual([d.added, d.removed, d.images, d.changed, d.parentKnown], [['B.jpg'], [], ['A.jpg', 'B.jpg'], true, true]);
  });

  test('a page creation reports every image as added', async () => {
    const d = await diffRevision(fetched({ parentRevId: null, parentText: null }), en);
    assert.deepEqual(d.added, ['A.jpg', 'B.jpg']);
  });

  test('the stored parent image set stands in for the parent text', async () => {
    const d = await diffRevision(fetched({ parentText: undefined, parentImages: ['A.jpg', 'Old.png'] }), en);
    assert.deepEqual([d.added, d.removed], [['B.jpg'], ['Old.png']]);
  });

  test('a rollback that drops an image reports it as removed', async () => {
    const d = await diffRevision(fetched({ text: '[[File:A.jpg|thumb]]', parentText: '[[File:A.jpg|thumb]] [[File:Vandal.jpg]]', isRevert: true, comment: 'Reverted edits by X' }), en);
    assert.deepEqual([d.added, d.removed, d.isRevert], [[], ['Vandal.jpg'], true]);
  });

  test('an undo that restores a removed image reports it as added', async () => {
    const d = await diffRevision(fetched({ text: '[[File:A.jpg]] [[File:B.jpg]]', parentText: '[[File:A.jpg]]', isRevert: true }), en);
    assert.deepEqual(d.added, ['B.jpg']);
  });

  test('a hidden parent leaves added and removed empty and says the parent is unknown', async () => {
    const d = await diffRevision(fetched({ parentText: null, parentUnavailable: 'revision_hidden' }), en);
    assert.deepEqual([d.added, d.removed, d.parentKnown, d.images], [[], [], false, ['A.jpg', 'B.jpg']]);
  });

  test('a hidden revision has no image set', async () => {
    const d = await diffRevision(fetched({ text: null, unavailable: 'revision_hidden' }), en);
    assert.equal(d.images, null);
    assert.equal(d.unavailable, 'revision_hidden');
  });

  test('the Android add-image tags mark the edit as made through a suggestion', async () => {
    assert.equal((await diffRevision(fetched({ comment: 'Added image #suggestededit-add-image-top' }), en)).suggestionTag, 'top');
    assert.equal((await diffRevision(fetched({ comment: '#suggestededit-add-image-infobox 1.0' }), en)).bySuggestion, true);
    assert.equal((await diffRevision(fetched({ comment: 'copyedit' }), en)).bySuggestion, false);
  });

  test('moving an image within the page is no change', async () => {
    const d = await diffRevision(fetched({ text: 'x [[File:A.jpg]]', parentText: '[[File:A.jpg]] x' }), en);
    assert.equal(d.changed, false);
  });
});

describe('the image_diff step', () => {
  const config = parseConfig('kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://x@127.0.0.1/x"}\n', {});
  const env = handlerEnvironment(config);
  after(() => env.close());
  const ctx = (f: FetchedRevisions) => ({ message: {}, match: {}, results: { fetch_revisions: f }, source: { topic: 't', partition: 0, offset: 0, key: null, stream: 't' }, rule: 'r', log: silentLogger });

  test('stops the chain for an unchanged revision when stop_when_unchanged is set', async () => {
    const step = imageDiffHandler.create({ from: 'fetch_revisions', namespaces: 'bundled', stop_when_unchanged: true }, env);
    const same = await step.run(ctx(fetched({ text: '[[File:A.jpg]]', parentText: '[[File:A.jpg]]' })));
    const changed = await step.run(ctx(fetched({})));
    assert.equal(same?.stop, true);
    assert.equal(changed?.stop, undefined);
  });

  test('with extract_threads set, the diff is computed on a worker thread with the same result', async () => {
    const threaded = parseConfig('kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "postgres://x@127.0.0.1/x"}\nwikitext: {extract_threads: 1}\n', {});
    const threadedEnv = handlerEnvironment(threaded);
    const step = imageDiffHandler.create({ from: 'fetch_revisions', namespaces: 'bundled', stop_when_unchanged: false }, threadedEnv);
    assert.notEqual(threadedEnv.extractor, env.extractor, 'extraction threads, not the event loop');
    try {
      const outcome = await step.run(ctx(fetched({})));
      assert.deepEqual(outcome?.result, await diffRevision(fetched({}), en));
      assert.deepEqual((outcome?.result as { added: string[] }).added, ['B.jpg']);
    } finally {
      await threadedEnv.close();
    }
  });
});

describe('edit pairs from corpus articles', { skip: !corpusAvailable && 'corpus not found' }, () => {
  test('removing the infobox image of a German article with Datei: links reports only that image', async () => {
    const article = loadArticle('dewiki/Keilwelle.txt');
    const names = defaultNamespaceNames('dewiki');
    const all = (await diffRevision(fetched({ wiki: 'dewiki', parentRevId: null, parentText: null, text: article.text }), names)).images!;
    assert.ok(all.length > 0);
    const victim = all[0]!;
    const escaped = victim.replace(/_/g, '[ _]').replace(/[.()]/g, '\\$&');
    const edited = article.text.replace(new RegExp(`\\[\\[(?:Datei|File|Bild):${escaped}[^\\]]*\\]\\]`, 'g'), '');
    const d = await diffRevision(fetched({ wiki: 'dewiki', text: edited, parentText: article.text }), names);
    assert.deepEqual(d.removed, [victim]);
    assert.deepEqual(d.added, []);
  });

  test('an unrelated text edit to a large article changes no image', async () => {
    const article = loadArticle('enwiki/United-Kingdom.txt');
    const d = await diffRevision(fetched({ text: article.text.replace('the', 'teh'), parentText: article.text }), en);
    assert.equal(d.changed, false);
    assert.ok(d.images!.length > 20);
  });
});
