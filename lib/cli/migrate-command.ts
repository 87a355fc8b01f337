// `imagematching-router migrate`: creates the database when missing and applies pending migrations, with progress
// and a summary on stderr (stdout keeps the one line saying what was done).
import { commandLogger } from './command-logger.ts';
import { loadConfigFile } from '../config/load.ts';
import { redactUrl } from '../log.ts';
import { createPool } from '../store/pool.ts';
import { migrate } from '../store/migrate.ts';
import { ensureDatabase } from '../store/ensure-database.ts';
import { createProgressReporter } from '../progress/progress-reporter.ts';

export async function migrateCommand(opts: { config: string }): Promise<number> {
  const { config } = loadConfigFile(opts.config);
  const log = commandLogger(config, process.stderr);
  if (config.database.url && (await ensureDatabase(config.database.url))) console.log(`created database ${redactUrl(config.database.url)}`);
  const pool = createPool(config.database);
  const where = config.database.url ? redactUrl(config.database.url) : `the embedded database in ${config.database.embedded_path}`;
  const progress = createProgressReporter({ label: 'migrate', stream: process.stderr, logger: log });
  try {
    const result = await migrate(pool, undefined, (done, pending) => progress.update(done, pending));
    const names = result.applied.map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
    progress.finish({ applied: names, already_applied: result.alreadyApplied });
    console.log(
      names.length > 0
        ? `applied ${names.length} migration(s) to ${where}: ${names.join(', ')}`
        : `schema is up to date (${result.alreadyApplied} migration(s) applied earlier) at ${where}`,
    );
    return 0;
  } finally {
    await pool.end();
  }
}
