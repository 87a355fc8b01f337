// docs/state.md as an operator runs it with `imagematching-router query`: every ```sql block is one read-only
// statement that runs on the embedded database and on the PostgreSQL server with the same rows, and answers what
// the text says; its `query` command lines run as written (the embedded path and the config swapped for test ones).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryCommand } from '../../../lib/cli/query-command.ts';
import { createPool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { createTestDatabase } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';
import { readCodeBlocks, runShell, shellCommands, sqlStatements } from '../../helpers/doc-snippets.ts';

const DOC = join(REPO, 'docs/state.md');

const SEED = `
INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion, updated_at) VALUES
  ('enwiki', 1, 'Harbour_Light', 20, '2024-05-03T10:00:00Z', '{Harbour.jpg}', true, true, now()),
  ('enwiki', 3, 'Breakwater', 21, '2024-05-03T11:00:00Z', '{Wall.jpg}', true, false, now()),
  ('dewiki', 7, 'Mole', 22, '2024-05-03T12:00:00Z', '{}', false, NULL, now());
INSERT INTO image_change (wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id) VALUES
  ('enwiki', 1, 10, 'Pier.jpg', 'added', '2024-05-01T10:00:00Z', true, 'e1'),
  ('enwiki', 1, 15, 'Pier.jpg', 'removed', '2024-05-02T10:00:00Z', false, 'e2'),
  ('enwiki', 1, 20, 'Harbour.jpg', 'added', '2024-05-03T10:00:00Z', true, 'e3');
INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt, updated_at) VALUES
  ('enwiki', 2, 'B.jpg', 'rejected', '{notrelevant}', 'mediawiki.image_suggestions_feedback', '2024-05-05T10:00:00Z', now()),
  ('enwiki', 2, 'Old.jpg', 'accepted', '{}', 'mediawiki.image_suggestions_feedback', '2024-03-01T10:00:00Z', now() - interval '60 days')`;

type Row = Record<string, unknown>;

describe('docs/state.md through `imagematching-router query`', () => {
  const blocks = readCodeBlocks(DOC, 'sql');
  const dir = mkdtempSync(join(tmpdir(), 'imr-docs-state-'));
  const embedded = join(dir, '.data/pgdata');
  let server: Awaited<ReturnType<typeof createTestDatabase>>;
  const results = new Map<string, { embedded: string[]; server: string[] }>();

  async function query(db: string, sql: string): Promise<string[]> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await queryCommand({ db, sql, format: 'json' }, { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false });
    assert.equal(code, 0, `${sql}\n${err.join('\n')}`);
    return out;
  }
  const rows = (name: string): Row[] => results.get(name)!.embedded.map((l) => JSON.parse(l) as Row);

  before(async () => {
    server = await createTestDatabase();
    for (const options of [{ url: server.url, pool_size: 1, statement_timeout_ms: 0 }, { url: '', pool_size: 1, statement_timeout_ms: 0, embedded_path: embedded }]) {
      const pool = createPool(options);
      await migrate(pool);
      await pool.query(SEED);
      await pool.end();
    }
  });
  after(async () => {
    await server?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('every sql block is named, one statement, and gives the same rows on the embedded database and the server', async () => {
    assert.ok(blocks.length >= 5);
    for (const block of blocks) {
      assert.ok(block.name, `${block.file}:${block.line}: name the sql block`);
      assert.equal(sqlStatements(block.code).length, 1, `${block.file}:${block.line}: \`query\` runs one statement`);
      const [onEmbedded, onServer] = [await query(embedded, block.code), await query(server.url, block.code)];
      assert.deepEqual(onEmbedded, onServer, block.name);
      results.set(block.name, { embedded: onEmbedded, server: onServer });
    }
  });

  test('the exclusions of a wiki are its illustrated pages and its decided pairs, in page order', () => {
    assert.deepEqual(rows('state-exclusions').map((r) => `${String(r.page_id)}:${r.image === null ? '*' : String(r.image)}:${String(r.reason)}`), ['1:*:illustrated', '2:B.jpg:rejected', '2:Old.jpg:accepted', '3:*:illustrated']);
  });

  test('the candidate filter keeps only candidates that are still valid', () => {
    // Page 1 is illustrated; page 2's B.jpg was rejected: nothing of the example's two candidates remains.
    assert.deepEqual(rows('state-candidates'), []);
  });

  test('the change listing holds the recent statuses only', () => {
    assert.deepEqual(rows('state-changes').map((r) => `${String(r.page_id)}:${String(r.image)}:${String(r.status)}`), ['2:B.jpg:rejected']);
  });

  test('pages are counted as illustrated through a suggestion or externally, per wiki', () => {
    assert.deepEqual(rows('state-illustrated'), [
      { wiki: 'dewiki', through_suggestion: 0, externally: 0 },
      { wiki: 'enwiki', through_suggestion: 1, externally: 1 },
    ]);
  });

  test('an image added through a suggestion and removed later is listed', () => {
    assert.deepEqual(rows('state-removed-again'), [{ wiki: 'enwiki', page_id: 1, image: 'Pier.jpg', added_in: 10, removed_in: 15 }]);
  });

  test('the documented `query` command lines run as written', async () => {
    const lines = shellCommands(readCodeBlocks(DOC, 'sh')).filter((c) => c.words[1] === 'bin/imagematching-router.js' && c.words[2] === 'query');
    assert.ok(lines.length >= 3);
    const exclusions = readCodeBlocks(DOC, 'sql').find((b) => b.name === 'state-exclusions')!;
    writeFileSync(join(dir, 'exclusions.sql'), exclusions.code);
    for (const c of lines) {
      // The CLI through its bin file; the example configuration from the repository, its database the test server.
      const line = c.text.replace('node bin/imagematching-router.js', `node ${JSON.stringify(join(REPO, 'bin/imagematching-router.js'))}`).replace('config.example.yaml', join(REPO, 'config.example.yaml'));
      const r = await runShell(line, { cwd: dir, env: { ...process.env, DATABASE_URL: server.url }, timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${c.text}\n${r.stderr}`);
      if (c.text.includes('count(*) AS pages')) assert.equal(r.stdout.trim(), '{"pages":3}');
      else if (c.text.includes('--format csv')) {
        const csv = readFileSync(join(dir, 'exclusions.csv'), 'utf8').trim().split('\n');
        assert.equal(csv[0], 'page_id,image,reason,since');
        assert.ok(csv.some((l) => l.startsWith('2,B.jpg,rejected,')), csv.join('\n'));
      } else assert.ok(r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row).some((x) => x.reason === 'rejected'), r.stdout);
    }
  });
});
