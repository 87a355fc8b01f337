// Feedback from both streams becomes one decision: who said what about which (wiki, page, image), and when.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { canonicalFeedback, legacyFeedback, legacyWiki, normalizeFeedback } from '../../../lib/recommendations/feedback.ts';
import { InvalidEventError } from '../../../lib/errors.ts';
import { schemaVersions, schemasAvailable, schemasMissing } from '../../helpers/wikimedia-schemas.ts';

const canonical = (over: Record<string, unknown>) => ({
  meta: { stream: 'mediawiki.image_suggestions_feedback', dt: '2024-03-01T10:00:00Z', id: 'e1' },
  dt: '2024-03-01T10:00:00Z',
  wiki: 'enwiki',
  page_id: 123,
  filename: 'Some image.jpg',
  user_id: 5,
  is_accepted: false,
  is_rejected: false,
  rejection_reasons: [],
  origin_wiki: 'commonswiki',
  ...over,
});

describe('canonical feedback (mediawiki.image_suggestions_feedback)', () => {
  const cases: Array<[string, Record<string, unknown>, string, string[]]> = [
    ['an acceptance is accepted', { is_accepted: true }, 'accepted', []],
    ['a rejection for relevance is rejected', { is_rejected: true, rejection_reasons: ['notrelevant', 'lowquality'] }, 'rejected', ['notrelevant', 'lowquality']],
    ['a rejection for unfamiliarity only is undecided', { is_rejected: true, rejection_reasons: ['unfamiliar'] }, 'undecided', ['unfamiliar']],
    ['a rejection for foreign language and unfamiliarity is undecided', { is_rejected: true, rejection_reasons: ['foreignlanguage', 'unfamiliar'] }, 'undecided', ['foreignlanguage', 'unfamiliar']],
    ['a rejection mixing unfamiliar with a real reason is rejected', { is_rejected: true, rejection_reasons: ['unfamiliar', 'offensive'] }, 'rejected', ['unfamiliar', 'offensive']],
    ['a rejection without reasons is rejected', { is_rejected: true }, 'rejected', []],
    ['neither accepted nor rejected is invalidated', {}, 'invalidated', []],
  ];
  for (const [name, over, status, reasons] of cases) {
    test(name, () => {
      const d = canonicalFeedback(canonical(over));
      assert.equal(d.status, status);
      assert.deepEqual(d.reasons, reasons);
    });
  }

  test('the file name is normalised to its DB key and a stray File: prefix is dropped', () => {
    assert.equal(canonicalFeedback(canonical({ filename: 'File:some  image.jpg' })).image, 'Some_image.jpg');
  });

  test('carries wiki, page, time, source and event id', () => {
    const d = canonicalFeedback(canonical({ is_accepted: true }));
    assert.deepEqual(
      { wiki: d.wiki, pageId: d.pageId, eventTime: d.eventTime, source: d.source, eventId: d.eventId },
      { wiki: 'enwiki', pageId: 123, eventTime: Date.parse('2024-03-01T10:00:00Z'), source: 'mediawiki.image_suggestions_feedback', eventId: 'e1' },
    );
  });

  test('an event without a page id is invalid', () => {
    assert.throws(() => canonicalFeedback(canonical({ page_id: null })), InvalidEventError);
  });
});

describe('legacy feedback (android.image_recommendation_interaction)', () => {
  const legacy = (over: Record<string, unknown>) => ({
    meta: { dt: '2020-04-02T19:11:20.942Z', stream: 'android.image_recommendation_interaction' },
    dt: '2020-04-02T19:11:20.942Z',
    lang: 'de,en',
    page_title: 'Earthworm',
    image_title: 'eathworm_image.jpeg',
    response_type: 1,
    reasons: [],
    ...over,
  });

  test('the first app language names the wiki and its domain', () => {
    assert.deepEqual(legacyWiki('de,en'), { wiki: 'dewiki', domain: 'de.wikipedia.org' });
    assert.deepEqual(legacyWiki('zh-yue'), { wiki: 'zh_yuewiki', domain: 'zh-yue.wikipedia.org' });
  });

  const cases: Array<[string, Record<string, unknown>, string, string[]]> = [
    ['response 0 is accepted and drops reasons', { response_type: 0, reasons: [2, 3] }, 'accepted', []],
    ['response 1 with numeric reasons is rejected with named reasons', { reasons: [0, 3] }, 'rejected', ['notrelevant', 'lowquality']],
    ["response 1 for \"don't know the subject\" only is undecided", { reasons: [4] }, 'undecided', ['unfamiliar']],
    ['response 2 (not sure) is undecided', { response_type: 2 }, 'undecided', []],
  ];
  for (const [name, over, status, reasons] of cases) {
    test(name, () => {
      const d = legacyFeedback(legacy(over), 77);
      assert.equal(d.status, status);
      assert.deepEqual(d.reasons, reasons);
      assert.equal(d.wiki, 'dewiki');
      assert.equal(d.pageId, 77);
      assert.equal(d.image, 'Eathworm_image.jpeg');
    });
  }

  test('an unknown response type is invalid', () => {
    assert.throws(() => legacyFeedback(legacy({ response_type: 9 }), 1), InvalidEventError);
  });

  const sample = fileURLToPath(new URL('../../../../shared/corpus/events/android-image-recommendation-interaction.ndjson', import.meta.url));
  test('the schema example normalises (corpus event, or its copy when the corpus is absent)', () => {
    const event = existsSync(sample)
      ? (JSON.parse(readFileSync(sample, 'utf8').trim().split('\n')[0]!) as Record<string, unknown>)
      : legacy({ lang: 'en', response_type: 0, reasons: [2, 3, 1] });
    const d = normalizeFeedback(event, 9);
    assert.equal(d.wiki, 'enwiki');
    assert.equal(d.status, 'accepted');
    assert.deepEqual(d.reasons, []);
  });
});

test('normalizeFeedback tells the two streams apart and refuses other events', () => {
  assert.equal(normalizeFeedback(canonical({ is_accepted: true })).source, 'mediawiki.image_suggestions_feedback');
  assert.throws(() => normalizeFeedback({ foo: 1 }), InvalidEventError);
});

describe('every version of the real feedback schema (examples embedded in ../shared/reference/wikimedia-schemas)', () => {
  const versions = schemaVersions('secondary/mediawiki/page/image-suggestions-feedback');
  // What each version's own example must become: 1.0.0 names the file by its Commons URL and gives one free-text reason.
  const expected: Record<string, { image: string; status: string; reasons: string[] }> = {
    '1.0.0': { image: 'Example.JPEG', status: 'rejected', reasons: ['Incorrect Image'] },
    '2.0.0': { image: 'Example.JPEG', status: 'rejected', reasons: ['notrelevant', 'lowquality'] },
    '2.1.0': { image: 'Example.JPEG', status: 'rejected', reasons: ['notrelevant', 'lowquality', 'sectionnotappropriate'] },
  };

  test('are all known to this test', (t) => {
    if (!schemasAvailable) return t.skip(schemasMissing);
    assert.deepEqual(versions.map((v) => v.version), Object.keys(expected));
  });

  for (const version of Object.keys(expected)) {
    test(`${version}: its example becomes a decision on the right file, with the stream it was consumed from as source`, (t) => {
      const v = versions.find((x) => x.version === version);
      if (!v) return t.skip(schemasMissing);
      assert.ok(v.examples.length > 0, 'the schema embeds an example');
      for (const example of v.examples) {
        const d = canonicalFeedback(example, 'mediawiki.image_suggestions_feedback');
        assert.deepEqual({ image: d.image, status: d.status, reasons: d.reasons }, expected[version]);
        assert.deepEqual([d.wiki, d.pageId, d.source], ['enwiki', 1234, 'mediawiki.image_suggestions_feedback']);
      }
    });
  }

  test('a 2.1.0 example with both flags true is invalid, with the reason', (t) => {
    const v = versions.find((x) => x.version === '2.1.0');
    if (!v) return t.skip(schemasMissing);
    assert.throws(() => canonicalFeedback({ ...v.examples[0]!, is_accepted: true, is_rejected: true }), /both accepted and rejected/);
  });
});

describe('feedback that names no file, or no decision, is invalid with the reason, never stored as a bogus name', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a filename naming a category', { filename: 'Category:Lighthouses' }, /outside the File namespace/],
    ['a filename that is a URL of an article', { filename: 'https://en.wikipedia.org/wiki/Lighthouse' }, /outside the File namespace/],
    ['a filename that is not a valid title', { filename: 'File:A|B.jpg' }, /not a valid file name/],
    ['an event without is_accepted', { is_accepted: undefined }, /no is_accepted and is_rejected booleans/],
    ['an event whose flags are strings', { is_accepted: 'true' }, /no is_accepted and is_rejected booleans/],
  ];
  for (const [name, over, reason] of cases) {
    test(name, () => assert.throws(() => canonicalFeedback(canonical(over)), (err: unknown) => err instanceof InvalidEventError && reason.test(err.message)));
  }

  test('a localised File: prefix of the wiki is dropped', () => {
    assert.equal(canonicalFeedback(canonical({ wiki: 'dewiki', filename: 'Datei:Kölner Dom.jpg' })).image, 'Kölner_Dom.jpg');
  });
});

describe('section-level feedback (2.1.0)', () => {
  const section = { section_title: 'History', section_ordinal: 2 };
  const cases: Array<[string, Record<string, unknown>, 'page' | 'section', string]> = [
    ['a rejection in a section whose only reason is sectionnotappropriate is about that section', { is_rejected: true, rejection_reasons: ['sectionnotappropriate'], ...section }, 'section', 'rejected'],
    ['with an undecided reason beside it, still about that section', { is_rejected: true, rejection_reasons: ['sectionnotappropriate', 'unfamiliar'], ...section }, 'section', 'rejected'],
    ['a rejection in a section with a real reason is about the image for the page', { is_rejected: true, rejection_reasons: ['sectionnotappropriate', 'offensive'], ...section }, 'page', 'rejected'],
    ['an acceptance in a section is about the page', { is_accepted: true, ...section }, 'page', 'accepted'],
    ['sectionnotappropriate without a section is about the page', { is_rejected: true, rejection_reasons: ['sectionnotappropriate'] }, 'page', 'rejected'],
    ['an undecided answer in a section stays undecided, page-level', { is_rejected: true, rejection_reasons: ['unfamiliar'], ...section }, 'page', 'undecided'],
  ];
  for (const [name, over, scope, status] of cases) {
    test(name, () => {
      const d = canonicalFeedback(canonical(over));
      assert.deepEqual([d.scope, d.status], [scope, status]);
    });
  }

  test('keeps the section title and ordinal, or null when the event has none', () => {
    assert.deepEqual(canonicalFeedback(canonical({ is_accepted: true, ...section })).section, { title: 'History', ordinal: 2 });
    assert.deepEqual(canonicalFeedback(canonical({ is_accepted: true, section_title: 'Lead' })).section, { title: 'Lead', ordinal: null });
    assert.equal(canonicalFeedback(canonical({ is_accepted: true })).section, null);
  });
});
