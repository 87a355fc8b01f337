// The PostgreSQL connection pool (pg). Connection errors on idle clients are logged, never fatal:
// the router keeps running and readiness reports the database as down until it comes back.
import pg from 'pg';
import type { Logger } from '../log.ts';
import type { DatabaseConfig } from '../config/schema.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(config: Pick<DatabaseConfig, 'url' | 'pool_size' | 'statement_timeout_ms'>, log?: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.pool_size,
    statement_timeout: config.statement_timeout_ms || undefined,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    application_name: 'imagematching-router',
  });
  pool.on('error', (err) => log?.warn({ err: err.message }, 'idle PostgreSQL client failed'));
  return pool;
}

/** True when PostgreSQL answers a trivial query within the pool's connection timeout. */
export async function isDatabaseReachable(pool: pg.Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
