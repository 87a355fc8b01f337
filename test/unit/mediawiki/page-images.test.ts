// pageprops|info answers read to PageImages' facts per page id: both props, neither, missing and unknown pages.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { pageImagesQuery, parsePageImages } from '../../../lib/mediawiki/page-images.ts';

describe('pageImagesQuery', () => {
  test('asks for both PageImages props and the page info of up to 50 ids', () => {
    assert.deepEqual(pageImagesQuery([736, 9228]), {
      action: 'query',
      prop: 'pageprops|info',
      ppprop: 'page_image|page_image_free',
      pageids: '736|9228',
      format: 'json',
      formatversion: '2',
    });
    assert.throws(() => pageImagesQuery(Array.from({ length: 51 }, (_, i) => i + 1)), RangeError);
    assert.throws(() => pageImagesQuery([]), RangeError);
  });
});

describe('parsePageImages', () => {
  const json = {
    batchcomplete: true,
    query: {
      pages: [
        {
          pageid: 736, ns: 0, title: 'Albert Einstein', contentmodel: 'wikitext', pagelanguage: 'en', pagelanguagehtmlcode: 'en', pagelanguagedir: 'ltr',
          touched: '2024-05-01T10:00:00Z', lastrevid: 1221633417, length: 193_847,
          pageprops: { page_image_free: 'Albert_Einstein_Head.jpg' },
        },
        { pageid: 9228, ns: 0, title: 'Earth', touched: '2024-05-01T10:00:00Z', lastrevid: 1221000000, length: 150_000, pageprops: { page_image: 'Logo_(non-free).png', page_image_free: 'The_Earth_seen_from_Apollo_17.jpg' } },
        { pageid: 555, ns: 0, title: 'Stub', touched: '2024-05-01T10:00:00Z', lastrevid: 42, length: 300 },
        { pageid: 999999999, missing: true },
      ],
    },
  };

  test('every requested id gets its facts, in request order', () => {
    assert.deepEqual(parsePageImages(json, [9228, 736, 555, 999999999, 12]), [
      { kind: 'found', pageId: 9228, lastRevId: 1221000000, pageImage: 'Logo_(non-free).png', pageImageFree: 'The_Earth_seen_from_Apollo_17.jpg' },
      { kind: 'found', pageId: 736, lastRevId: 1221633417, pageImage: null, pageImageFree: 'Albert_Einstein_Head.jpg' },
      { kind: 'found', pageId: 555, lastRevId: 42, pageImage: null, pageImageFree: null },
      { kind: 'missing', pageId: 999999999 },
      { kind: 'unknown', pageId: 12 },
    ]);
  });

  test('ids listed as bad are missing; a page without lastrevid has none', () => {
    assert.deepEqual(parsePageImages({ query: { badpageids: [7], pages: [{ pageid: 8, ns: 0, title: 'X' }] } }, [7, 8]), [
      { kind: 'missing', pageId: 7 },
      { kind: 'found', pageId: 8, lastRevId: null, pageImage: null, pageImageFree: null },
    ]);
  });

  test('an empty prop value is no image', () => {
    assert.deepEqual(parsePageImages({ query: { pages: [{ pageid: 8, lastrevid: 3, pageprops: { page_image_free: '' } }] } }, [8])[0], {
      kind: 'found', pageId: 8, lastRevId: 3, pageImage: null, pageImageFree: null,
    });
  });
});
