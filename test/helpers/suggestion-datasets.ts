// Dataset files for the suggestion tests, written by us in both real shapes: the Cassandra table
// image_suggestions.suggestions and the Hive table imagerec_prod, as NDJSON, TSV (with a header) and Parquet.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { timeuuidFor } from '../../lib/suggestions/timeuuid.ts';
import type { GatewayRow } from '../../lib/suggestions/serving-queries.ts';

/** A row of the Cassandra table as the Data Gateway serves it (page_id int, confidence float, kind set<text>); a set may be null. */
export type CassandraRow = Omit<GatewayRow, 'found_on'> & { found_on: string[] | null };

/** A row of imagerec_prod (every column a string but is_article_page and insertion_ts), partition columns apart. */
export interface ImagerecRow {
  page_id: string;
  page_title: string;
  image_id: string | null;
  confidence_rating: string | null;
  source: string | null;
  instance_of: string | null;
  is_article_page: boolean;
  dataset_id: string;
  insertion_ts: number;
}

/** The timeuuid of a run at `iso` (what the weekly pipeline would have as the dataset id). */
export const runId = (iso: string) => timeuuidFor(BigInt(Date.parse(iso)) * 1000n);

export function cassandraRow(id: string, pageId: number, image: string, confidence: number, over: Partial<CassandraRow> = {}): CassandraRow {
  return {
    wiki: 'enwiki', page_id: pageId, id, image, origin_wiki: 'commonswiki', confidence, found_on: ['dewiki'], kind: ['istype-lead-image'],
    page_rev: 1000 + pageId, section_heading: null, section_index: null, page_qid: null, ...over,
  };
}

function ensureDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

export function writeNdjson(path: string, rows: readonly object[], extraLines: string[] = []): void {
  ensureDir(path);
  writeFileSync(path, [...rows.map((r) => JSON.stringify(r)), ...extraLines].join('\n') + '\n');
}

const tsvField = (v: unknown): string => {
  if (v === null || v === undefined) return '\\N';
  const text = Array.isArray(v) ? `{${v.map((x) => `'${String(x).replace(/'/g, "''")}'`).join(', ')}}` : String(v);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
};

/** One TSV line of `row` in `columns` order. */
export const tsvLine = (columns: readonly string[], row: Record<string, unknown>) => columns.map((c) => tsvField(row[c])).join('\t');

/** A TSV file with a header line; sets in cqlsh's {'a', 'b'} form, nulls as \N, escapes as Hive and COPY write them. */
export function writeTsv(path: string, columns: readonly string[], rows: readonly Record<string, unknown>[], extraLines: string[] = []): void {
  ensureDir(path);
  const lines = [columns.join('\t'), ...rows.map((r) => tsvLine(columns, r)), ...extraLines];
  writeFileSync(path, lines.join('\n') + '\n');
}

const STRING = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const });
/** A three-level LIST of strings, as Spark writes set<text>/array<string> columns. */
const STRING_LIST = (name: string) => [
  { name, repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
  { name: 'element', type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
];

/** The Cassandra shape as a Parquet schema, in CASSANDRA_COLUMNS order. */
export const CASSANDRA_PARQUET_SCHEMA = [
  { name: 'root', num_children: 12 },
  STRING('wiki'),
  { name: 'page_id', type: 'INT32' as const, repetition_type: 'REQUIRED' as const },
  STRING('id'),
  STRING('image'),
  STRING('origin_wiki'),
  { name: 'confidence', type: 'FLOAT' as const, repetition_type: 'OPTIONAL' as const },
  ...STRING_LIST('found_on'),
  ...STRING_LIST('kind'),
  { name: 'page_rev', type: 'INT32' as const, repetition_type: 'OPTIONAL' as const },
  STRING('section_heading'),
  { name: 'section_index', type: 'INT32' as const, repetition_type: 'OPTIONAL' as const },
  STRING('page_qid'),
];

/** Rows as the column chunks of CASSANDRA_PARQUET_SCHEMA (hyparquet-writer's columnData). */
export function cassandraColumnData(rows: readonly CassandraRow[]) {
  return CASSANDRA_COLUMNS.map((name) => ({ name, data: rows.map((r) => r[name]) }));
}

export function writeCassandraParquet(path: string, rows: readonly CassandraRow[], rowGroupSize = 1000): void {
  ensureDir(path);
  parquetWriteFile({ filename: path, rowGroupSize, columnData: cassandraColumnData(rows), schema: CASSANDRA_PARQUET_SCHEMA });
}

/** An imagerec_prod part file: the table's columns without the partition columns (they are in the folder names). */
export function writeImagerecParquet(path: string, rows: readonly ImagerecRow[]): void {
  ensureDir(path);
  const col = <K extends keyof ImagerecRow>(k: K) => rows.map((r) => r[k]);
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'page_id', data: col('page_id') },
      { name: 'page_title', data: col('page_title') },
      { name: 'image_id', data: col('image_id') },
      { name: 'confidence_rating', data: col('confidence_rating') },
      { name: 'source', data: col('source') },
      { name: 'instance_of', data: col('instance_of') },
      { name: 'is_article_page', data: col('is_article_page') },
      { name: 'dataset_id', data: col('dataset_id') },
      { name: 'insertion_ts', data: col('insertion_ts') },
    ],
    schema: [
      { name: 'root', num_children: 9 },
      STRING('page_id'),
      STRING('page_title'),
      STRING('image_id'),
      STRING('confidence_rating'),
      STRING('source'),
      STRING('instance_of'),
      { name: 'is_article_page', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
      STRING('dataset_id'),
      { name: 'insertion_ts', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ],
  });
}

export const CASSANDRA_COLUMNS = ['wiki', 'page_id', 'id', 'image', 'origin_wiki', 'confidence', 'found_on', 'kind', 'page_rev', 'section_heading', 'section_index', 'page_qid'] as const;
/** The columns of the Hive export (ddl/export_prod_data.hql of the ImageMatching repository): no snapshot column. */
export const IMAGEREC_EXPORT_COLUMNS = ['page_id', 'page_title', 'image_id', 'confidence_rating', 'source', 'dataset_id', 'insertion_ts', 'wiki'] as const;
