// A file named in event data, in every form producers write it: bare, prefixed, interwiki, page URL, upload URL.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileNameFromReference } from '../../../lib/wikitext/file-reference.ts';

const ENGLISH = ['File', 'Image'];
const GERMAN = ['Datei', 'Bild', 'File', 'Image'];

describe('fileNameFromReference names the file', () => {
  const cases: Array<[string, string, readonly string[], string]> = [
    ['of a bare name', 'example.JPEG', ENGLISH, 'Example.JPEG'],
    ['of a bare name with spaces', '  Some  image.jpg ', ENGLISH, 'Some_image.jpg'],
    ['of a bare name with a colon of its own', 'Map: Europe 1900.png', ENGLISH, 'Map:_Europe_1900.png'],
    ['of a File: title', 'File:Foo bar.jpg', ENGLISH, 'Foo_bar.jpg'],
    ['of an Image: title, in any case', 'image:foo.jpg', ENGLISH, 'Foo.jpg'],
    ['of a localised title', 'Datei:Kölner Dom.jpg', GERMAN, 'Kölner_Dom.jpg'],
    ['of a Commons interwiki link', 'commons:File:Foo.jpg', ENGLISH, 'Foo.jpg'],
    ['of the Commons page URL feedback 1.0.0 sends', 'https://commons.wikimedia.org/wiki/File:example.JPEG', ENGLISH, 'Example.JPEG'],
    ['of a percent-encoded page URL', 'https://commons.wikimedia.org/wiki/File:K%C3%B6lner_Dom.jpg', ENGLISH, 'Kölner_Dom.jpg'],
    ['of an index.php URL', 'https://en.wikipedia.org/w/index.php?title=File:Foo.jpg&action=edit', ENGLISH, 'Foo.jpg'],
    ['of a protocol-relative URL', '//commons.wikimedia.org/wiki/File:Foo.jpg', ENGLISH, 'Foo.jpg'],
    ['of an upload URL', 'https://upload.wikimedia.org/wikipedia/commons/a/ab/Foo_bar.jpg', ENGLISH, 'Foo_bar.jpg'],
    ['of a thumbnail URL', 'https://upload.wikimedia.org/wikipedia/commons/thumb/a/ab/Foo_bar.jpg/220px-Foo_bar.jpg', ENGLISH, 'Foo_bar.jpg'],
  ];
  for (const [name, raw, names, expected] of cases) {
    test(name, () => assert.deepEqual(fileNameFromReference(raw, names), { ok: true, name: expected }));
  }
});

describe('fileNameFromReference refuses, with the reason,', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['an empty name', '   ', /empty/],
    ['a page of another namespace', 'Category:Lighthouses', /outside the File namespace/],
    ['a URL of a page of another namespace', 'https://en.wikipedia.org/wiki/Earthworm', /outside the File namespace/],
    ['a URL that names no page', 'https://example.org/search?q=cat', /names no wiki page/],
    ['an upload URL without a file name', 'https://upload.wikimedia.org/wikipedia/commons/', /names no file/],
    ['a Commons link to a category', 'commons:Category:Cats', /outside the File namespace/],
    ['a name with characters no title may hold', 'File:Foo[1].jpg', /not a valid file name/],
    ['a URL that does not parse', 'https://[::1/wiki/File:X.jpg', /does not parse/],
  ];
  for (const [name, raw, reason] of cases) {
    test(name, () => {
      const result = fileNameFromReference(raw, ENGLISH);
      assert.equal(result.ok, false);
      assert.match((result as { reason: string }).reason, reason);
    });
  }
});
