// The PostgreSQL connection pool (pg). Connection errors on idle clients are logged, never fatal:
// the router keeps running and readiness reports the database as down until it comes back.
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { DatabaseConfig } from '../config/schema.ts';
import { EmbeddedPool } from './embedded-pool.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** Names the router's database sessions in pg_stat_activity (the admin API's change listing relies on it). */
export const APPLICATION_NAME = 'imagematching-router';

export function createPool(config: Pick<DatabaseConfig, 'url' | 'pool_size' | 'statement_timeout_ms'> & { embedded_path?: string }, log?: Logger): pg.Pool {
  if (!config.url) {
    // No server configured: an embedded PostgreSQL in a local folder, same migrations, same SQL.
    log?.info({ path: config.embedded_path }, 'using the embedded database (PGlite)');
    return new EmbeddedPool(config.embedded_path ?? '.data/pgdata') as unknown as pg.Pool;
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.pool_size,
    statement_timeout: config.statement_timeout_ms || undefined,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    application_name: APPLICATION_NAME,
  });
  pool.on('error', (err) => log?.warn({ err: err.message }, 'idle PostgreSQL client failed'));
  return pool;
}

export interface CheckedOutClient {
  client: PoolClient;
  /** Return the client to the pool; a broken one (lost connection, failed rollback) is discarded. */
  release(broken?: boolean): void;
}

/**
 * Check a client out of the pool so that a connection lost while it is held (a server restart) cannot crash the
 * process: pg-pool stops listening for a client's 'error' events while it is checked out, so we listen instead and
 * discard the client on release. The query in flight fails and the caller's retry logic takes over.
 */
export async function checkout(pool: pg.Pool): Promise<CheckedOutClient> {
  const client = await pool.connect();
  let lost = false;
  const onError = () => {
    lost = true;
  };
  client.on('error', onError);
  return {
    client,
    release(broken = false) {
      client.removeListener('error', onError);
      client.release(lost || broken);
    },
  };
}
