// `imagematching-router query`: runs ONE SQL statement read-only against the PostgreSQL server or the embedded
// database (PGlite) and prints its rows. The database enforces both: the statement runs inside BEGIN READ ONLY (a
// write is refused by PostgreSQL itself) and through the extended protocol (one statement: no `; COMMIT; ...`).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfigFile } from '../config/load.ts';
import { ConfigError } from '../errors.ts';
import { redactUrl } from '../log.ts';
import { createPool } from '../store/pool.ts';
import { formatRows, QUERY_FORMATS, type QueryFormat, type QueryRows } from './query-output.ts';
import { readAll } from './read-all.ts';

export interface QueryCommandOptions {
  sql: string;
  config?: string | undefined;
  /** A postgres:// URL, or the folder of an embedded database. */
  db?: string | undefined;
  format?: string | undefined;
}

export interface QueryCommandIo {
  out(line: string): void;
  err(line: string): void;
  /** Whether stdout is a terminal: the default format is then a table, else JSON lines. */
  isTTY: boolean;
  stdin?: AsyncIterable<Buffer | string>;
}

/** One read-only statement against one back end. */
interface ReadOnlyDatabase {
  readonly where: string;
  run(sql: string): Promise<QueryRows>;
  close(): Promise<void>;
}

/** The database's error, as the operator should read it: message, detail, hint, SQLSTATE. */
export class QueryError extends Error {}

const SERVER_URL = /^postgres(ql)?:\/\//i;
const DEFAULT_TIMEOUT_MS = 30_000;

// Every value as PostgreSQL's text, on both back ends; query-output.ts types them for JSON.
const RAW_PG_TYPES = { getTypeParser: () => (value: string) => value };

function describeDbError(err: unknown): string {
  const e = err as { message?: string; code?: string; detail?: string; hint?: string };
  const parts = [e.message ?? String(err)];
  if (e.detail) parts.push(`detail: ${e.detail}`);
  if (e.hint) parts.push(`hint: ${e.hint}`);
  if (e.code) parts.push(`SQLSTATE ${e.code}`);
  return parts.join('; ');
}

async function openServer(url: string, timeoutMs: number): Promise<ReadOnlyDatabase> {
  const pool = createPool({ url, pool_size: 1, statement_timeout_ms: timeoutMs });
  return {
    where: redactUrl(url),
    async run(sql) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN READ ONLY');
        try {
          await client.query(`SET LOCAL statement_timeout = ${Math.max(0, Math.floor(timeoutMs))}`);
          // queryMode 'extended' (parse/bind/execute) makes PostgreSQL refuse more than one statement.
          const config = { text: sql, rowMode: 'array' as const, types: RAW_PG_TYPES, queryMode: 'extended' };
          const r = await client.query(config as pg.QueryArrayConfig);
          return { columns: (r.fields ?? []).map((f) => ({ name: f.name, typeId: f.dataTypeID })), rows: r.rows as (string | null)[][], command: r.command ?? '' };
        } finally {
          await client.query('ROLLBACK').catch(() => undefined);
        }
      } catch (err) {
        throw new QueryError(describeDbError(err));
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The embedded database is opened with PGlite directly, not through EmbeddedPool: EmbeddedPool sends statements
 * without parameters through the simple protocol, which runs several statements (and a COMMIT) in one go.
 * PGlite runs inside this process and cannot interrupt a statement: statement_timeout does not apply there.
 */
async function openEmbedded(path: string): Promise<ReadOnlyDatabase> {
  const dir = resolve(path);
  if (!existsSync(join(dir, 'PG_VERSION'))) throw new ConfigError('--db', `no embedded database in ${dir} (it has no PG_VERSION)`);
  const db = new PGlite(dir);
  await db.waitReady;
  // PGlite's parsers include the array types it read from pg_type when it started: replace every one.
  const raw = Object.fromEntries(Object.keys(db.parsers).map((oid) => [oid, (value: string) => value]));
  return {
    where: `the embedded database in ${dir}`,
    async run(sql) {
      await db.exec('BEGIN READ ONLY');
      try {
        const r = await db.query<unknown[]>(sql, [], { rowMode: 'array', parsers: raw });
        const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
        return { columns: r.fields.map((f) => ({ name: f.name, typeId: f.dataTypeID })), rows: r.rows as (string | null)[][], command };
      } catch (err) {
        throw new QueryError(describeDbError(err));
      } finally {
        await db.exec('ROLLBACK').catch(() => undefined);
      }
    },
    close: () => db.close(),
  };
}

/** Which back end: --db (a URL or a folder), else the configuration's database.url or database.embedded_path. */
function target(opts: QueryCommandOptions): ({ url: string } | { path: string }) & { timeoutMs: number } {
  if (opts.db !== undefined && opts.config !== undefined) throw new ConfigError('', 'give --config or --db, not both');
  if (opts.db !== undefined) {
    if (opts.db.trim() === '') throw new ConfigError('--db', 'must be a postgres:// URL or the folder of an embedded database');
    return SERVER_URL.test(opts.db) ? { url: opts.db, timeoutMs: DEFAULT_TIMEOUT_MS } : { path: opts.db, timeoutMs: DEFAULT_TIMEOUT_MS };
  }
  const { database } = loadConfigFile(opts.config ?? 'config.yaml').config;
  const timeoutMs = database.statement_timeout_ms;
  return database.url ? { url: database.url, timeoutMs } : { path: database.embedded_path, timeoutMs };
}

/** Returns the exit code: 0 rows printed, 1 the database refused or failed, 2 usage or configuration. */
export async function queryCommand(opts: QueryCommandOptions, io: QueryCommandIo): Promise<number> {
  let db: ReadOnlyDatabase | undefined;
  try {
    const format = (opts.format ?? (io.isTTY ? 'table' : 'json')) as QueryFormat;
    if (!QUERY_FORMATS.includes(format)) throw new ConfigError('--format', `must be one of ${QUERY_FORMATS.join(', ')}`);
    const sql = opts.sql === '-' ? await readAll(io.stdin ?? process.stdin) : opts.sql;
    if (sql.trim() === '') throw new ConfigError('SQL', 'is empty');
    const where = target(opts);
    db = 'url' in where ? await openServer(where.url, where.timeoutMs) : await openEmbedded(where.path);
    const rows = await db.run(sql);
    for (const line of formatRows(rows, format)) io.out(line);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) io.err(`imagematching-router query: ${problem}`);
      return 2;
    }
    io.err(`imagematching-router query: ${err instanceof QueryError ? '' : 'failed: '}${err instanceof QueryError ? err.message : describeDbError(err)}${db ? ` (${db.where})` : ''}`);
    return 1;
  } finally {
    await db?.close().catch(() => undefined);
  }
}
