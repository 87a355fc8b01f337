// A generated image-suggestions dataset in the Cassandra shape, written chunk by chunk (never whole in memory) as
// NDJSON, TSV, Parquet (100,000-row groups, as Spark writes them) and as COPY text of the stored rows (the baseline).
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { copyTextField, pgTextArray } from '../../lib/suggestions/tsv.ts';
import { timeuuidFor } from '../../lib/suggestions/timeuuid.ts';
import { CASSANDRA_COLUMNS, CASSANDRA_PARQUET_SCHEMA, cassandraColumnData, tsvLine, type CassandraRow } from '../../test/helpers/suggestion-datasets.ts';

export const BENCH_WIKIS = ['enwiki', 'dewiki', 'frwiki', 'eswiki'];
/** Suggestions per page, as the weekly run has a handful per page. */
export const PER_PAGE = 5;
const CHUNK = 100_000;

export const benchDatasetId = timeuuidFor(BigInt(Date.parse('2024-05-13T07:00:00Z')) * 1000n);

/** Row `i`: page i / 5 of wiki (page mod 4); every tenth a section-level suggestion. */
export function benchRow(i: number, id = benchDatasetId): CassandraRow {
  const page = Math.floor(i / PER_PAGE);
  const section = i % 10 === 9;
  return {
    wiki: BENCH_WIKIS[page % BENCH_WIKIS.length]!,
    page_id: 1 + Math.floor(page / BENCH_WIKIS.length),
    id,
    image: `Bench_suggestion_${i}.jpg`,
    origin_wiki: 'commonswiki',
    confidence: ((i * 7919) % 1000) / 1000,
    found_on: i % 3 === 0 ? ['dewiki', 'frwiki'] : null,
    kind: section ? ['istype-section-topics'] : ['istype-lead-image'],
    page_rev: 1_000_000 + page,
    section_heading: section ? `Section ${i % 7}` : null,
    section_index: section ? 1 + (i % 7) : null,
    page_qid: `Q${page + 1}`,
  };
}

/** The page ids of `wiki` that have rows in a dataset of `rows` rows. */
export function benchPages(rows: number, wiki = 'enwiki'): number[] {
  const w = BENCH_WIKIS.indexOf(wiki);
  const pages: number[] = [];
  for (let page = w; page * PER_PAGE < rows; page += BENCH_WIKIS.length) pages.push(1 + Math.floor(page / BENCH_WIKIS.length));
  return pages;
}

/** The COPY text line of row `r` as image_suggestion stores it (dataset_key `key`): the baseline's input. */
function copyLine(key: number, r: CassandraRow): string {
  const n = (v: number | null) => (v === null ? '\\N' : String(v));
  return [String(key), copyTextField(r.wiki), String(r.page_id), copyTextField(r.image), n(r.section_index), copyTextField(r.section_heading), '\\N', String(r.confidence),
    copyTextField(pgTextArray(r.kind)), copyTextField(pgTextArray(r.found_on ?? [])), copyTextField(r.origin_wiki), n(r.page_rev), copyTextField(r.page_qid)].join('\t') + '\n';
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
}

const close = (stream: WriteStream) => new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));

export interface BenchDatasetFiles {
  ndjson: string;
  tsv: string;
  parquet: string;
  /** The same rows as COPY text of image_suggestion's columns. */
  copy: string;
}

export async function writeBenchDataset(dir: string, rows: number): Promise<BenchDatasetFiles> {
  const files = { ndjson: join(dir, 'suggestions.ndjson'), tsv: join(dir, 'suggestions.tsv'), parquet: join(dir, 'suggestions.parquet'), copy: join(dir, 'suggestions.copy') };
  const ndjson = createWriteStream(files.ndjson);
  const tsv = createWriteStream(files.tsv);
  const copy = createWriteStream(files.copy);
  const parquet = new ParquetWriter({ writer: fileWriter(files.parquet), schema: CASSANDRA_PARQUET_SCHEMA });
  await write(tsv, CASSANDRA_COLUMNS.join('\t') + '\n');
  for (let start = 0; start < rows; start += CHUNK) {
    const chunk = Array.from({ length: Math.min(CHUNK, rows - start) }, (_, j) => benchRow(start + j));
    await write(ndjson, chunk.map((r) => JSON.stringify(r)).join('\n') + '\n');
    await write(tsv, chunk.map((r) => tsvLine(CASSANDRA_COLUMNS, r as unknown as Record<string, unknown>)).join('\n') + '\n');
    await write(copy, chunk.map((r) => copyLine(1, r)).join(''));
    await parquet.write({ columnData: cassandraColumnData(chunk), rowGroupSize: CHUNK });
  }
  await parquet.finish();
  await Promise.all([close(ndjson), close(tsv), close(copy)]);
  return files;
}

/** The dataset as NDJSON alone (the read scenario needs only to load it). */
export async function writeBenchNdjson(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  for (let start = 0; start < rows; start += CHUNK) {
    const end = Math.min(rows, start + CHUNK);
    let text = '';
    for (let i = start; i < end; i++) text += `${JSON.stringify(benchRow(i))}\n`;
    await write(out, text);
  }
  await close(out);
}
