// The `extract-images` command: reads a wikitext file, prints its images as one JSON line (or an explanation),
// takes namespace names from bundled defaults or a saved siteinfo answer, and returns an exit code instead of
// exiting so it can be tested. (Fetching the siteinfo with --api is tested over HTTP in test/integration/cli.)
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractImagesCommand, type ExtractImagesOptions } from '../../../lib/cli/extract-images-command.ts';

const article = fileURLToPath(new URL('../../fixtures/wikitext/article-with-images.wiki', import.meta.url));
const dewikiSiteinfo = fileURLToPath(new URL('../../fixtures/wikitext/siteinfo-dewiki.json', import.meta.url));

async function run(opts: ExtractImagesOptions): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await extractImagesCommand(opts, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

function tempFile(name: string, content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'imr-extract-')), name);
  writeFileSync(file, content);
  return file;
}

// A wiki with no bundled names, whose File namespace is called "Fael" with the alias "Bilde".
const xxwikiSiteinfo = {
  batchcomplete: true,
  query: {
    general: { wikiid: 'xxwiki', lang: 'xx' },
    namespaces: { '6': { id: 6, name: 'Fael', canonical: 'File' }, '-2': { id: -2, name: 'Medya', canonical: 'Media' } },
    namespacealiases: [{ id: 6, alias: 'Bilde' }],
  },
};
const xxwikiText = '[[Fael:A.jpg|thumb]] [[Bilde:B.png]] [[File:C.svg]] [[Medya:D.ogg]]';

describe('extract-images', () => {
  test('prints the sorted images of a file as one JSON line and exits 0', async () => {
    const { code, out, err } = await run({ wiki: 'enwiki', file: article });
    assert.equal(code, 0);
    assert.deepEqual(err, []);
    assert.equal(out.length, 1);
    assert.ok(!out[0]!.includes('\n'));
    assert.deepEqual(JSON.parse(out[0]!), {
      images: ['Example_map.svg', 'Example_skyline.jpg', 'Gallery_one.jpg', 'Gallery_two.png', 'Harbour_at_dusk.jpg'],
    });
  });

  test('with explain prints the images and every occurrence, pretty-printed', async () => {
    const { code, out } = await run({ wiki: 'enwiki', file: article, explain: true });
    assert.equal(code, 0);
    const output = JSON.parse(out.join('\n')) as { images: string[]; occurrences: Array<{ image: string; kind: string; line: number }> };
    assert.ok(out.join('\n').includes('\n  "images"'));
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

  test('a file that cannot be read gives exit code 1 and a message on stderr', async () => {
    const { code, out, err } = await run({ wiki: 'enwiki', file: '/nonexistent/page.wiki' });
    assert.equal(code, 1);
    assert.deepEqual(out, []);
    assert.match(err.join('\n'), /cannot read \/nonexistent\/page\.wiki/);
  });
});

describe('extract-images namespace names', () => {
  test('a wiki without bundled names gets a warning on stderr and the canonical names only', async () => {
    const { code, out, err } = await run({ wiki: 'xxwiki', file: tempFile('page.wiki', xxwikiText) });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['C.svg'] });
    assert.equal(err.length, 1);
    assert.match(err[0]!, /warning: xxwiki is not a wiki with bundled namespace names; only the canonical File:, Image: and Media: prefixes/);
    assert.match(err[0]!, /--siteinfo FILE or --api URL/);
  });

  test('a wiki with bundled names gets no warning', async () => {
    const { code, out, err } = await run({ wiki: 'dewiki', file: tempFile('page.wiki', '[[Datei:A.jpg]] [[Bild:B.jpg]]') });
    assert.equal(code, 0);
    assert.deepEqual(err, []);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['A.jpg', 'B.jpg'] });
  });

  test('--siteinfo takes the names and aliases of a saved answer, without a warning', async () => {
    const siteinfo = tempFile('siteinfo.json', JSON.stringify(xxwikiSiteinfo));
    const { code, out, err } = await run({ wiki: 'xxwiki', file: tempFile('page.wiki', xxwikiText), siteinfo });
    assert.equal(code, 0);
    assert.deepEqual(err, []);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['A.jpg', 'B.png', 'C.svg'] });
  });

  test('--siteinfo reads a real-shaped dewiki answer', async () => {
    const { code, out } = await run({ wiki: 'dewiki', file: tempFile('page.wiki', '[[Datei:A.jpg]] [[Bild:B.jpg]] [[Image:C.jpg]]'), siteinfo: dewikiSiteinfo });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['A.jpg', 'B.jpg', 'C.jpg'] });
  });

  test('--siteinfo of another wiki than --wiki is used, with a warning naming both', async () => {
    const { code, out, err } = await run({ wiki: 'enwiki', file: tempFile('page.wiki', '[[Datei:A.jpg]]'), siteinfo: dewikiSiteinfo });
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['A.jpg'] });
    assert.match(err.join('\n'), /warning: the siteinfo from .*siteinfo-dewiki\.json is for dewiki, not enwiki/);
  });

  const badSiteinfo: Array<[string, string, RegExp]> = [
    ['is not JSON', '{"query": ', /cannot read the namespace names from .*siteinfo\.json: .*JSON/],
    ['has no namespaces', '{"query": {"general": {}}}', /cannot read the namespace names from .*: Malformed siteinfo response: query\.namespaces is missing/],
    ['is an API error', '{"error": {"code": "readapidenied", "info": "no"}}', /Malformed siteinfo response: API error readapidenied: no/],
  ];
  for (const [what, content, message] of badSiteinfo) {
    test(`a siteinfo file that ${what} gives exit code 1 and says why, printing nothing`, async () => {
      const { code, out, err } = await run({ wiki: 'xxwiki', file: article, siteinfo: tempFile('siteinfo.json', content) });
      assert.equal(code, 1);
      assert.deepEqual(out, []);
      assert.match(err.join('\n'), message);
    });
  }

  test('a siteinfo file that does not exist gives exit code 1', async () => {
    const { code, err } = await run({ wiki: 'xxwiki', file: article, siteinfo: '/nonexistent/siteinfo.json' });
    assert.equal(code, 1);
    assert.match(err.join('\n'), /cannot read the namespace names from \/nonexistent\/siteinfo\.json: ENOENT/);
  });

  test('--siteinfo and --api together are a usage error (exit 2)', async () => {
    const { code, out, err } = await run({ wiki: 'xxwiki', file: article, siteinfo: dewikiSiteinfo, api: 'http://127.0.0.1:1/w/api.php' });
    assert.equal(code, 2);
    assert.deepEqual(out, []);
    assert.deepEqual(err, ['extract-images: give --siteinfo or --api, not both']);
  });
});
