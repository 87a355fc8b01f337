// The rows one revision writes: page state, the added/removed log, and applied/removed statuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { revisionRows, type PageImageChange } from '../../../lib/recommendations/revision-rows.ts';

const change = (over: Partial<PageImageChange>): PageImageChange => ({
  wiki: 'enwiki',
  domain: 'en.wikipedia.org',
  pageId: 7,
  title: 'Page',
  revId: 100,
  parentRevId: 99,
  revTimestamp: '2024-01-01T00:00:00Z',
  dt: '2024-01-01T00:00:00Z',
  images: ['A.jpg', 'B.jpg'],
  parentKnown: true,
  added: ['B.jpg'],
  removed: ['C.jpg'],
  changed: true,
  bySuggestion: true,
  suggestionTag: 'top',
  isRevert: false,
  isRedirect: false,
  stream: 'mediawiki.revision-create',
  unavailable: null,
  eventId: 'ev',
  eventTime: 0,
  ...over,
});

test('an edit writes the new image set, one log row per change and a status per touched image', () => {
  const rows = revisionRows(change({}));
  assert.deepEqual(rows.page, {
    wiki: 'enwiki', pageId: 7, title: 'Page', revId: 100, revTimestamp: '2024-01-01T00:00:00Z', images: ['A.jpg', 'B.jpg'], isRedirect: false,
    illustrated: true, illustrationSource: 'image', countedImages: ['A.jpg', 'B.jpg'], illustrationRule: 'any_image',
  });
  assert.deepEqual(rows.changes.map((c) => [c.image, c.change, c.bySuggestion]), [['B.jpg', 'added', true], ['C.jpg', 'removed', false]]);
  assert.deepEqual(rows.statuses.map((s) => [s.image, s.status, s.revId, s.source, s.eventTime]), [
    ['B.jpg', 'applied', 100, 'mediawiki.revision-create', Date.parse('2024-01-01T00:00:00Z')],
    ['C.jpg', 'removed', 100, 'mediawiki.revision-create', Date.parse('2024-01-01T00:00:00Z')],
  ]);
  assert.deepEqual(rows.unprocessable, []);
});

test('with the parent unknown only the current image set is written', () => {
  const rows = revisionRows(change({ parentKnown: false }));
  assert.ok(rows.page);
  assert.deepEqual(rows.changes, []);
  assert.deepEqual(rows.statuses, []);
});

test('an unavailable revision writes only an unprocessable row', () => {
  const rows = revisionRows(change({ images: null, unavailable: 'revision_hidden', added: [], removed: [] }));
  assert.equal(rows.page, null);
  assert.deepEqual(rows.unprocessable, [{ wiki: 'enwiki', ref: 'rev:100', reason: 'revision_hidden', pageId: 7, stream: 'mediawiki.revision-create', eventId: 'ev' }]);
});

test('a revision without timestamp takes the event time for its statuses', () => {
  const rows = revisionRows(change({ revTimestamp: null, eventTime: 1234 }));
  assert.equal(rows.statuses[0]!.eventTime, 1234);
});

test('a revision that turns the page into a redirect records it as a redirect without images, and claims no removal', () => {
  const rows = revisionRows(change({ isRedirect: true, images: [], added: [], removed: ['A.jpg', 'B.jpg'] }));
  assert.deepEqual(rows.page, {
    wiki: 'enwiki', pageId: 7, title: 'Page', revId: 100, revTimestamp: '2024-01-01T00:00:00Z', images: [], isRedirect: true,
    illustrated: false, illustrationSource: null, countedImages: [], illustrationRule: 'any_image',
  });
  assert.deepEqual(rows.changes, []);
  assert.deepEqual(rows.statuses, []);
});

test("the page is recorded with the verdict it is given: the model's rule may count none of its images", () => {
  const rows = revisionRows(change({ images: ['Flag_of_France.svg'], added: ['Flag_of_France.svg'], removed: [] }), { rule: 'model', illustrated: false, source: null, counted: [] });
  assert.deepEqual(
    [rows.page!.images, rows.page!.illustrated, rows.page!.illustrationSource, rows.page!.countedImages, rows.page!.illustrationRule],
    [['Flag_of_France.svg'], false, null, [], 'model'],
  );
  assert.deepEqual(rows.statuses.map((s) => [s.image, s.status]), [['Flag_of_France.svg', 'applied']], 'an icon added is still an image applied to the page');
});

test('a redirect is never illustrated, whatever verdict it is given, but keeps the rule that judged it', () => {
  const rows = revisionRows(change({ isRedirect: true, images: [], added: [], removed: [] }), { rule: 'model', illustrated: true, source: 'page_image', counted: [] });
  assert.deepEqual([rows.page!.illustrated, rows.page!.illustrationSource, rows.page!.illustrationRule], [false, null, 'model']);
});

test('statuses name the stream the revision came from', () => {
  const rows = revisionRows(change({ stream: 'mediawiki.page_content_change.v1' }));
  assert.deepEqual([...new Set(rows.statuses.map((s) => s.source))], ['mediawiki.page_content_change.v1']);
});
