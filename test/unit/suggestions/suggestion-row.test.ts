import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectShape, mapRecord, parseTextList, type MappedRecord } from '../../../lib/suggestions/suggestion-row.ts';

const ID = 'c232ab00-9414-11ec-b3c8-9f6bdeced846';

/** A Cassandra-shaped row as the Data Gateway serves it (GrowthExperiments' tests use the same fields). */
const cassandra = (over: Record<string, unknown> = {}) => ({
  wiki: 'enwiki', page_id: 344465, id: ID, image: 'Image1.png', origin_wiki: 'commonswiki', confidence: 0.9,
  found_on: ['enwiki', 'dewiki'], kind: ['istype-lead-image'], page_rev: 17463093, section_heading: null, section_index: null, page_qid: 'Q42', ...over,
});

/** An imagerec_prod row as the Hive export writes it (TSV: every value is text). */
const imagerec = (over: Record<string, unknown> = {}) => ({
  page_id: '12', page_title: 'Some_article', image_id: 'Some image.jpg', confidence_rating: 'medium', source: 'wikidata',
  instance_of: 'Q5', is_article_page: 'true', dataset_id: '3f1c2b8e-6a1d-4c2e-9f0a-1b2c3d4e5f60', insertion_ts: '1612137600.5', wiki: 'arwiki', snapshot: '2021-01', ...over,
});

const row = (m: MappedRecord) => (m.kind === 'row' ? m : assert.fail(`expected a row, got ${JSON.stringify(m)}`));
const badReason = (m: MappedRecord) => (m.kind === 'bad' ? m.reason : assert.fail(`expected a bad row, got ${JSON.stringify(m)}`));

describe('dataset shapes', () => {
  test('the shape comes from the columns, partition columns included', () => {
    const cases: Array<[string[], string]> = [
      [['wiki', 'page_id', 'id', 'image', 'confidence', 'kind', 'found_on', 'origin_wiki', 'page_rev', 'section_heading', 'section_index', 'page_qid'], 'cassandra'],
      [['wiki', 'page_id', 'id', 'image', 'confidence'], 'cassandra'],
      [['page_id', 'page_title', 'image_id', 'confidence_rating', 'source', 'instance_of', 'is_article_page', 'dataset_id', 'insertion_ts', 'wiki', 'snapshot'], 'imagerec_prod'],
      [['page_id', 'image_id', 'confidence_rating', 'dataset_id', 'wiki'], 'imagerec_prod'],
    ];
    for (const [columns, shape] of cases) assert.deepEqual(detectShape(columns), { shape }, columns.join(','));
  });

  test('missing columns are named; unrelated columns are neither shape', () => {
    assert.deepEqual(detectShape(['wiki', 'page_id', 'image']), { error: 'cassandra shape: missing column(s) id, confidence' });
    assert.deepEqual(detectShape(['page_id', 'image_id', 'confidence_rating', 'dataset_id']), { error: 'imagerec_prod shape: missing column(s) wiki' });
    const neither = detectShape(['title', 'url']);
    assert.ok('error' in neither && /neither the Cassandra shape/.test(neither.error));
  });
});

describe('Cassandra rows', () => {
  test('a full row maps to the Data Gateway row, its dataset time from the timeuuid', () => {
    const m = row(mapRecord('cassandra', cassandra({ section_heading: 'Early life', section_index: 2, kind: ['istype-section-topics-p18'] })));
    assert.equal(m.timeMicros, BigInt(Date.parse('2022-02-22T19:22:22Z')) * 1000n);
    assert.deepEqual(m.row, {
      datasetId: ID, wiki: 'enwiki', pageId: '344465', image: 'Image1.png', sectionIndex: 2, sectionHeading: 'Early life', pageTitle: null,
      confidence: 0.9, kind: ['istype-section-topics-p18'], foundOn: ['enwiki', 'dewiki'], originWiki: 'commonswiki', pageRev: '17463093', pageQid: 'Q42',
    });
  });

  test('optional columns may be null or absent; sets may come as text (TSV) in CQL or JSON form', () => {
    const m = row(mapRecord('cassandra', { wiki: 'dewiki', page_id: '7', id: ID.toUpperCase(), image: 'haus am see.jpg', confidence: '0.25', kind: "{'istype-commons-category', 'istype-depicts'}", found_on: '["frwiki"]' }));
    assert.equal(m.row.datasetId, ID);
    assert.equal(m.row.image, 'Haus_am_see.jpg', 'file names are stored in DB-key form, as the router state keeps them');
    assert.equal(m.row.confidence, 0.25);
    assert.deepEqual(m.row.kind, ['istype-commons-category', 'istype-depicts']);
    assert.deepEqual(m.row.foundOn, ['frwiki']);
    assert.equal(m.row.pageRev, null);
    assert.equal(m.row.originWiki, null);
    assert.equal(row(mapRecord('cassandra', cassandra({ page_id: 9007199254740993n }))).row.pageId, '9007199254740993');
  });

  test('bad values are reported with the column and why', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ id: '3f1c2b8e-6a1d-4c2e-9f0a-1b2c3d4e5f60' }, /^id "3f1c.*" is not a timeuuid/],
      [{ id: null }, /^id is missing$/],
      [{ wiki: 'en.wikipedia.org' }, /^wiki "en.wikipedia.org" is not a wiki id/],
      [{ page_id: 0 }, /^page_id must be an integer of at least 1/],
      [{ page_id: 1.5 }, /^page_id must be an integer/],
      [{ page_id: '12abc' }, /^page_id must be an integer/],
      [{ image: '' }, /^image is missing$/],
      [{ image: 'Bad[name].jpg' }, /^image "Bad\[name\].jpg" is not a valid file name$/],
      [{ confidence: 'high' }, /^confidence must be a non-negative number/],
      [{ confidence: -0.1 }, /^confidence must be a non-negative number/],
      [{ confidence: null }, /^confidence must be a non-negative number/],
      [{ kind: 'istype-lead-image' }, /^kind must be a list of text/],
      [{ kind: [1] }, /^kind must be a list of text/],
      [{ section_index: 'first' }, /^section_index must be an integer/],
      [{ section_index: 3_000_000_000 }, /^section_index is out of range$/],
      [{ page_qid: 'P31' }, /^page_qid "P31" is not a Wikidata item id$/],
      [{ origin_wiki: 7 }, /^origin_wiki must be text, got number$/],
    ];
    for (const [over, reason] of cases) assert.match(badReason(mapRecord('cassandra', cassandra(over))), reason, JSON.stringify(over));
  });
});

describe('imagerec_prod rows', () => {
  test('a row maps with confidence from the rating, kind from the source, and the dataset time from insertion_ts', () => {
    const m = row(mapRecord('imagerec_prod', imagerec()));
    assert.equal(m.timeMicros, 1_612_137_600_500_000n);
    assert.deepEqual(m.row, {
      datasetId: '3f1c2b8e-6a1d-4c2e-9f0a-1b2c3d4e5f60', wiki: 'arwiki', pageId: '12', image: 'Some_image.jpg', sectionIndex: null, sectionHeading: null,
      pageTitle: 'Some_article', confidence: 0.5, kind: ['istype-wikidata-image'], foundOn: [], originWiki: 'commonswiki', pageRev: null, pageQid: null,
    });
    const ratings = ['high', 'medium', 'low'].map((r) => row(mapRecord('imagerec_prod', imagerec({ confidence_rating: r }))).row.confidence);
    assert.ok(ratings[0]! > ratings[1]! && ratings[1]! > ratings[2]!, 'high > medium > low');
    const kinds = ['wikipedia', 'wikidata', 'commons', null].map((s) => row(mapRecord('imagerec_prod', imagerec({ source: s }))).row.kind);
    assert.deepEqual(kinds, [['istype-lead-image'], ['istype-wikidata-image'], ['istype-commons-category'], []]);
  });

  test('without insertion_ts the snapshot month gives the time', () => {
    assert.equal(row(mapRecord('imagerec_prod', imagerec({ insertion_ts: null }))).timeMicros, BigInt(Date.parse('2021-01-01T00:00:00Z')) * 1000n);
    assert.equal(row(mapRecord('imagerec_prod', imagerec({ insertion_ts: '', snapshot: '2021-02-25' }))).timeMicros, BigInt(Date.parse('2021-02-25T00:00:00Z')) * 1000n);
    assert.equal(row(mapRecord('imagerec_prod', imagerec({ insertion_ts: null, snapshot: null }))).timeMicros, null);
  });

  test('pages the model found nothing for, and non-articles, are skipped and counted, not bad', () => {
    assert.deepEqual(mapRecord('imagerec_prod', imagerec({ image_id: '', confidence_rating: '', source: '' })), { kind: 'skip', reason: 'without_suggestion' });
    assert.deepEqual(mapRecord('imagerec_prod', imagerec({ is_article_page: false })), { kind: 'skip', reason: 'not_article' });
  });

  test('bad values are reported with the column and why', () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ confidence_rating: 'very high' }, /^confidence_rating "very high" is not high, medium or low$/],
      [{ source: 'mediasearch' }, /^source "mediasearch" is not wikipedia, wikidata or commons$/],
      [{ dataset_id: '' }, /^dataset_id is missing$/],
      [{ insertion_ts: 'yesterday' }, /^insertion_ts must be a non-negative number/],
      [{ insertion_ts: null, snapshot: '2021-13' }, /^snapshot "2021-13" is not YYYY-MM/],
      [{ is_article_page: 'yes' }, /^is_article_page must be true or false/],
      [{ wiki: null }, /^wiki is missing$/],
    ];
    for (const [over, reason] of cases) assert.match(badReason(mapRecord('imagerec_prod', imagerec(over))), reason, JSON.stringify(over));
  });
});

describe('text lists', () => {
  test('CQL sets, PostgreSQL arrays and JSON arrays parse; anything else is null', () => {
    const cases: Array<[string, string[] | null]> = [
      ['', []],
      ['{}', []],
      ['[]', []],
      ["{'a', 'b'}", ['a', 'b']],
      ["{'it''s'}", ["it's"]],
      ['{a,"b c","d\\"e"}', ['a', 'b c', 'd"e']],
      ['["x","y"]', ['x', 'y']],
      ['[1]', null],
      ['[broken', null],
      ["{'open}", null],
      ['plain', null],
    ];
    for (const [text, expected] of cases) assert.deepEqual(parseTextList(text), expected, text);
  });
});
