// Reads a dataset file as batches of records without holding the file in memory: NDJSON and TSV line by line,
// Parquet one row group at a time through hyparquet (with hyparquet-compressors for Snappy, Gzip, Zstd, Brotli, LZ4).
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { DatasetFile } from './dataset-files.ts';
import { parseTsvHeader, parseTsvLine } from './tsv.ts';

/** One record, or why it could not be read; `at` is its line (text) or row index (Parquet) in the file. */
export interface SourceRecord {
  values: Record<string, unknown> | null;
  error?: string;
  at: number;
}

export interface OpenedFile {
  /** The file's column names (partition columns not included). */
  columns: string[];
  /** Rows in the file when its metadata says (Parquet), else null. */
  rows: number | null;
  /** Where record `at` is, for error messages: `file:line` or `file: row group G, row R`. */
  describe(at: number): string;
  batches(): AsyncGenerator<SourceRecord[]>;
}

const BATCH = 2000;

function lines(path: string) {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  return createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
}

function parseJsonObject(line: string): { values: Record<string, unknown> } | { error: string } {
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: 'not a JSON object' };
    return { values: value as Record<string, unknown> };
  } catch (err) {
    return { error: `invalid JSON: ${(err as Error).message}` };
  }
}

async function openNdjson(path: string): Promise<OpenedFile> {
  const it = lines(path);
  // The columns are the keys of the first object; lines before it are kept and read again as records.
  const head: SourceRecord[] = [];
  let columns: string[] = [];
  let line = 0;
  let ended = false;
  while (columns.length === 0) {
    const next = await it.next();
    if (next.done) {
      ended = true;
      break;
    }
    line++;
    if (next.value.trim() === '') continue;
    const parsed = parseJsonObject(next.value);
    head.push('values' in parsed ? { values: parsed.values, at: line } : { values: null, error: parsed.error, at: line });
    if ('values' in parsed) columns = Object.keys(parsed.values);
  }
  return {
    columns,
    rows: null,
    describe: (at) => `${path}:${at}`,
    async *batches() {
      let batch = head.splice(0);
      if (!ended) {
        for (let next = await it.next(); !next.done; next = await it.next()) {
          line++;
          if (next.value.trim() === '') continue;
          const parsed = parseJsonObject(next.value);
          batch.push('values' in parsed ? { values: parsed.values, at: line } : { values: null, error: parsed.error, at: line });
          if (batch.length >= BATCH) {
            yield batch;
            batch = [];
          }
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

async function openTsv(path: string): Promise<OpenedFile> {
  const it = lines(path);
  const first = await it.next();
  const columns = first.done ? [] : parseTsvHeader(first.value);
  return {
    columns,
    rows: null,
    describe: (at) => `${path}:${at}`,
    async *batches() {
      let batch: SourceRecord[] = [];
      let line = 1;
      for (let next = await it.next(); !next.done; next = await it.next()) {
        line++;
        if (next.value === '' || next.value === '\r') continue;
        const fields = parseTsvLine(next.value);
        if (fields.length !== columns.length) {
          batch.push({ values: null, error: `${fields.length} field(s), the header has ${columns.length}`, at: line });
        } else {
          const values: Record<string, unknown> = {};
          for (let i = 0; i < columns.length; i++) values[columns[i]!] = fields[i];
          batch.push({ values, at: line });
        }
        if (batch.length >= BATCH) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

async function openParquet(path: string): Promise<OpenedFile> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const groupStarts: number[] = [];
  let start = 0;
  for (const group of metadata.row_groups) {
    groupStarts.push(start);
    start += Number(group.num_rows);
  }
  return {
    columns,
    rows: Number(metadata.num_rows),
    describe(at) {
      let g = groupStarts.length - 1;
      while (g > 0 && groupStarts[g]! > at) g--;
      return `${path}: row group ${g}, row ${at - (groupStarts[g] ?? 0)}`;
    },
    async *batches() {
      for (let g = 0; g < metadata.row_groups.length; g++) {
        const rowStart = groupStarts[g]!;
        const rowEnd = rowStart + Number(metadata.row_groups[g]!.num_rows);
        // One row group's objects at a time: the rest of the file stays on disk.
        const rows = await parquetReadObjects({ file, metadata, rowStart, rowEnd, compressors });
        for (let i = 0; i < rows.length; i += BATCH) {
          yield rows.slice(i, i + BATCH).map((values, j) => ({ values, at: rowStart + i + j }));
        }
      }
    },
  };
}

export function openDatasetFile(file: DatasetFile): Promise<OpenedFile> {
  if (file.format === 'ndjson') return openNdjson(file.path);
  if (file.format === 'tsv') return openTsv(file.path);
  return openParquet(file.path);
}
