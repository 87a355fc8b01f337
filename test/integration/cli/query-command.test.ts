// `imagematching-router query` against both back ends, the real PostgreSQL server and the embedded PGlite: rows in
// each format (the same from both), writes and DDL refused by the database itself, one statement only, SQL errors
// exit 1 with the database's message, usage errors exit 2, and the configuration's database and statement timeout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { queryCommand, type QueryCommandOptions } from '../../../lib/cli/query-command.ts';
import { createPool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { createTestDatabase } from '../../helpers/services.ts';

const SEED = `
INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion) VALUES
  ('enwiki', 1, 'Harbour_Light', 10, '2024-05-03T10:00:00Z', '{Harbour.jpg,"Pier fog.jpg"}', true, false),
  ('enwiki', 2, 'Breakwater', 11, '2024-05-03T11:00:00Z', '{}', false, NULL);
INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt) VALUES
  ('enwiki', 2, 'Cat.jpg', 'rejected', '{notrelevant}', 'mediawiki.image_suggestions_feedback', '2024-05-05T10:00:00Z')`;

interface Backend {
  name: string;
  /** The --db value. */
  db: string;
  close(): Promise<void>;
}

async function serverBackend(): Promise<Backend> {
  const database = await createTestDatabase();
  const pool = createPool({ url: database.url, pool_size: 2, statement_timeout_ms: 0 });
  await migrate(pool);
  await pool.query(SEED);
  await pool.end();
  return { name: 'PostgreSQL server', db: database.url, close: database.drop };
}

async function embeddedBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'imr-query-'));
  const path = join(dir, 'pgdata');
  const pool = createPool({ url: '', pool_size: 1, statement_timeout_ms: 0, embedded_path: path });
  await migrate(pool);
  await pool.query(SEED);
  await pool.end();
  return { name: 'embedded PGlite', db: path, close: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function query(opts: Partial<QueryCommandOptions> & { sql: string }, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await queryCommand(opts, { out: (l) => out.push(l), err: (l) => err.push(l), isTTY });
  return { code, out, err: err.join('\n') };
}

const backends: Backend[] = [];
before(async () => {
  backends.push(await serverBackend(), await embeddedBackend());
});
after(async () => {
  for (const b of backends) await b.close();
});

const ROWS_SQL = 'SELECT wiki, page_id, page_title, images, illustrated, illustrated_by_suggestion FROM page_image_state ORDER BY page_id';
const WRITES: [string, string][] = [
  ['an INSERT', "INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated) VALUES ('enwiki', 3, 'X', 1, now(), '{}', false)"],
  ['an UPDATE', "UPDATE page_image_state SET page_title = 'Changed'"],
  ['a DELETE', 'DELETE FROM recommendation_status'],
  ['a CREATE TABLE', 'CREATE TABLE sneaky (id int)'],
  ['a DROP TABLE', 'DROP TABLE recommendation_status'],
  ['a TRUNCATE', 'TRUNCATE page_image_state'],
];

for (const name of ['PostgreSQL server', 'embedded PGlite']) {
  describe(`query on the ${name}`, () => {
    const backend = () => backends.find((b) => b.name === name)!;

    test('prints JSON lines with typed values by default when stdout is not a terminal', async () => {
      const r = await query({ db: backend().db, sql: ROWS_SQL });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.out.map((l) => JSON.parse(l)), [
        { wiki: 'enwiki', page_id: 1, page_title: 'Harbour_Light', images: ['Harbour.jpg', 'Pier fog.jpg'], illustrated: true, illustrated_by_suggestion: false },
        { wiki: 'enwiki', page_id: 2, page_title: 'Breakwater', images: [], illustrated: false, illustrated_by_suggestion: null },
      ]);
    });

    test('prints a table on a terminal, and CSV when asked', async () => {
      const table = await query({ db: backend().db, sql: 'SELECT page_id, illustrated FROM page_image_state ORDER BY page_id' }, true);
      assert.deepEqual(table.out, [' page_id | illustrated', '---------+-------------', '       1 | t', '       2 | f', '(2 rows)']);
      const csv = await query({ db: backend().db, sql: 'SELECT page_id, images FROM page_image_state ORDER BY page_id', format: 'csv' }, true);
      assert.deepEqual(csv.out, ['page_id,images', '1,"{Harbour.jpg,""Pier fog.jpg""}"', '2,{}']);
    });

    for (const [what, sql] of WRITES) {
      test(`refuses ${what}: the transaction is read-only`, async () => {
        const r = await query({ db: backend().db, sql });
        assert.equal(r.code, 1);
        assert.match(r.err, /in a read-only transaction; SQLSTATE 25006/);
      });
    }

    test('runs one statement only: a second one (even after COMMIT) is refused with the first', async () => {
      for (const sql of ['SELECT 1; DELETE FROM recommendation_status', 'COMMIT; DELETE FROM recommendation_status']) {
        const r = await query({ db: backend().db, sql });
        assert.equal(r.code, 1);
        assert.match(r.err, /cannot insert multiple commands into a prepared statement; SQLSTATE 42601/);
      }
    });

    test('leaves the data as it was after every refused write', async () => {
      const r = await query({ db: backend().db, sql: "SELECT (SELECT count(*) FROM page_image_state) AS pages, (SELECT count(*) FROM recommendation_status) AS statuses, (SELECT string_agg(page_title, ',' ORDER BY page_id) FROM page_image_state) AS titles, to_regclass('sneaky') AS sneaky" });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out[0]!), { pages: 2, statuses: 1, titles: 'Harbour_Light,Breakwater', sneaky: null });
    });

    test('exits 1 with the database\'s message on an SQL error', async () => {
      const r = await query({ db: backend().db, sql: 'SELECT nope FROM page_image_state' });
      assert.equal(r.code, 1);
      assert.match(r.err, /^imagematching-router query: column "nope" does not exist; SQLSTATE 42703/);
    });

    test('reads the statement from stdin with -', async () => {
      const out: string[] = [];
      const code = await queryCommand({ db: backend().db, sql: '-', format: 'json' }, { out: (l) => out.push(l), err: () => undefined, isTTY: false, stdin: Readable.from([Buffer.from("SELECT status FROM recommendation_status\n")]) });
      assert.equal(code, 0);
      assert.deepEqual(out, ['{"status":"rejected"}']);
    });

    test('takes the database from --config', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'imr-query-config-'));
      const file = join(dir, 'config.yaml');
      const database = backend().db.startsWith('postgres') ? `{url: "${backend().db}"}` : `{url: "", embedded_path: "${backend().db}"}`;
      writeFileSync(file, `kafka: {brokers: "127.0.0.1:9"}\ndatabase: ${database}\n`);
      const r = await query({ config: file, sql: 'SELECT count(*) AS n FROM page_image_state' });
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(r.out, ['{"n":2}']);
    });
  });
}

describe('query on both back ends', () => {
  test('prints the same rows in every format from the server and the embedded database', async () => {
    for (const format of ['table', 'json', 'csv']) {
      const sql = "SELECT wiki, page_id, images, illustrated, rev_timestamp, status, reasons FROM page_image_state LEFT JOIN recommendation_status USING (wiki, page_id) ORDER BY page_id";
      const [server, embedded] = await Promise.all(backends.map((b) => query({ db: b.db, sql, format })));
      assert.equal(server!.code, 0, server!.err);
      assert.deepEqual(embedded!.out, server!.out, format);
    }
  });

  test('applies the configured statement timeout on the server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'imr-query-timeout-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `kafka: {brokers: "127.0.0.1:9"}\ndatabase: {url: "${backends[0]!.db}", statement_timeout_ms: 100}\n`);
    const r = await query({ config: file, sql: 'SELECT pg_sleep(30)' });
    assert.equal(r.code, 1);
    assert.match(r.err, /canceling statement due to statement timeout; SQLSTATE 57014/);
  });
});

describe('query usage', () => {
  const cases: [string, Partial<QueryCommandOptions> & { sql: string }, RegExp][] = [
    ['an unknown format', { db: '/tmp', sql: 'SELECT 1', format: 'xml' }, /--format: must be one of table, json, csv/],
    ['both --db and --config', { db: '/tmp', config: 'config.example.yaml', sql: 'SELECT 1' }, /give --config or --db, not both/],
    ['an empty statement', { db: '/tmp', sql: '  ' }, /SQL: is empty/],
    ['a folder without an embedded database', { db: '/nonexistent/pgdata', sql: 'SELECT 1' }, /--db: no embedded database in \/nonexistent\/pgdata/],
    ['a missing configuration file', { config: '/nonexistent/config.yaml', sql: 'SELECT 1' }, /cannot read config file/],
  ];
  for (const [name, opts, message] of cases) {
    test(`exits 2 on ${name}`, async () => {
      const r = await query(opts);
      assert.equal(r.code, 2);
      assert.match(r.err, message);
    });
  }

  test('exits 1 when the server cannot be reached', async () => {
    const r = await query({ db: 'postgres://postgres@127.0.0.1:9/none', sql: 'SELECT 1' });
    assert.equal(r.code, 1);
    assert.match(r.err, /^imagematching-router query: failed: .*ECONNREFUSED/);
  });
});
