// Where the integration tests find the real services that scripts/test.sh started, and per-test isolation:
// a fresh database per test file and unique topic names, so tests never see each other's data.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/imagematching_router_test';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Creates an empty database on the test server; returns its URL and a function that drops it. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = uniqueName('imr_test').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface StoreBackend {
  name: string;
  /** A fresh, empty database on this back end. */
  open(): Promise<{ pool: import('../../lib/store/pool.ts').Pool; close: () => Promise<void> }>;
}

/**
 * The real PostgreSQL server and the embedded one (PGlite): store tests run against both, so the embedded
 * database is held to the same behaviour.
 */
export const STORE_BACKENDS: StoreBackend[] = [
  {
    name: 'PostgreSQL server',
    async open() {
      const { createPool } = await import('../../lib/store/pool.ts');
      const db = await createTestDatabase();
      const pool = createPool({ url: db.url, pool_size: 8, statement_timeout_ms: 0 });
      return { pool, close: async () => { await pool.end(); await db.drop(); } };
    },
  },
  {
    name: 'embedded PGlite',
    async open() {
      const { createPool } = await import('../../lib/store/pool.ts');
      const { mkdtempSync, rmSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = mkdtempSync(join(tmpdir(), 'imr-pglite-'));
      const pool = createPool({ url: '', pool_size: 1, statement_timeout_ms: 0, embedded_path: join(dir, 'pgdata') });
      return { pool, close: async () => { await pool.end(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
];
