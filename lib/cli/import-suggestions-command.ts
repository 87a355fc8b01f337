// `imagematching-router import-suggestions`: loads image-suggestion dataset files (NDJSON, TSV, Parquet; the Cassandra
// or the imagerec_prod shape) into the database the config names, for the read API. Exit 1 with the reason on failure.
import { commandLogger } from './command-logger.ts';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { redactUrl } from '../log.ts';
import { createPool } from '../store/pool.ts';
import { migrate } from '../store/migrate.ts';
import { ensureDatabase } from '../store/ensure-database.ts';
import { applyHeapGrowth } from './heap-growth.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';
import { SuggestionImportError, SuggestionImporter, type ImportSummary, type ProgressReporter } from '../suggestions/importer.ts';

export interface ImportSuggestionsOptions {
  config: string;
  keep?: string;
  maxSkipped?: string;
  paths: string[];
  /** Where progress goes; default: lib/progress's reporter on stderr (a bar on a terminal, else JSON lines). */
  progress?: ProgressReporter;
}

function count(value: string | undefined, option: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < min) throw new ConfigError(option, `must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function formatSummary(summary: ImportSummary): string[] {
  const lines = summary.datasets.map(
    (d) => `dataset ${d.id} (${d.shape}, ${d.time}): ${d.rows} row(s)${d.replaced ? ', replacing the earlier import' : ''}; ${Object.entries(d.wikis).map(([w, n]) => `${w} ${n}`).join(', ')}`,
  );
  for (const b of summary.bad) lines.push(`skipped ${b.where}: ${b.reason}`);
  for (const p of summary.pruned) lines.push(`pruned dataset ${p.id} of ${p.wiki}`);
  lines.push(
    `imported ${summary.rows} row(s) of ${summary.datasets.length} dataset(s) from ${summary.files} file(s) in ${summary.seconds} s (${summary.rows_per_s} rows/s); ` +
      `${summary.skipped} bad row(s) skipped, ${summary.without_suggestion} without a suggestion, ${summary.not_article} not articles`,
  );
  return lines;
}

export async function importSuggestionsCommand(opts: ImportSuggestionsOptions): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  const keep = count(opts.keep, '--keep', 1);
  const maxSkipped = count(opts.maxSkipped, '--max-skipped', 0);
  // Logs (a skipped row's warning) go to stderr, so stdout holds the summary alone.
  const log = commandLogger(config, process.stderr);
  // A Parquet row group is 100,000 objects at a time: without the cap V8 lets the heap grow to several of them.
  log.debug({ heapGrowth: applyHeapGrowth(config.memory.heap_growth_percent) }, 'memory settings');
  if (config.database.url && (await ensureDatabase(config.database.url))) console.log(`created database ${redactUrl(config.database.url)}`);
  const pool = createPool(config.database, log);
  try {
    if (config.database.migrate_on_start) await migrate(pool);
    // Rows done, of the total when the files' metadata tells it (Parquet); a summary line at the end.
    const progress = opts.progress ?? createProgressReporter({ label: 'import-suggestions', stream: process.stderr, logger: log });
    const importer = new SuggestionImporter({ pool, log, progress });
    const summary = await importer.importPaths(opts.paths, { keep, maxSkipped });
    for (const line of formatSummary(summary)) console.log(line);
    return 0;
  } catch (err) {
    if (!(err instanceof SuggestionImportError)) throw err;
    console.error(`imagematching-router: import failed: ${err.message}`);
    return 1;
  } finally {
    await pool.end();
  }
}
