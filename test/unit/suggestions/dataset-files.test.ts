import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetFileError, formatOf, hivePartition, listDatasetFiles } from '../../../lib/suggestions/dataset-files.ts';

describe('dataset files', () => {
  test('the format comes from the extension', () => {
    const cases: Array<[string, string | null]> = [
      ['a.ndjson', 'ndjson'], ['a.JSONL', 'ndjson'], ['x/part-0.tsv', 'tsv'], ['part-00000-1.c000.snappy.parquet', 'parquet'], ['a.csv', null], ['a.json', null], ['parquet', null],
    ];
    for (const [path, format] of cases) assert.equal(formatOf(path), format, path);
  });

  test('Hive partition folders become columns; %XX escapes decode; the file name is not a partition', () => {
    assert.deepEqual(hivePartition('/data/imagerec_prod/wiki=enwiki/snapshot=2021-01/part-0.parquet'), { wiki: 'enwiki', snapshot: '2021-01' });
    assert.deepEqual(hivePartition('/data/wiki=zh_min_nanwiki/snap%3Dshot=a%2Fb/x.tsv'), { wiki: 'zh_min_nanwiki' });
    assert.deepEqual(hivePartition('/data/k=a%2Fb/x.tsv'), { k: 'a/b' });
    assert.deepEqual(hivePartition('/data/x/wiki=enwiki.tsv'), {});
  });

  test('a folder is walked in name order, Spark markers and hidden files passed over', () => {
    const root = mkdtempSync(join(tmpdir(), 'imr-dataset-files-'));
    for (const dir of ['wiki=enwiki/snapshot=2021-01', 'wiki=arwiki/snapshot=2021-01']) {
      mkdirSync(join(root, dir), { recursive: true });
      writeFileSync(join(root, dir, 'part-00000.parquet'), '');
      writeFileSync(join(root, dir, '.part-00000.parquet.crc'), '');
      writeFileSync(join(root, dir, '_SUCCESS'), '');
    }
    const files = listDatasetFiles([root]);
    assert.deepEqual(files.map((f) => [f.path.slice(root.length), f.format, f.partition]), [
      ['/wiki=arwiki/snapshot=2021-01/part-00000.parquet', 'parquet', { wiki: 'arwiki', snapshot: '2021-01' }],
      ['/wiki=enwiki/snapshot=2021-01/part-00000.parquet', 'parquet', { wiki: 'enwiki', snapshot: '2021-01' }],
    ]);
  });

  test('a missing path, an unknown format or an empty folder is an error naming the path', () => {
    const root = mkdtempSync(join(tmpdir(), 'imr-dataset-files-'));
    writeFileSync(join(root, 'data.csv'), '');
    mkdirSync(join(root, 'empty'));
    assert.throws(() => listDatasetFiles([join(root, 'nope.ndjson')]), (e: Error) => e instanceof DatasetFileError && /nope.ndjson: no such file or folder/.test(e.message));
    assert.throws(() => listDatasetFiles([join(root, 'data.csv')]), /data.csv: unknown format/);
    assert.throws(() => listDatasetFiles([root]), /data.csv: not a dataset file/);
    assert.throws(() => listDatasetFiles([join(root, 'empty')]), /empty: no .ndjson, .jsonl, .tsv or .parquet file/);
  });
});
