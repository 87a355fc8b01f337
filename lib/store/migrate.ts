// Versioned SQL migrations: lib/store/migrations/NNN_name.sql, applied in order, each in its own transaction,
// under an advisory lock so concurrent routers never race. Applied files are checksummed; an edited one is an error.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkout, type Pool } from './pool.ts';
import { PROJECT_ROOT } from '../project-root.ts';

export const MIGRATIONS_DIR = join(PROJECT_ROOT, 'lib', 'store', 'migrations');
const LOCK_ID = 0x1a6e_7a7c; // arbitrary, constant: "imagematching-router migrations"

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: Migration[];
  alreadyApplied: number;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const sql = readFileSync(join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 3)),
        name: file.slice(4, -4),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/** `onApplied` hears of each migration as it is applied: how many are done of how many were pending. */
export async function migrate(
  pool: Pool,
  migrations: Migration[] = readMigrations(),
  onApplied: (done: number, pending: number) => void = () => undefined,
): Promise<MigrationResult> {
  const { client, release } = await checkout(pool);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; checksum: string; name: string }>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    const applied: Migration[] = [];
    const pending = migrations.filter((m) => !done.has(m.version)).length;
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(`migration ${m.version}_${m.name} was changed after it was applied (checksum mismatch); add a new migration instead`);
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [m.version, m.name, m.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m);
      onApplied(applied.length, pending);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    release();
  }
}
