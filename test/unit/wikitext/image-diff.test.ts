// The set difference that turns two revisions' images into what an edit added and removed.
// Pure and order-insensitive, so moving an image within a page is no change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffImages } from '../../../lib/wikitext/image-diff.ts';

test('a page creation adds every image', () => {
  assert.deepEqual(diffImages(null, ['B.jpg', 'A.jpg']), { added: ['A.jpg', 'B.jpg'], removed: [], unchanged: 0 });
});

test('an added image is reported as added and the others as unchanged', () => {
  assert.deepEqual(diffImages(['A.jpg'], ['A.jpg', 'B.jpg']), { added: ['B.jpg'], removed: [], unchanged: 1 });
});

test('a removed image is reported as removed', () => {
  assert.deepEqual(diffImages(['A.jpg', 'B.jpg'], ['B.jpg']), { added: [], removed: ['A.jpg'], unchanged: 1 });
});

test('a renamed image is one removal and one addition', () => {
  assert.deepEqual(diffImages(['A.jpg'], ['C.jpg']), { added: ['C.jpg'], removed: ['A.jpg'], unchanged: 0 });
});

test('the same images in another order are no change', () => {
  assert.deepEqual(diffImages(['A.jpg', 'B.jpg'], ['B.jpg', 'A.jpg']), { added: [], removed: [], unchanged: 2 });
});

test('duplicates in the input are counted once', () => {
  assert.deepEqual(diffImages(['A.jpg', 'A.jpg'], ['A.jpg', 'A.jpg', 'B.jpg']), {
    added: ['B.jpg'],
    removed: [],
    unchanged: 1,
  });
});

test('outputs are sorted', () => {
  const diff = diffImages(['Z.jpg', 'Y.jpg'], ['C.jpg', 'A.jpg']);
  assert.deepEqual(diff, { added: ['A.jpg', 'C.jpg'], removed: ['Y.jpg', 'Z.jpg'], unchanged: 0 });
});
