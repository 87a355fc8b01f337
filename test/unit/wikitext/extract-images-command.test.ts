// The `extract-images` command: reads a wikitext file, prints its images as one JSON line (or an
// explanation), and returns an exit code instead of exiting so it can be tested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { extractImagesCommand } from '../../../lib/cli/extract-images-command.ts';

const article = fileURLToPath(new URL('../../fixtures/wikitext/article-with-images.wiki', import.meta.url));

test('prints the sorted images of a file as one JSON line and exits 0', async () => {
  const lines: string[] = [];
  const code = await extractImagesCommand({ wiki: 'enwiki', file: article }, (line) => lines.push(line));
  assert.equal(code, 0);
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('\n'));
  assert.deepEqual(JSON.parse(lines[0]!), {
    images: ['Example_map.svg', 'Example_skyline.jpg', 'Gallery_one.jpg', 'Gallery_two.png', 'Harbour_at_dusk.jpg'],
  });
});

test('with explain prints the images and every occurrence, pretty-printed', async () => {
  const lines: string[] = [];
  const code = await extractImagesCommand({ wiki: 'enwiki', file: article, explain: true }, (line) => lines.push(line));
  assert.equal(code, 0);
  const output = JSON.parse(lines.join('\n')) as { images: string[]; occurrences: Array<{ image: string; kind: string; line: number }> };
  assert.ok(lines.join('\n').includes('\n  "images"'));
  assert.equal(output.images.length, 5);
  assert.deepEqual(
    output.occurrences.map((o) => [o.image, o.kind, o.line]),
    [
      ['Example_skyline.jpg', 'template-param', 3],
      ['Example_map.svg', 'link', 4],
      ['Harbour_at_dusk.jpg', 'link', 6],
      ['Gallery_one.jpg', 'gallery', 9],
      ['Gallery_two.png', 'gallery', 10],
    ],
  );
});

test('a file that cannot be read gives exit code 1 and a message on stderr', async (t) => {
  const written: string[] = [];
  t.mock.method(process.stderr, 'write', (chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const lines: string[] = [];
  const code = await extractImagesCommand({ wiki: 'enwiki', file: '/nonexistent/page.wiki' }, (line) => lines.push(line));
  t.mock.restoreAll();
  assert.equal(code, 1);
  assert.deepEqual(lines, []);
  assert.match(written.join(''), /cannot read \/nonexistent\/page\.wiki/);
});
