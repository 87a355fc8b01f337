// Importing suggestion datasets on the real PostgreSQL (COPY) and the embedded one (multi-row INSERTs): every format in
// both shapes, re-imports, pruning, bad rows, and failures that must leave nothing behind.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { SuggestionImportError, SuggestionImporter, type ImportSummary } from '../../../lib/suggestions/importer.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';
import {
  CASSANDRA_COLUMNS,
  IMAGEREC_EXPORT_COLUMNS,
  cassandraRow,
  runId,
  writeCassandraParquet,
  writeImagerecParquet,
  writeNdjson,
  writeTsv,
  type CassandraRow,
  type ImagerecRow,
} from '../../helpers/suggestion-datasets.ts';

/** One week's run, with the cases a dataset has: sections, a heading that needs escaping, null sets, a Wikidata id. */
function weeklyRun(id: string): CassandraRow[] {
  return [
    cassandraRow(id, 1, 'Tower_Bridge.jpg', 0.9, { page_qid: 'Q83125' }),
    cassandraRow(id, 1, 'Bridge at night.jpg', 0.5, { kind: ['istype-commons-category', 'istype-depicts'], found_on: null }),
    cassandraRow(id, 2, 'Cat.jpg', 0.75, { section_heading: 'Life and "work"\tin\\London', section_index: 2, kind: ['istype-section-topics-p18'], origin_wiki: 'wikidatawiki' }),
    cassandraRow(id, 2, 'Cat.jpg', 0.6),
    cassandraRow(id, 3, 'Dog.png', 0.1, { wiki: 'dewiki', page_rev: null, found_on: ['enwiki', 'frwiki'] }),
  ];
}

const imagerecRows = (datasetId: string): ImagerecRow[] => [
  { page_id: '10', page_title: 'Some_article', image_id: 'Map of Tunisia.svg', confidence_rating: 'high', source: 'wikidata', instance_of: 'Q5', is_article_page: true, dataset_id: datasetId, insertion_ts: 1612137600 },
  { page_id: '10', page_title: 'Some_article', image_id: 'Flag.png', confidence_rating: 'low', source: 'commons', instance_of: 'Q5', is_article_page: true, dataset_id: datasetId, insertion_ts: 1612137600 },
  { page_id: '11', page_title: 'Nothing_found', image_id: null, confidence_rating: null, source: null, instance_of: null, is_article_page: true, dataset_id: datasetId, insertion_ts: 1612137600 },
  { page_id: '12', page_title: 'Other_page', image_id: 'Portrait.jpg', confidence_rating: 'medium', source: 'wikipedia', instance_of: null, is_article_page: true, dataset_id: datasetId, insertion_ts: 1612137600 },
];

interface StoredRow {
  dataset_id: string;
  wiki: string;
  page_id: string;
  image: string;
  section_index: number | null;
  section_heading: string | null;
  page_title: string | null;
  confidence: number;
  kind: string[];
  found_on: string[];
  origin_wiki: string | null;
  page_rev: string | null;
  page_qid: string | null;
}

for (const backend of STORE_BACKENDS) describe(`importing suggestion datasets on the ${backend.name}`, () => {
  let pool: Pool;
  let close: () => Promise<void>;
  let dir: string;
  let importer: SuggestionImporter;
  const progress: Array<[number, number | undefined]> = [];

  const stored = async (datasetId?: string): Promise<Array<Omit<StoredRow, 'dataset_id'> & { dataset_id?: string }>> => {
    const { rows } = await pool.query<StoredRow>(
      `SELECT d.dataset_id, s.wiki, s.page_id::text AS page_id, s.image, s.section_index, s.section_heading, s.page_title, s.confidence::float8 AS confidence,
              s.kind, s.found_on, s.origin_wiki, s.page_rev::text AS page_rev, s.page_qid
         FROM image_suggestion s JOIN suggestion_dataset d USING (dataset_key)
        WHERE $1::text IS NULL OR d.dataset_id = $1
        ORDER BY d.dataset_id, s.wiki, s.page_id, s.image, s.section_index NULLS FIRST`,
      [datasetId ?? null],
    );
    return datasetId === undefined ? rows : rows.map(({ dataset_id: _d, ...rest }) => ({ ...rest, confidence: Math.fround(rest.confidence) }));
  };
  const counts = async () => {
    const { rows } = await pool.query<{ rows: string; datasets: string; wikis: string }>(
      `SELECT (SELECT count(*) FROM image_suggestion) AS rows, (SELECT count(*) FROM suggestion_dataset) AS datasets, (SELECT count(*) FROM suggestion_dataset_wiki) AS wikis`,
    );
    return { rows: Number(rows[0]!.rows), datasets: Number(rows[0]!.datasets), wikis: Number(rows[0]!.wikis) };
  };
  const importFailure = async (paths: string[], pattern: RegExp, options = {}) => {
    await assert.rejects(importer.importPaths(paths, options), (err: Error) => {
      assert.ok(err instanceof SuggestionImportError, String(err));
      assert.match(err.message, pattern);
      return true;
    });
  };

  before(async () => {
    ({ pool, close } = await backend.open());
    await migrate(pool);
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE image_suggestion, suggestion_dataset, suggestion_dataset_wiki');
    dir = mkdtempSync(join(tmpdir(), 'imr-import-'));
    progress.length = 0;
    importer = new SuggestionImporter({ pool, progress: { update: (done, total) => progress.push([done, total]), finish: () => undefined } });
  });
  after(() => close());

  test('the Cassandra shape imports the same rows from NDJSON, TSV and Parquet', async () => {
    const ids = [runId('2024-05-06T07:00:00Z'), runId('2024-05-13T07:00:00Z'), runId('2024-05-20T07:00:00Z')];
    writeNdjson(join(dir, 'a.ndjson'), weeklyRun(ids[0]!));
    writeTsv(join(dir, 'b.tsv'), CASSANDRA_COLUMNS, weeklyRun(ids[1]!) as unknown as Record<string, unknown>[]);
    writeCassandraParquet(join(dir, 'c.parquet'), weeklyRun(ids[2]!), 2);
    const summaries: ImportSummary[] = [];
    for (const file of ['a.ndjson', 'b.tsv', 'c.parquet']) summaries.push(await importer.importPaths([join(dir, file)]));

    const [ndjson, tsv, parquet] = await Promise.all(ids.map((id) => stored(id)));
    assert.equal(ndjson!.length, 5);
    assert.deepEqual(tsv, ndjson);
    assert.deepEqual(parquet, ndjson);
    assert.deepEqual(ndjson![3], {
      wiki: 'enwiki', page_id: '2', image: 'Cat.jpg', section_index: null, section_heading: null, page_title: null, confidence: Math.fround(0.6),
      kind: ['istype-lead-image'], found_on: ['dewiki'], origin_wiki: 'commonswiki', page_rev: '1002', page_qid: null,
    });
    assert.equal(ndjson![4]!.section_heading, 'Life and "work"\tin\\London');
    assert.equal(ndjson![0]!.wiki, 'dewiki');
    assert.equal(ndjson![1]!.image, 'Bridge_at_night.jpg');
    assert.deepEqual(ndjson![1]!.found_on, []);
    for (const [i, s] of summaries.entries()) {
      assert.equal(s.rows, 5);
      assert.equal(s.skipped, 0);
      assert.deepEqual(s.datasets.map((d) => [d.id, d.shape, d.rows, d.wikis, d.replaced]), [[ids[i], 'cassandra', 5, { enwiki: 4, dewiki: 1 }, false]]);
    }
    assert.equal(summaries[0]!.datasets[0]!.time, '2024-05-06T07:00:00.000000Z');
    assert.deepEqual(progress.at(-1), [5, 5], 'Parquet metadata gives the total');
  });

  test('imagerec_prod imports from a Hive-partitioned Parquet folder, its TSV export and NDJSON alike', async () => {
    const root = join(dir, 'imagerec_prod');
    writeImagerecParquet(join(root, 'wiki=arwiki', 'snapshot=2021-01', 'part-00000.parquet'), imagerecRows('run-parquet'));
    writeImagerecParquet(join(root, 'wiki=kowiki', 'snapshot=2021-01', 'part-00000.parquet'), imagerecRows('run-parquet').slice(0, 1));
    writeFileSync(join(root, '_SUCCESS'), '');
    const exported = imagerecRows('run-tsv').map((r) => ({ ...r, image_id: r.image_id ?? '', confidence_rating: r.confidence_rating ?? '', source: r.source ?? '', wiki: 'arwiki' }));
    writeTsv(join(dir, 'prod-arwiki-2021-01-wd_image_candidates.tsv'), IMAGEREC_EXPORT_COLUMNS, exported);
    writeNdjson(join(dir, 'wiki=arwiki', 'snapshot=2021-01', 'rows.ndjson'), imagerecRows('run-ndjson'));

    const parquet = await importer.importPaths([root]);
    assert.deepEqual(parquet.datasets.map((d) => [d.id, d.shape, d.time, d.wikis]), [['run-parquet', 'imagerec_prod', '2021-02-01T00:00:00.000000Z', { arwiki: 3, kowiki: 1 }]]);
    assert.equal(parquet.without_suggestion, 1);
    assert.equal(parquet.files, 2, 'the _SUCCESS marker is passed over');
    const tsv = await importer.importPaths([join(dir, 'prod-arwiki-2021-01-wd_image_candidates.tsv')]);
    const ndjson = await importer.importPaths([join(dir, 'wiki=arwiki')]);
    assert.equal(tsv.rows, 3);
    assert.equal(ndjson.rows, 3);

    const arwiki = (await stored('run-parquet')).filter((r) => r.wiki === 'arwiki');
    assert.deepEqual(await stored('run-tsv'), arwiki);
    assert.deepEqual(await stored('run-ndjson'), arwiki);
    assert.deepEqual(arwiki.map((r) => [r.page_id, r.image, r.page_title, r.confidence, r.kind, r.origin_wiki]), [
      ['10', 'Flag.png', 'Some_article', Math.fround(0.1), ['istype-commons-category'], 'commonswiki'],
      ['10', 'Map_of_Tunisia.svg', 'Some_article', Math.fround(0.9), ['istype-wikidata-image'], 'commonswiki'],
      ['12', 'Portrait.jpg', 'Other_page', Math.fround(0.5), ['istype-lead-image'], 'commonswiki'],
    ]);
  });

  test('importing a dataset again replaces its rows instead of adding to them', async () => {
    const id = runId('2024-05-06T07:00:00Z');
    writeNdjson(join(dir, 'run.ndjson'), weeklyRun(id));
    await importer.importPaths([join(dir, 'run.ndjson')]);
    const first = await stored(id);
    const again = await importer.importPaths([join(dir, 'run.ndjson')]);
    assert.equal(again.datasets[0]!.replaced, true);
    assert.deepEqual(await stored(id), first);
    assert.deepEqual(await counts(), { rows: 5, datasets: 1, wikis: 2 });
    // A corrected file for the same dataset replaces it whole.
    writeNdjson(join(dir, 'run.ndjson'), weeklyRun(id).slice(0, 2));
    await importer.importPaths([join(dir, 'run.ndjson')]);
    assert.deepEqual(await counts(), { rows: 2, datasets: 1, wikis: 1 });
  });

  test('--keep N keeps the newest N datasets of every wiki by their time, whatever their ids', async () => {
    // Three weekly enwiki runs and one dewiki run; the ids' strings do not sort in time order.
    const weeks = ['2024-05-06T07:00:00Z', '2024-05-13T07:00:00Z', '2024-05-20T07:00:00Z'].map(runId);
    weeks.forEach((id, i) => writeNdjson(join(dir, `week${i}.ndjson`), [cassandraRow(id, 1, `Week_${i}.jpg`, 0.5), cassandraRow(id, 2, `Week_${i}.jpg`, 0.5)]));
    const dewiki = runId('2024-04-01T07:00:00Z');
    writeNdjson(join(dir, 'dewiki.ndjson'), [cassandraRow(dewiki, 5, 'Haus.jpg', 0.5, { wiki: 'dewiki' })]);
    // Imported out of order: the newest week first.
    await importer.importPaths([join(dir, 'week2.ndjson'), join(dir, 'dewiki.ndjson')]);
    await importer.importPaths([join(dir, 'week0.ndjson')]);
    const result = await importer.importPaths([join(dir, 'week1.ndjson')], { keep: 2 });
    assert.deepEqual(result.pruned, [{ wiki: 'enwiki', id: weeks[0] }]);
    const { rows } = await pool.query<{ dataset_id: string; wiki: string }>(
      'SELECT d.dataset_id, w.wiki FROM suggestion_dataset d JOIN suggestion_dataset_wiki w USING (dataset_key) ORDER BY w.wiki, w.dataset_time',
    );
    assert.deepEqual(rows.map((r) => [r.wiki, r.dataset_id]), [['dewiki', dewiki], ['enwiki', weeks[1]], ['enwiki', weeks[2]]]);
    assert.deepEqual(await counts(), { rows: 5, datasets: 3, wikis: 3 });
    const keepOne = await importer.importPaths([join(dir, 'dewiki.ndjson')], { keep: 1 });
    assert.deepEqual(keepOne.pruned, [{ wiki: 'enwiki', id: weeks[1] }]);
  });

  test('bad rows are skipped and reported with file:line, or row group and row, and the reason', async () => {
    const id = runId('2024-05-06T07:00:00Z');
    writeNdjson(join(dir, 'mixed.ndjson'), [cassandraRow(id, 1, 'A.jpg', 0.5), cassandraRow(id, 0, 'B.jpg', 0.5)], ['{"wiki": "enwiki", oops', '[1,2]']);
    writeTsv(join(dir, 'mixed.tsv'), CASSANDRA_COLUMNS, [cassandraRow(id, 4, 'C.jpg', 0.5, { wiki: 'dewiki' }) as unknown as Record<string, unknown>], ['enwiki\t5\tshort']);
    writeCassandraParquet(join(dir, 'mixed.parquet'), [cassandraRow(id, 6, 'D.jpg', 0.5), cassandraRow(id, 7, 'E.jpg', 0.5), cassandraRow(id, 8, 'Bad|name.jpg', 0.5)], 2);
    const summary = await importer.importPaths([join(dir, 'mixed.ndjson'), join(dir, 'mixed.tsv'), join(dir, 'mixed.parquet')]);
    assert.equal(summary.rows, 4);
    assert.equal(summary.skipped, 5);
    assert.deepEqual(summary.bad.map((b) => `${b.where.slice(dir.length + 1)}: ${b.reason.replace(/:.*/, '')}`), [
      'mixed.ndjson:2: page_id must be an integer of at least 1, got "0"',
      'mixed.ndjson:3: invalid JSON',
      'mixed.ndjson:4: not a JSON object',
      'mixed.tsv:3: 3 field(s), the header has 12',
      'mixed.parquet: row group 1, row 0: image "Bad|name.jpg" is not a valid file name',
    ]);
    assert.deepEqual(await counts(), { rows: 4, datasets: 1, wikis: 2 });
  });

  test('more bad rows than --max-skipped abort the import with nothing written', async () => {
    const id = runId('2024-05-06T07:00:00Z');
    writeNdjson(join(dir, 'bad.ndjson'), [cassandraRow(id, 1, 'A.jpg', 0.5)], ['not json', 'not json either']);
    await importFailure([join(dir, 'bad.ndjson')], /more than 1 bad row\(s\); the last: .*bad.ndjson:3: invalid JSON/, { maxSkipped: 1 });
    assert.deepEqual(await counts(), { rows: 0, datasets: 0, wikis: 0 });
  });

  test('a file that fails after rows were written leaves no half dataset, and the earlier import intact', async () => {
    const id = runId('2024-05-06T07:00:00Z');
    writeNdjson(join(dir, 'good.ndjson'), weeklyRun(id));
    await importer.importPaths([join(dir, 'good.ndjson')]);
    const before = await stored();
    // The same dataset again, more rows, then a file that is not Parquet at all: the whole import is undone.
    writeNdjson(join(dir, 'more.ndjson'), [...weeklyRun(id), cassandraRow(id, 9, 'New.jpg', 0.5)]);
    writeFileSync(join(dir, 'broken.parquet'), 'PAR1 this is not a parquet file');
    await importFailure([join(dir, 'more.ndjson'), join(dir, 'broken.parquet')], /broken.parquet: cannot be read as parquet/);
    assert.deepEqual(await stored(), before);
    // A dataset with the same suggestion twice fails in the database after the first rows were sent.
    const dup = runId('2024-05-13T07:00:00Z');
    const rows = Array.from({ length: 3000 }, (_, i) => cassandraRow(dup, 100 + i, 'X.jpg', 0.5));
    writeNdjson(join(dir, 'dup.ndjson'), [...rows, cassandraRow(dup, 100, 'X.jpg', 0.7)]);
    await importFailure([join(dir, 'dup.ndjson')], /a dataset has the same suggestion twice/);
    assert.deepEqual(await stored(), before);
    assert.deepEqual(await counts(), { rows: 5, datasets: 1, wikis: 2 });
  });

  test('a file whose columns are neither shape, or a dataset without a time, is refused with nothing written', async () => {
    writeNdjson(join(dir, 'other.ndjson'), [{ title: 'x', url: 'y' }]);
    await importFailure([join(dir, 'other.ndjson')], /other.ndjson: columns \[title, url\] are neither/);
    const untimed = imagerecRows('run-x').map(({ insertion_ts: _t, ...r }) => ({ ...r, wiki: 'arwiki' }));
    writeNdjson(join(dir, 'untimed.ndjson'), untimed);
    await importFailure([join(dir, 'untimed.ndjson')], /dataset run-x has no time/);
    writeNdjson(join(dir, 'wiki=dewiki', 'conflict.ndjson'), [cassandraRow(runId('2024-05-06T07:00:00Z'), 1, 'A.jpg', 0.5)]);
    const summary = await importer.importPaths([join(dir, 'wiki=dewiki')]);
    assert.match(summary.bad[0]!.reason, /^wiki is "enwiki" in the file but "dewiki" in the path$/);
    assert.deepEqual(await counts(), { rows: 0, datasets: 0, wikis: 0 });
  });
});
