// Runs every ```sql block of docs/runbook.md against a freshly migrated database, each in a transaction that is
// rolled back (one of them changes a password), and checks what the upgrade and state checks report.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate, readMigrations } from '../../../lib/store/migrate.ts';
import { createTestDatabase } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';
import { readCodeBlocks, sqlStatements } from '../../helpers/doc-snippets.ts';

type Row = Record<string, unknown>;

describe('docs/runbook.md SQL runs against the real schema', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const blocks = readCodeBlocks(join(REPO, 'docs/runbook.md'), 'sql');
  const results = new Map<string, Row[][]>();

  before(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, pool_size: 2, statement_timeout_ms: 10_000 });
    await migrate(pool);
    await pool.query(`
      INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion) VALUES
        ('enwiki', 1, 'A', 10, now(), '{A.jpg}', true, false),
        ('enwiki', 2, 'B', 11, now(), '{}', false, NULL),
        ('dewiki', 3, 'C', 12, now(), '{C.jpg}', true, true);
      INSERT INTO unprocessable_event (wiki, ref, reason, page_id) VALUES
        ('enwiki', 'rev:99', 'revision_hidden', 1),
        ('enwiki', 'rev:98', 'revision_hidden', 2),
        ('dewiki', 'title:X', 'page_missing', NULL),
        ('enwiki', 'rev:97', 'revision_missing', 1)`);
    await pool.query(`UPDATE unprocessable_event SET recorded_at = now() - INTERVAL '2 days' WHERE ref = 'rev:97'`);
    // What canary copies of the feedback examples stored before canaries were dropped, and a real decision beside them.
    await pool.query(`
      INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt) VALUES
        ('enwiki', 1234, 'Https://commons.wikimedia.org/wiki/File:example.JPEG', 'rejected', '{Incorrect Image}', '/mediawiki/page/image-suggestions-feedback', now()),
        ('enwiki', 1234, 'Example.JPEG', 'rejected', '{notrelevant,lowquality}', 'mediawiki.image_suggestions_feedback', now()),
        ('enwiki', 555, 'Eathworm_image.jpeg', 'accepted', '{}', 'android.image_recommendation_interaction', now()),
        ('enwiki', 1234, 'Real_photo.jpg', 'rejected', '{offensive}', 'mediawiki.image_suggestions_feedback', now())`);
  });
  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('every sql block is named and runs without error (rolled back afterwards)', async () => {
    assert.ok(blocks.length >= 3);
    for (const block of blocks) {
      assert.ok(block.name, `${block.file}:${block.line}: name the sql block`);
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // The password rotation refuses a superuser (the test's user): run it as a login role of its own, rolled back.
        if (block.name === 'rotate-password') {
          const role = `imr_rotate_${process.pid}_${Date.now()}`;
          await client.query(`CREATE ROLE ${role} LOGIN`);
          await client.query(`SET LOCAL ROLE ${role}`);
        }
        const out: Row[][] = [];
        for (const statement of sqlStatements(block.code)) {
          try {
            out.push((await client.query(statement)).rows as Row[]);
          } catch (err) {
            throw new Error(`${block.file}:${block.line} (${block.name}): ${(err as Error).message}\n${statement}`, { cause: err });
          }
        }
        results.set(block.name, out);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    }
  });

  test('the password rotation refuses to run as a superuser, and changes nothing', async () => {
    const block = blocks.find((b) => b.name === 'rotate-password')!;
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ rolsuper: boolean }>(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`);
      assert.equal(rows[0]?.rolsuper, true, 'the test database user is expected to be a superuser');
      await client.query('BEGIN');
      await assert.rejects(client.query(sqlStatements(block.code)[0]!), /connected as superuser .*: connect as the router's own role/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  test('the schema check lists every migration the code ships', () => {
    const [rows] = results.get('schema-version')!;
    assert.deepEqual(
      rows!.map((r) => `${r.version}_${r.name}`),
      readMigrations().map((m) => `${m.version}_${m.name}`),
    );
  });

  test('the state checks report pages per wiki and the last day of unprocessable events', () => {
    const [pages, unprocessable] = results.get('state-freshness')!;
    assert.deepEqual(
      pages!.map((r) => [r.wiki, Number(r.pages), Number(r.illustrated)]).sort(),
      [
        ['dewiki', 1, 1],
        ['enwiki', 2, 1],
      ],
    );
    assert.deepEqual(unprocessable!.map((r) => [r.wiki, r.reason, Number(r.events)]), [
      ['enwiki', 'revision_hidden', 2],
      ['dewiki', 'page_missing', 1],
    ]);
  });

  test('the canary clean-up finds exactly the rows the canary examples left, and deletes them', () => {
    const [found, deleted] = results.get('canary-rows')!;
    const canaries = ['Eathworm_image.jpeg', 'Example.JPEG', 'Https://commons.wikimedia.org/wiki/File:example.JPEG'];
    assert.deepEqual(found!.map((r) => r.image).sort(), canaries);
    assert.deepEqual(deleted!.map((r) => r.image).sort(), canaries, 'the real decision on the same page stays');
  });

  test('the password rotation statement is accepted by PostgreSQL', () => {
    assert.deepEqual(results.get('rotate-password'), [[]]);
  });
});
