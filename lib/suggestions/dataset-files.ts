// Which files an import reads: the paths named, folders walked (Spark's _SUCCESS and hidden .crc files passed
// over), the format from each file's extension, and Hive partition values from the path (wiki=enwiki/snapshot=2021-01).
import { readdirSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

export type DatasetFormat = 'ndjson' | 'tsv' | 'parquet';

export interface DatasetFile {
  path: string;
  format: DatasetFormat;
  /** Hive partition columns from the folders of the path, e.g. { wiki: 'enwiki', snapshot: '2021-01' }. */
  partition: Record<string, string>;
}

/** A path that cannot be imported: missing, unreadable, or of an unknown format. Not retriable. */
export class DatasetFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetFileError';
  }
}

export function formatOf(path: string): DatasetFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.tsv')) return 'tsv';
  if (lower.endsWith('.parquet')) return 'parquet';
  return null;
}

/** Hive escapes special characters of partition values as %XX. */
function unescapeHive(value: string): string {
  return value.replace(/%([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

export function hivePartition(path: string): Record<string, string> {
  const partition: Record<string, string> = {};
  for (const segment of resolve(path).split(sep).slice(0, -1)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(segment);
    if (m) partition[m[1]!] = unescapeHive(m[2]!);
  }
  return partition;
}

const passedOver = (name: string) => name.startsWith('.') || name.startsWith('_');

function walk(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (passedOver(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile()) {
      if (formatOf(path) === null) throw new DatasetFileError(`${path}: not a dataset file (.ndjson, .jsonl, .tsv or .parquet)`);
      out.push(path);
    }
  }
}

/** The files to import, in path order; an error names the first path that cannot be read. */
export function listDatasetFiles(paths: readonly string[]): DatasetFile[] {
  const files: string[] = [];
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch (err) {
      throw new DatasetFileError(`${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (err as Error).message}`);
    }
    if (stat.isDirectory()) {
      const before = files.length;
      walk(path, files);
      if (files.length === before) throw new DatasetFileError(`${path}: no .ndjson, .jsonl, .tsv or .parquet file in this folder`);
    } else {
      if (formatOf(path) === null) throw new DatasetFileError(`${path}: unknown format; the extension must be .ndjson, .jsonl, .tsv or .parquet`);
      files.push(path);
    }
  }
  return files.map((path) => ({ path, format: formatOf(path)!, partition: hivePartition(path) }));
}
