// When a revision makes its page illustrated under the any-image rule (a step that did not judge): what the
// weighted-tag clears follow. The parent's stored verdict, when there is one, says what the page was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anyImageIllustration, anyImagePageIllustration, parentImages } from '../../../lib/recommendations/illustration-change.ts';
import type { PageImageChange } from '../../../lib/recommendations/revision-rows.ts';

const change = (over: Partial<PageImageChange>): PageImageChange => ({
  wiki: 'enwiki', domain: 'en.wikipedia.org', pageId: 1, title: 'P', revId: 2, parentRevId: 1, revTimestamp: null, dt: '2024-01-01T00:00:00Z',
  images: [], parentKnown: true, added: [], removed: [], changed: false, bySuggestion: false, suggestionTag: null, isRevert: false,
  isRedirect: false, stream: 'mediawiki.revision-create', unavailable: null, eventId: null, eventTime: 0, ...over,
});

const cases: Array<[string, Partial<PageImageChange>, { illustrated: boolean | null; wasIllustrated: boolean | null; becameIllustrated: boolean }]> = [
  ['an edit adding the first image makes the page illustrated', { images: ['A.jpg'], added: ['A.jpg'], changed: true }, { illustrated: true, wasIllustrated: false, becameIllustrated: true }],
  ['a creation with an image makes it illustrated', { parentRevId: null, images: ['A.jpg'], added: ['A.jpg'], changed: true }, { illustrated: true, wasIllustrated: false, becameIllustrated: true }],
  ['an edit that keeps an image does not', { images: ['A.jpg'] }, { illustrated: true, wasIllustrated: true, becameIllustrated: false }],
  ['an edit adding a second image does not', { images: ['A.jpg', 'B.jpg'], added: ['B.jpg'], changed: true }, { illustrated: true, wasIllustrated: true, becameIllustrated: false }],
  ['an edit swapping one image for another does not', { images: ['B.jpg'], added: ['B.jpg'], removed: ['A.jpg'], changed: true }, { illustrated: true, wasIllustrated: true, becameIllustrated: false }],
  ['an edit removing the last image does not', { images: [], removed: ['A.jpg'], changed: true }, { illustrated: false, wasIllustrated: true, becameIllustrated: false }],
  ['an edit whose parent is unknown cannot say', { images: ['A.jpg'], parentKnown: false }, { illustrated: true, wasIllustrated: null, becameIllustrated: false }],
  ['a redirect is not illustrated', { images: [], isRedirect: true }, { illustrated: false, wasIllustrated: false, becameIllustrated: false }],
  ['an unavailable revision says nothing', { images: null, unavailable: 'revision_hidden' }, { illustrated: null, wasIllustrated: null, becameIllustrated: false }],
  [
    "the parent's stored verdict says whether it was illustrated: a flag-only page the model left unillustrated becomes so",
    { images: ['Flag.svg'], parentIllustration: { rule: 'model', illustrated: false, source: null, counted: [], redirect: false } },
    { illustrated: true, wasIllustrated: false, becameIllustrated: true },
  ],
  [
    'a stored parent that PageImages illustrated was illustrated, though it showed no image',
    { images: ['A.jpg'], added: ['A.jpg'], changed: true, parentIllustration: { rule: 'model', illustrated: true, source: 'page_image', counted: [], redirect: false } },
    { illustrated: true, wasIllustrated: true, becameIllustrated: false },
  ],
];
for (const [name, over, expected] of cases) test(name, () => assert.deepEqual(anyImageIllustration(change(over)), expected));

test('the any-image verdict counts every image, and a redirect none', () => {
  assert.deepEqual(anyImagePageIllustration(change({ images: ['A.jpg', 'Flag.svg'] })), { rule: 'any_image', illustrated: true, source: 'image', counted: ['A.jpg', 'Flag.svg'] });
  assert.deepEqual(anyImagePageIllustration(change({ images: [], isRedirect: true })), { rule: 'any_image', illustrated: false, source: null, counted: [] });
  assert.equal(anyImagePageIllustration(change({ images: null })), null);
});

test("the parent's images are the revision's without what it added, with what it removed", () => {
  assert.deepEqual(parentImages(['A.jpg', 'B.jpg'], { added: ['B.jpg'], removed: ['C.jpg'] }), ['A.jpg', 'C.jpg']);
});
