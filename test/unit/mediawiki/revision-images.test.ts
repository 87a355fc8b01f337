// Reading a revisions answer straight to image lists: found revisions keep their fields and carry the images of
// their text instead of it, every other lookup and every failed answer passes through as interpretApiResponse
// and parseRevisions would say, whatever the answer's encoding.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { readRevisionImages, type RevisionsAnswer } from '../../../lib/mediawiki/revision-images.ts';
import { asciiJson } from '../../../lib/mediawiki/response-text.ts';
import { extractImages } from '../../../lib/wikitext/extract-images.ts';
import { defaultNamespaceNames, type FileNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';

const en = defaultNamespaceNames('enwiki');
const de = defaultNamespaceNames('dewiki');

interface Rev {
  revId: number;
  pageId: number;
  title: string;
  parentId: number | null;
  timestamp: string;
  /** null: revision-deleted; undefined: left out for size (the answer continues). */
  text: string | null | undefined;
}

/** A formatversion=2 prop=revisions answer shaped like the API's (and lib/demo/fake-mediawiki.ts's). */
function revisionsJson(revisions: Rev[], unknown: number[] = []): Record<string, unknown> {
  const pages = new Map<number, { pageid: number; ns: number; title: string; revisions: unknown[] }>();
  for (const rev of revisions) {
    let page = pages.get(rev.pageId);
    if (!page) pages.set(rev.pageId, (page = { pageid: rev.pageId, ns: 0, title: rev.title.replace(/_/g, ' '), revisions: [] }));
    const base = { revid: rev.revId, parentid: rev.parentId ?? 0, timestamp: rev.timestamp };
    if (rev.text === null) page.revisions.push({ ...base, texthidden: true, slots: { main: { texthidden: true, contentmodel: 'wikitext' } } });
    else if (rev.text === undefined) page.revisions.push({ ...base, slots: { main: { contentmodel: 'wikitext' } } });
    else page.revisions.push({ ...base, slots: { main: { contentmodel: 'wikitext', contentformat: 'text/x-wiki', content: rev.text } } });
  }
  const query: Record<string, unknown> = { pages: [...pages.values()].sort((a, b) => a.pageid - b.pageid) };
  if (unknown.length > 0) query.badrevids = Object.fromEntries(unknown.map((id) => [String(id), { revid: id, missing: true }]));
  const truncated = revisions.some((rev) => rev.text === undefined);
  return truncated ? { continue: { rvcontinue: 'x', continue: '||' }, query } : { batchcomplete: true, query };
}

const answer = (body: string, status = 200, retryAfter?: string): RevisionsAnswer => ({ status, retryAfter, bytes: Buffer.from(body, 'utf8') });

const okAnswer = (revisions: Rev[], unknown: number[] = []) => answer(asciiJson(JSON.stringify(revisionsJson(revisions, unknown))));

const at = '2024-01-01T00:00:00Z';
const article = '{{Infobox|image = Skyline.jpg}} [[File:Harbour at dusk.jpg|thumb|The [[harbour]]]] <gallery>\nFile:One.jpg\nTwo.png\n</gallery>';
const edits: Rev[] = [
  { revId: 21, pageId: 2, title: 'B_page', parentId: 20, timestamp: '2024-01-02T00:00:00Z', text: article },
  { revId: 11, pageId: 1, title: 'A page', parentId: 10, timestamp: '2024-01-03T00:00:00Z', text: '[[File:A.jpg]] [[Image:B b.png|x]]' },
  { revId: 10, pageId: 1, title: 'A page', parentId: null, timestamp: at, text: 'no images at all' },
];

describe('readRevisionImages', () => {
  test('found revisions keep their fields and carry the images of their text instead of the text', () => {
    const outcome = readRevisionImages(okAnswer(edits), [10, 11, 21], en);
    assert.equal(outcome.kind, 'ok');
    const lookups = outcome.kind === 'ok' ? outcome.lookups : [];
    assert.deepEqual(lookups, [
      { kind: 'found', revId: 10, parentId: null, pageId: 1, title: 'A_page', namespace: 0, timestamp: at, images: [] },
      { kind: 'found', revId: 11, parentId: 10, pageId: 1, title: 'A_page', namespace: 0, timestamp: '2024-01-03T00:00:00Z', images: ['A.jpg', 'B_b.png'] },
      { kind: 'found', revId: 21, parentId: 20, pageId: 2, title: 'B_page', namespace: 0, timestamp: '2024-01-02T00:00:00Z', images: extractImages(article, en) },
    ]);
    assert.ok(extractImages(article, en).length >= 4, 'the article embeds images');
    for (const lookup of lookups) assert.ok(!('text' in lookup), `revision ${lookup.revId} carries no text`);
  });

  test('the images are those extractImages finds in each text, with the names given', () => {
    const texts = ['[[Datei:Köln Dom.jpg|mini]] [[Bild:Alt.png]] [[File:En.jpg]]', '{{Infobox|Bild = Zürich.png}} [[Medium:Ton.ogg]]'];
    const revisions = texts.map((text, i) => ({ revId: 100 + i, pageId: 50 + i, title: `Seite ${i}`, parentId: null, timestamp: at, text }));
    for (const names of [en, de]) {
      const outcome = readRevisionImages(okAnswer(revisions), [100, 101], names);
      assert.deepEqual(
        outcome.kind === 'ok' ? outcome.lookups.map((l) => ('images' in l ? l.images : l.kind)) : outcome,
        texts.map((text) => extractImages(text, names)),
      );
    }
    assert.notDeepEqual(extractImages(texts[0]!, en), extractImages(texts[0]!, de), 'the names change the answer');
  });

  test('missing, hidden and incomplete revisions pass through as parseRevisions reads them', () => {
    const revisions: Rev[] = [
      { revId: 31, pageId: 3, title: 'Hidden', parentId: 30, timestamp: at, text: null },
      { revId: 41, pageId: 4, title: 'Found', parentId: 40, timestamp: at, text: '[[File:F.jpg]]' },
    ];
    const complete = readRevisionImages(okAnswer(revisions, [99]), [99, 31, 41], en);
    assert.deepEqual(complete.kind === 'ok' && complete.lookups, [
      { kind: 'missing', revId: 99 },
      { kind: 'hidden', revId: 31 },
      { kind: 'found', revId: 41, parentId: 40, pageId: 4, title: 'Found', namespace: 0, timestamp: at, images: ['F.jpg'] },
    ]);
    // An answer cut at the size limit: the revision without content and the one not listed are asked again.
    const cut = readRevisionImages(okAnswer([...revisions, { revId: 51, pageId: 5, title: 'Cut', parentId: 50, timestamp: at, text: undefined }]), [51, 41, 61, 31], en);
    assert.deepEqual(cut.kind === 'ok' && cut.lookups.map((l) => [l.kind, l.revId]), [
      ['incomplete', 51],
      ['found', 41],
      ['incomplete', 61],
      ['hidden', 31],
    ]);
  });

  test('lookups come in request order, whatever order the answer lists pages and revisions in', () => {
    const body = answer(JSON.stringify(revisionsJson(edits)));
    for (const requested of [[21, 10, 11], [11, 21, 10], [10, 11, 21]]) {
      const outcome = readRevisionImages(body, requested, en);
      assert.deepEqual(outcome.kind === 'ok' && outcome.lookups.map((l) => l.revId), requested);
    }
  });

  test('an ascii=1 answer and a raw UTF-8 answer of the same data give the same images', () => {
    const text = '[[Datei:Köln Dom.jpg|mini|Der [[Kölner Dom]]]] 東京 😀 {{Infobox|Bild = Zürich Straße.png}} [[Bild:Ærø.svg]]';
    const json = JSON.stringify(revisionsJson([{ revId: 7001, pageId: 700, title: 'Köln', parentId: null, timestamp: at, text }]));
    const escaped = asciiJson(json);
    assert.ok(isAscii(Buffer.from(escaped)) && !isAscii(Buffer.from(json)), 'one answer is escaped, the other raw UTF-8');
    const fromAscii = readRevisionImages(answer(escaped), [7001], de);
    const fromUtf8 = readRevisionImages(answer(json), [7001], de);
    const expected = { kind: 'found', revId: 7001, parentId: null, pageId: 700, title: 'Köln', namespace: 0, timestamp: at, images: extractImages(text, de) };
    assert.ok(expected.images.includes('Köln_Dom.jpg') && expected.images.includes('Zürich_Straße.png'), String(expected.images));
    assert.deepEqual(fromAscii, { kind: 'ok', lookups: [expected] });
    assert.deepEqual(fromUtf8, { kind: 'ok', lookups: [expected] });
  });

  test('bytes that are a view into a larger buffer are read as their own bytes only', () => {
    const json = JSON.stringify(revisionsJson([{ revId: 1, pageId: 1, title: 'A', parentId: null, timestamp: at, text: '[[File:View.jpg]]' }]));
    const padded = Buffer.from(`garbage${json}trailing`, 'utf8');
    const view = new Uint8Array(padded.buffer, padded.byteOffset + 'garbage'.length, Buffer.byteLength(json));
    const outcome = readRevisionImages({ status: 200, retryAfter: undefined, bytes: view }, [1], en);
    assert.deepEqual(outcome.kind === 'ok' && outcome.lookups.map((l) => ('images' in l ? l.images : l.kind)), [['View.jpg']]);
  });

  test('HTTP 503 and 429 are transient, with the wait Retry-After asks for', () => {
    assert.deepEqual(readRevisionImages(answer('', 503), [1], en), { kind: 'transient', message: 'API answered HTTP 503' });
    assert.deepEqual(readRevisionImages(answer('<html>busy</html>', 503, '7'), [1], en), { kind: 'transient', message: 'API answered HTTP 503', retryAfterMs: 7000 });
    assert.deepEqual(readRevisionImages(answer('{}', 429, '2'), [1], en), { kind: 'transient', message: 'API answered HTTP 429', retryAfterMs: 2000 });
  });

  test('a maxlag error is transient, waiting as Retry-After or the reported lag says', () => {
    const maxlag = JSON.stringify({ error: { code: 'maxlag', info: 'Waiting for db: 6 seconds lagged', lag: 6 } });
    const withHeader = readRevisionImages(answer(maxlag, 200, '3'), [1], en);
    assert.deepEqual(withHeader, { kind: 'transient', message: 'API error maxlag: Waiting for db: 6 seconds lagged', retryAfterMs: 3000 });
    const fromLag = readRevisionImages(answer(maxlag), [1], en);
    assert.equal(fromLag.kind, 'transient');
    assert.equal(fromLag.kind === 'transient' && fromLag.retryAfterMs, 6000);
  });

  test('HTTP 404 and an unknown API error code are permanent', () => {
    assert.deepEqual(readRevisionImages(answer('not found', 404), [1], en), { kind: 'permanent', message: 'API answered HTTP 404' });
    const unknown = readRevisionImages(answer(JSON.stringify({ error: { code: 'badvalue', info: 'Unrecognized value' } })), [1], en);
    assert.deepEqual(unknown, { kind: 'permanent', message: 'API error badvalue: Unrecognized value' });
  });

  test('a 200 answer whose body is not JSON (a proxy error page) is transient', () => {
    const outcome = readRevisionImages(answer('<html><body>502 Bad Gateway</body></html>'), [1], en);
    assert.equal(outcome.kind, 'transient');
    assert.match(outcome.kind === 'transient' ? outcome.message : '', /not JSON/);
  });

  test('an extraction that throws fails only the found revisions, not the others or the answer', () => {
    const broken = { file: null, media: null } as unknown as FileNamespaceNames;
    assert.throws(() => extractImages('[[File:A.jpg]]', broken), TypeError);
    const revisions: Rev[] = [
      { revId: 11, pageId: 1, title: 'A', parentId: 10, timestamp: at, text: '[[File:A.jpg]]' },
      { revId: 31, pageId: 3, title: 'Hidden', parentId: 30, timestamp: at, text: null },
      { revId: 21, pageId: 2, title: 'B', parentId: 20, timestamp: at, text: article },
    ];
    const outcome = readRevisionImages(okAnswer(revisions, [99]), [11, 99, 31, 21], broken);
    assert.equal(outcome.kind, 'ok');
    const lookups = outcome.kind === 'ok' ? outcome.lookups : [];
    assert.deepEqual(lookups.map((l) => [l.kind, l.revId]), [
      ['failed', 11],
      ['missing', 99],
      ['hidden', 31],
      ['failed', 21],
    ]);
    for (const lookup of lookups) {
      if (lookup.kind === 'failed') assert.match(lookup.message, /^image extraction failed: .+/);
    }
  });
});
