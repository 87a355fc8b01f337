import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from '../../../lib/store/pool.ts';
import { migrate, readMigrations } from '../../../lib/store/migrate.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';

async function schemaSnapshot(pool: Pool): Promise<string> {
  const { rows } = await pool.query(`
    SELECT table_name, column_name, data_type, is_nullable, column_default
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT tablename, indexname, indexdef, '', '' FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT table_name, 'VIEW', view_definition, '', '' FROM information_schema.views WHERE table_schema = 'public'
    ORDER BY 1, 2`);
  return JSON.stringify(rows);
}

for (const backend of STORE_BACKENDS) describe(`migrations on the ${backend.name}`, () => {
  let pool: Pool;
  let close: () => Promise<void>;
  before(async () => {
    ({ pool, close } = await backend.open());
  });
  after(() => close());

  test('the first run applies every migration and a second run changes nothing', async () => {
    const all = readMigrations();
    assert.ok(all.length >= 1);
    const first = await migrate(pool);
    assert.equal(first.applied.length, all.length);
    const before = await schemaSnapshot(pool);
    assert.match(before, /page_image_state/);
    assert.match(before, /recommendation_status/);

    const second = await migrate(pool);
    assert.equal(second.applied.length, 0);
    assert.equal(second.alreadyApplied, all.length);
    assert.equal(await schemaSnapshot(pool), before);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM schema_migrations');
    assert.equal(rows[0].n, all.length);
  });

  test('concurrent migrators serialise on the advisory lock and apply each migration once', async () => {
    const fresh = await backend.open();
    try {
      const results = await Promise.all([migrate(fresh.pool), migrate(fresh.pool), migrate(fresh.pool)]);
      assert.equal(results.reduce((n, r) => n + r.applied.length, 0), readMigrations().length);
    } finally {
      await fresh.close();
    }
  });

  test('a migration edited after it was applied is refused', async () => {
    const [m] = readMigrations();
    assert.ok(m);
    await assert.rejects(migrate(pool, [{ ...m, sql: `${m.sql}\n-- edited`, checksum: 'different' }]), /checksum mismatch/);
  });
});
