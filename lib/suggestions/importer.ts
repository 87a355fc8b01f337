// Loads image-suggestion datasets into PostgreSQL (migration 005): every file of one import in one transaction, so a
// failure or a crash leaves no half dataset; COPY on a PostgreSQL server, batched multi-row INSERTs on the embedded one.
//
// Idempotent per dataset id: a dataset imported again replaces its earlier rows in the same transaction (readers see
// the old rows or the new ones, never a mix). Bad rows are skipped and counted up to `maxSkipped`; one more aborts
// the import, so a corrupt export never becomes the newest dataset. `keep` prunes all but the newest N datasets of
// every wiki. Imports are serialised by an advisory lock.
import copyStreams from 'pg-copy-streams';
import type { Logger } from '../log.ts';
import { checkout, type Pool, type PoolClient } from '../store/pool.ts';
import { EmbeddedPool } from '../store/embedded-pool.ts';
import { jsonParameter } from '../store/json-parameter.ts';
import { listDatasetFiles, type DatasetFile } from './dataset-files.ts';
import { openDatasetFile, type SourceRecord } from './record-readers.ts';
import { datasetTimeIso, detectShape, mapRecord, type DatasetShape, type SkipReason, type SuggestionRow } from './suggestion-row.ts';
import { copyTextField, pgTextArray } from './tsv.ts';

/** What the import reports progress to (lib/progress's reporter fits). */
export interface ProgressReporter {
  update(done: number, total?: number): void;
  finish(summary: Record<string, unknown>): void;
}

export interface ImportOptions {
  /** Keep only the newest N datasets of every wiki (after this import); undefined keeps all. */
  keep?: number;
  /** Bad rows skipped before the import is aborted instead (default 1000). */
  maxSkipped?: number;
}

export interface BadRow {
  where: string;
  reason: string;
}

export interface ImportedDataset {
  id: string;
  shape: DatasetShape;
  time: string;
  rows: number;
  wikis: Record<string, number>;
  /** True when a dataset with this id was already imported: its rows were replaced. */
  replaced: boolean;
}

export interface ImportSummary {
  rows: number;
  datasets: ImportedDataset[];
  /** Bad rows skipped (reported in `bad`, the first 20 of them). */
  skipped: number;
  bad: BadRow[];
  /** Valid rows without a suggestion to serve (imagerec_prod pages the model found nothing for, non-articles). */
  without_suggestion: number;
  not_article: number;
  pruned: Array<{ wiki: string; id: string }>;
  files: number;
  seconds: number;
  rows_per_s: number;
}

/** The import failed and nothing was written. The message names the file, row and reason where there is one. */
export class SuggestionImportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SuggestionImportError';
  }
}

const IMPORT_LOCK = 0x1a6e_7a7e; // arbitrary, constant: "imagematching-router suggestion imports"
const COLUMNS = 'dataset_key, wiki, page_id, image, section_index, section_heading, page_title, confidence, kind, found_on, origin_wiki, page_rev, page_qid';
const REPORTED_BAD_ROWS = 20;
const LOGGED_BAD_ROWS = 100;

interface KeyedRow {
  key: number;
  row: SuggestionRow;
}

/** Where rows go inside the import's transaction. `pause` ends any open COPY so the client can run other statements. */
interface RowSink {
  write(rows: KeyedRow[]): Promise<void>;
  pause(): Promise<void>;
  /** Ends an open COPY without its rows (CopyFail), so the transaction can be rolled back. */
  abort(): Promise<void>;
}

function copyLine({ key, row }: KeyedRow): string {
  return `${key}\t${copyTextField(row.wiki)}\t${row.pageId}\t${copyTextField(row.image)}\t${row.sectionIndex ?? '\\N'}\t${copyTextField(row.sectionHeading)}\t${copyTextField(row.pageTitle)}\t${row.confidence}\t${copyTextField(pgTextArray(row.kind))}\t${copyTextField(pgTextArray(row.foundOn))}\t${copyTextField(row.originWiki)}\t${row.pageRev ?? '\\N'}\t${copyTextField(row.pageQid)}\n`;
}

/** COPY ... FROM STDIN through pg-copy-streams, honouring the stream's back-pressure. */
class CopySink implements RowSink {
  private stream: copyStreams.CopyStreamQuery | null = null;
  private failure: Error | null = null;

  constructor(private readonly client: PoolClient) {}

  async write(rows: KeyedRow[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.stream) {
      const stream = this.client.query(copyStreams.from(`COPY image_suggestion (${COLUMNS}) FROM STDIN`));
      stream.on('error', (err: Error) => (this.failure ??= err));
      this.stream = stream;
    }
    let chunk = '';
    for (const r of rows) chunk += copyLine(r);
    if (!this.stream.write(chunk)) {
      const stream = this.stream;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.off('drain', done);
          stream.off('error', done);
          resolve();
        };
        stream.on('drain', done);
        stream.on('error', done);
      });
    }
    if (this.failure) throw this.failure;
  }

  async pause(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    if (stream && !this.failure) {
      await new Promise<void>((resolve) => {
        stream.on('finish', () => resolve());
        stream.on('error', () => resolve());
        stream.end();
      });
    }
    if (this.failure) throw this.failure;
  }

  async abort(): Promise<void> {
    const stream = this.stream;
    this.stream = null;
    if (!stream || this.failure) return;
    await new Promise<void>((resolve) => {
      stream.once('close', () => resolve());
      stream.destroy(new Error('import aborted'));
    });
  }
}

/** Multi-row INSERTs of one JSON parameter each (json_to_recordset): PGlite has no COPY stream. */
class InsertSink implements RowSink {
  private pending: KeyedRow[] = [];

  constructor(private readonly client: PoolClient, private readonly batchSize = 5000) {}

  async write(rows: KeyedRow[]): Promise<void> {
    this.pending.push(...rows);
    if (this.pending.length >= this.batchSize) await this.flush();
  }

  pause(): Promise<void> {
    return this.flush();
  }

  async abort(): Promise<void> {
    this.pending = [];
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const rows = this.pending.map(({ key, row: r }) => ({
      k: key, w: r.wiki, p: r.pageId, i: r.image, si: r.sectionIndex, sh: r.sectionHeading, t: r.pageTitle,
      c: r.confidence, kd: r.kind, f: r.foundOn, o: r.originWiki, rv: r.pageRev, q: r.pageQid,
    }));
    this.pending = [];
    await this.client.query(
      `INSERT INTO image_suggestion (${COLUMNS})
       SELECT k, w, p, i, si, sh, t, c, kd, f, o, rv, q
         FROM json_to_recordset($1::json) AS r(k integer, w text, p bigint, i text, si integer, sh text, t text, c real, kd text[], f text[], o text, rv bigint, q text)`,
      [jsonParameter(rows)],
    );
  }
}

interface DatasetState {
  key: number;
  shape: DatasetShape;
  timeMicros: bigint | null;
  files: Set<string>;
  rows: number;
  wikis: Map<string, number>;
}

export interface ImporterDeps {
  pool: Pool;
  log?: Logger;
  progress?: ProgressReporter;
  /** Milliseconds, for the rate (tests may fix it). */
  now?: () => number;
}

export class SuggestionImporter {
  constructor(private readonly deps: ImporterDeps) {}

  /** Imports every dataset file under `paths` in one transaction. Throws SuggestionImportError with nothing written. */
  async importPaths(paths: readonly string[], options: ImportOptions = {}): Promise<ImportSummary> {
    const now = this.deps.now ?? (() => performance.now());
    const started = now();
    let files: DatasetFile[];
    try {
      files = listDatasetFiles(paths);
    } catch (err) {
      throw new SuggestionImportError((err as Error).message, { cause: err });
    }
    const { client, release } = await checkout(this.deps.pool);
    let broken = false;
    const sink: RowSink = this.deps.pool instanceof EmbeddedPool ? new InsertSink(client) : new CopySink(client);
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [IMPORT_LOCK]);
      const run = new ImportRun(client, sink, files, options, this.deps);
      const summary = await run.load();
      await run.finalize(summary, options.keep);
      await client.query('COMMIT');
      const seconds = (now() - started) / 1000;
      const result: ImportSummary = { ...summary, seconds: Number(seconds.toFixed(3)), rows_per_s: seconds > 0 ? Math.round(summary.rows / seconds) : summary.rows };
      this.deps.progress?.finish({ rows: result.rows, datasets: result.datasets.length, skipped: result.skipped, seconds: result.seconds, rows_per_s: result.rows_per_s });
      return result;
    } catch (err) {
      await sink.abort();
      broken = (await client.query('ROLLBACK').then(() => false, () => true)) as boolean;
      if (err instanceof SuggestionImportError) throw err;
      const e = err as { code?: string; detail?: string; message?: string };
      if (e.code === '23505') throw new SuggestionImportError(`a dataset has the same suggestion twice (page, image and section): ${e.detail ?? e.message}`, { cause: err });
      throw new SuggestionImportError(`import failed, nothing was written: ${e.message ?? String(err)}`, { cause: err });
    } finally {
      release(broken);
    }
  }
}

type LoadSummary = Omit<ImportSummary, 'seconds' | 'rows_per_s'>;

/** One import's streaming state: the datasets seen, their keys, counts and the bad rows. */
class ImportRun {
  private readonly datasets = new Map<string, DatasetState>();
  private readonly skips: Record<SkipReason, number> = { without_suggestion: 0, not_article: 0 };
  private readonly bad: BadRow[] = [];
  private skipped = 0;
  private rows = 0;
  private readonly maxSkipped: number;

  constructor(
    private readonly client: PoolClient,
    private readonly sink: RowSink,
    private readonly files: DatasetFile[],
    options: ImportOptions,
    private readonly deps: ImporterDeps,
  ) {
    this.maxSkipped = options.maxSkipped ?? 1000;
  }

  async load(): Promise<LoadSummary> {
    const opened = [];
    for (const file of this.files) {
      try {
        opened.push({ file, reader: await openDatasetFile(file) });
      } catch (err) {
        throw new SuggestionImportError(`${file.path}: cannot be read as ${file.format}: ${(err as Error).message}`, { cause: err });
      }
    }
    const total = opened.every((o) => o.reader.rows !== null) ? opened.reduce((n, o) => n + o.reader.rows!, 0) : undefined;
    let done = 0;
    for (const { file, reader } of opened) {
      const columns = [...new Set([...reader.columns, ...Object.keys(file.partition)])];
      const detected = detectShape(columns);
      if ('error' in detected) throw new SuggestionImportError(`${file.path}: ${detected.error}`);
      try {
        for await (const batch of reader.batches()) {
          await this.sink.write(await this.mapBatch(batch, file, detected.shape, reader.describe));
          done += batch.length;
          this.deps.progress?.update(done, total);
        }
      } catch (err) {
        // PostgreSQL's own errors (they carry a severity) are mapped by importPaths; the rest are the file's.
        if (err instanceof SuggestionImportError || (err as { severity?: unknown }).severity !== undefined) throw err;
        throw new SuggestionImportError(`${file.path}: read failed after ${done} row(s): ${(err as Error).message}`, { cause: err });
      }
    }
    await this.sink.pause();
    return {
      rows: this.rows,
      datasets: [],
      skipped: this.skipped,
      bad: this.bad,
      without_suggestion: this.skips.without_suggestion,
      not_article: this.skips.not_article,
      pruned: [],
      files: this.files.length,
    };
  }

  private badRow(where: string, reason: string): void {
    this.skipped++;
    if (this.bad.length < REPORTED_BAD_ROWS) this.bad.push({ where, reason });
    if (this.skipped <= LOGGED_BAD_ROWS) this.deps.log?.warn({ where, reason }, 'suggestion row skipped');
    if (this.skipped > this.maxSkipped) {
      throw new SuggestionImportError(`more than ${this.maxSkipped} bad row(s); the last: ${where}: ${reason}. Nothing was written (raise --max-skipped to import anyway)`);
    }
  }

  private async mapBatch(batch: SourceRecord[], file: DatasetFile, shape: DatasetShape, describe: (at: number) => string): Promise<KeyedRow[]> {
    const out: KeyedRow[] = [];
    const partition = Object.entries(file.partition);
    for (const record of batch) {
      if (record.values === null) {
        this.badRow(describe(record.at), record.error ?? 'unreadable');
        continue;
      }
      const values = record.values;
      let conflict: string | null = null;
      for (const [column, value] of partition) {
        const own = values[column];
        if (own === undefined || own === null || own === '') values[column] = value;
        else if (String(own) !== value) conflict = `${column} is ${JSON.stringify(String(own))} in the file but ${JSON.stringify(value)} in the path`;
      }
      const mapped = conflict === null ? mapRecord(shape, values) : ({ kind: 'bad', reason: conflict } as const);
      if (mapped.kind === 'bad') {
        this.badRow(describe(record.at), mapped.reason);
        continue;
      }
      if (mapped.kind === 'skip') {
        this.skips[mapped.reason]++;
        continue;
      }
      const dataset = await this.dataset(mapped.row.datasetId, shape, file);
      if (dataset === null) {
        this.badRow(describe(record.at), `dataset ${mapped.row.datasetId} is ${this.datasets.get(mapped.row.datasetId)!.shape} in another file, ${shape} here`);
        continue;
      }
      if (mapped.timeMicros !== null && (dataset.timeMicros === null || mapped.timeMicros > dataset.timeMicros)) dataset.timeMicros = mapped.timeMicros;
      dataset.files.add(file.path);
      dataset.rows++;
      dataset.wikis.set(mapped.row.wiki, (dataset.wikis.get(mapped.row.wiki) ?? 0) + 1);
      this.rows++;
      out.push({ key: dataset.key, row: mapped.row });
    }
    return out;
  }

  /** The dataset's state, with a new key on first sight; null when the id was seen with another shape. */
  private async dataset(id: string, shape: DatasetShape, file: DatasetFile): Promise<DatasetState | null> {
    const known = this.datasets.get(id);
    if (known) return known.shape === shape ? known : null;
    // A fresh key even for a re-import: the old rows are deleted under their own key when the import commits.
    await this.sink.pause();
    const { rows } = await this.client.query<{ key: number }>(`SELECT nextval('suggestion_dataset_key_seq')::integer AS key`);
    const state: DatasetState = { key: rows[0]!.key, shape, timeMicros: null, files: new Set([file.path]), rows: 0, wikis: new Map() };
    this.datasets.set(id, state);
    return state;
  }

  /** Replaces earlier imports of the same ids, records the datasets, prunes to `keep`. Inside the transaction. */
  async finalize(summary: LoadSummary, keep: number | undefined): Promise<void> {
    for (const [id, d] of this.datasets) {
      if (d.timeMicros === null) {
        throw new SuggestionImportError(`dataset ${id} has no time: imagerec_prod rows need insertion_ts or a snapshot (column or partition folder)`);
      }
      const replaced = await this.deleteDataset(id);
      const time = datasetTimeIso(d.timeMicros);
      await this.client.query(
        `INSERT INTO suggestion_dataset (dataset_key, dataset_id, shape, dataset_time, files, row_count, skipped_rows)
         VALUES ($1, $2, $3, $4::timestamptz, $5::text[], $6, $7)`,
        [d.key, id, d.shape, time, [...d.files], d.rows, this.skipped],
      );
      const wikis = [...d.wikis].map(([wiki, rows]) => ({ wiki, rows }));
      await this.client.query(
        `INSERT INTO suggestion_dataset_wiki (wiki, dataset_key, dataset_time, row_count)
         SELECT w.wiki, $1, $2::timestamptz, w.rows FROM json_to_recordset($3::json) AS w(wiki text, rows bigint)`,
        [d.key, time, jsonParameter(wikis)],
      );
      summary.datasets.push({ id, shape: d.shape, time, rows: d.rows, wikis: Object.fromEntries(d.wikis), replaced });
    }
    if (keep !== undefined) summary.pruned = await this.prune(keep);
  }

  /** Deletes an earlier import of dataset `id` (rows, wikis, dataset row); true when there was one. */
  private async deleteDataset(id: string): Promise<boolean> {
    const { rows } = await this.client.query<{ key: number; wikis: string[] }>(
      `SELECT d.dataset_key AS key, coalesce(array_agg(w.wiki) FILTER (WHERE w.wiki IS NOT NULL), '{}') AS wikis
         FROM suggestion_dataset d LEFT JOIN suggestion_dataset_wiki w USING (dataset_key)
        WHERE d.dataset_id = $1 GROUP BY d.dataset_key`,
      [id],
    );
    const old = rows[0];
    if (!old) return false;
    // By (wiki, dataset_key): the index image_suggestion_dataset_pages, not a scan of every dataset's rows.
    await this.client.query('DELETE FROM image_suggestion WHERE wiki = ANY ($1::text[]) AND dataset_key = $2', [old.wikis, old.key]);
    await this.client.query('DELETE FROM suggestion_dataset WHERE dataset_key = $1', [old.key]);
    return true;
  }

  private async prune(keep: number): Promise<Array<{ wiki: string; id: string }>> {
    const { rows } = await this.client.query<{ wiki: string; key: number; id: string }>(
      `SELECT x.wiki, x.dataset_key AS key, d.dataset_id AS id
         FROM (SELECT wiki, dataset_key, row_number() OVER (PARTITION BY wiki ORDER BY dataset_time DESC, dataset_key DESC) AS n
                 FROM suggestion_dataset_wiki) x
         JOIN suggestion_dataset d USING (dataset_key)
        WHERE x.n > $1
        ORDER BY x.wiki, x.dataset_key`,
      [keep],
    );
    for (const r of rows) {
      await this.client.query('DELETE FROM image_suggestion WHERE wiki = $1 AND dataset_key = $2', [r.wiki, r.key]);
      await this.client.query('DELETE FROM suggestion_dataset_wiki WHERE wiki = $1 AND dataset_key = $2', [r.wiki, r.key]);
    }
    if (rows.length > 0) {
      await this.client.query('DELETE FROM suggestion_dataset d WHERE NOT EXISTS (SELECT 1 FROM suggestion_dataset_wiki w WHERE w.dataset_key = d.dataset_key)');
    }
    return rows.map((r) => ({ wiki: r.wiki, id: r.id }));
  }
}
