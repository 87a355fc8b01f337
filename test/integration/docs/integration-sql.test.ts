// Runs docs/integration.md as a reader would: every ```sql block in document order against a freshly migrated
// database with seeded state, then its psql and curl commands; checks what the key batch and serving queries return.
import { startReadOnlyAdmin } from '../../helpers/admin-server.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import type { AdminServer } from '../../../lib/admin/server.ts';
import { createTestDatabase } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';
import { readCodeBlocks, runShell, shellCommands, sqlStatements, type CodeBlock } from '../../helpers/doc-snippets.ts';
import { SuggestionImporter } from '../../../lib/suggestions/importer.ts';
import { cassandraRow, runId, writeNdjson } from '../../helpers/suggestion-datasets.ts';

const DOC = join(REPO, 'docs/integration.md');

type Row = Record<string, unknown>;

/** The state a month of events could leave: one page per case the batch job must get right. */
const SEED = `
INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, rev_timestamp, images, illustrated, illustrated_by_suggestion, updated_at) VALUES
  ('enwiki', 100, 'Douglas_Adams',   2001, '2024-05-03T10:00:00Z', '{Douglas_adams_portrait.jpg}', true,  false, '2024-05-03T10:00:05Z'),
  ('enwiki', 101, 'Lost_its_image',  2002, '2024-05-04T10:00:00Z', '{}',                           false, NULL,  '2024-05-04T10:00:05Z'),
  ('enwiki', 104, 'Tower_Bridge',    2004, '2024-05-06T12:00:00Z', '{Bridge.jpg}',                 true,  true,  '2024-05-06T12:00:05Z'),
  ('enwiki', 105, 'Illustrated_long_ago', 1005, '2024-04-20T08:00:00Z', '{Old_map.png}',           true,  false, '2024-04-20T08:00:05Z'),
  ('enwiki', 106, 'Plain_page',      2006, '2024-05-02T09:00:00Z', '{}',                           false, NULL,  '2024-05-10T00:00:00Z');
INSERT INTO image_change (wiki, page_id, rev_id, image, change, rev_timestamp, by_suggestion, event_id, recorded_at) VALUES
  ('enwiki', 100, 1500, 'Early.jpg',                  'added',   '2024-02-28T00:00:00Z', false, 'e1', '2024-03-01T00:00:00Z'),
  ('enwiki', 104, 1504, 'Bridge.jpg',                 'added',   '2024-02-28T00:00:00Z', true,  'e2', '2024-03-01T00:00:00Z'),
  ('enwiki', 100, 2001, 'Douglas_adams_portrait.jpg', 'added',   '2024-05-03T10:00:00Z', false, 'e3', '2024-05-03T10:00:05Z'),
  ('enwiki', 101, 2002, 'Old.jpg',                    'removed', '2024-05-04T10:00:00Z', false, 'e4', '2024-05-04T10:00:05Z');
INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt, rev_id, event_id, updated_at) VALUES
  ('enwiki', 100, 'Douglas_adams_portrait.jpg', 'applied',  '{}',            'mediawiki.revision-create',           '2024-05-03T10:00:00Z', 2001, 'e3', '2024-05-03T10:00:05Z'),
  ('enwiki', 101, 'Old.jpg',                    'removed',  '{}',            'mediawiki.revision-create',           '2024-05-04T10:00:00Z', 2002, 'e4', '2024-05-04T10:00:05Z'),
  ('enwiki', 102, 'Cat.jpg',                    'rejected', '{notrelevant}', 'mediawiki.image_suggestions_feedback', '2024-05-05T10:00:00Z', NULL, 'f1', '2024-05-05T10:00:05Z'),
  ('enwiki', 103, 'Dog.jpg',                    'undecided','{unfamiliar}',  'mediawiki.image_suggestions_feedback', '2024-05-05T11:00:00Z', NULL, 'f2', '2024-05-05T11:00:05Z'),
  ('enwiki', 104, 'Bridge.jpg',                 'accepted', '{}',            'mediawiki.image_suggestions_feedback', '2024-05-06T11:59:00Z', NULL, 'f3', '2024-05-06T11:59:05Z'),
  ('dewiki', 200, 'Haus.jpg',                   'rejected', '{lowquality}',  'mediawiki.image_suggestions_feedback', '2024-04-10T10:00:00Z', NULL, 'f4', '2024-04-10T10:00:05Z');
INSERT INTO unprocessable_event (wiki, ref, reason, page_id, stream, event_id, recorded_at) VALUES
  ('enwiki', 'rev:3000', 'revision_hidden',  107, NULL, 'e5', '2024-03-01T00:00:00Z'),
  ('enwiki', 'rev:3001', 'revision_missing', 108, NULL, 'e6', now());
-- The model's output, as the batch job loads it next to the exclusions.
CREATE TABLE image_suggestions (wiki text, page_id bigint, page_title text, image text, confidence_rating text, source text, dataset_id text);
INSERT INTO image_suggestions VALUES
  ('enwiki', 100, 'Douglas_Adams',  'Some.jpg',    'high',   'wikidata',  '2024-05'),
  ('enwiki', 101, 'Lost_its_image', 'Old.jpg',     'medium', 'wikipedia', '2024-05'),
  ('enwiki', 101, 'Lost_its_image', 'New.jpg',     'medium', 'commons',   '2024-05'),
  ('enwiki', 102, 'Cats',           'Cat.jpg',     'high',   'wikidata',  '2024-05'),
  ('enwiki', 102, 'Cats',           'Kitten.jpg',  'low',    'commons',   '2024-05'),
  ('enwiki', 103, 'Dogs',           'Dog.jpg',     'high',   'wikidata',  '2024-05'),
  ('enwiki', 106, 'Plain_page',     'Plain.jpg',   'low',    'commons',   '2024-05'),
  ('enwiki', 102, 'Cats',           'Cat.jpg',     'high',   'wikidata',  '2024-04')`;

function blockNamed(blocks: CodeBlock[], name: string): CodeBlock {
  const block = blocks.find((b) => b.name === name);
  assert.ok(block, `docs/integration.md has no \`\`\`sql ${name} block (tests refer to it by that name)`);
  return block;
}

const pairs = (rows: Row[]) => rows.map((r) => `${String(r.page_id)}:${r.image === null ? '*' : String(r.image)}:${String(r.reason ?? r.status ?? '')}`);

describe('docs/integration.md runs against the real schema', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: Pool;
  const sqlBlocks = readCodeBlocks(DOC, 'sql');
  /** Result rows of each statement of each block, by block name. */
  const results = new Map<string, Row[][]>();

  async function runBlock(block: CodeBlock): Promise<Row[][]> {
    const client = await pool.connect();
    try {
      const out: Row[][] = [];
      for (const statement of sqlStatements(block.code)) {
        try {
          out.push((await client.query(statement)).rows as Row[]);
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`${block.file}:${block.line} (${block.name ?? 'sql'}): ${(err as Error).message}\n${statement}`, { cause: err });
        }
      }
      return out;
    } finally {
      client.release();
    }
  }

  before(async () => {
    database = await createTestDatabase();
    pool = createPool({ url: database.url, pool_size: 4, statement_timeout_ms: 10_000 });
    await migrate(pool);
    await pool.query(SEED);
  });
  after(async () => {
    await pool?.end();
    await database?.drop();
  });

  test('every sql block is named and runs without error, in document order', async () => {
    assert.ok(sqlBlocks.length >= 8, `expected the batch and serving queries, found ${sqlBlocks.length} sql blocks`);
    for (const block of sqlBlocks) {
      assert.ok(block.name, `${block.file}:${block.line}: give the sql block a name (\`\`\`sql some-name) so tests can refer to it`);
      if (block.name === 'serving-delta') {
        // A decision made after the batch job read the state: the delta must carry it, and nothing older.
        await pool.query(
          `INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt)
           VALUES ('enwiki', 106, 'Plain.jpg', 'rejected', '{offensive}', 'mediawiki.image_suggestions_feedback', now())`,
        );
      }
      results.set(block.name, await runBlock(block));
    }
  });

  test('reading the state is idempotent: running it again replaces the dataset rows instead of adding to them', async () => {
    await runBlock(blockNamed(sqlBlocks, 'batch-read-state'));
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM imagematching_batch.exclusions_delivered WHERE dataset_id = '2024-05'`);
    const { rows: view } = await pool.query('SELECT count(*)::int AS n FROM recommendation_exclusions');
    assert.equal(rows[0].n, view[0].n);
  });

  test('the exclusion list holds the illustrated pages and the decided pairs, not the undecided one', () => {
    const rows = results.get('batch-exclusions')!.at(-1)!;
    assert.deepEqual(pairs(rows), [
      '100:*:illustrated',
      '100:Douglas_adams_portrait.jpg:applied',
      '101:Old.jpg:removed',
      '102:Cat.jpg:rejected',
      '104:*:illustrated',
      '104:Bridge.jpg:accepted',
      '105:*:illustrated',
    ]);
    assert.ok(rows.every((r) => r.wiki === 'enwiki' && r.since instanceof Date));
  });

  test('the anti-join keeps only suggestions that are still valid', () => {
    const rows = results.get('batch-apply')!.at(-1)!;
    assert.deepEqual(
      rows.map((r) => `${String(r.page_id)}:${String(r.image)}`),
      ['101:New.jpg', '102:Kitten.jpg', '103:Dog.jpg', '106:Plain.jpg'],
    );
  });

  test('the window query counts what happened after the snapshot, by reason', () => {
    const rows = results.get('batch-window')!.at(-1)!;
    assert.deepEqual(
      rows.map((r) => [r.reason, Number(r.after_snapshot), Number(r.total)]),
      [
        ['accepted', 1, 1],
        ['applied', 1, 1],
        ['illustrated', 2, 3],
        ['rejected', 1, 1],
        ['removed', 1, 1],
      ],
    );
  });

  test('the re-opened pages are those that lost their images after the snapshot', () => {
    const rows = results.get('batch-reopened')!.at(-1)!;
    assert.deepEqual(rows.map((r) => Number(r.page_id)), [101]);
  });

  test('publishing archives old image changes but keeps those illustrated_by_suggestion depends on', async () => {
    const kept = await pool.query(`SELECT image FROM image_change ORDER BY image`);
    assert.deepEqual(kept.rows.map((r) => r.image), ['Bridge.jpg', 'Douglas_adams_portrait.jpg', 'Old.jpg']);
    const archived = await pool.query(`SELECT image FROM imagematching_batch.image_change_archive`);
    assert.deepEqual(archived.rows.map((r) => r.image), ['Early.jpg']);
    const unprocessable = await pool.query(`SELECT ref FROM unprocessable_event`);
    assert.deepEqual(unprocessable.rows.map((r) => r.ref), ['rev:3001']);
    const run = await pool.query(`SELECT published_at FROM imagematching_batch.dataset_run WHERE dataset_id = '2024-05'`);
    assert.ok(run.rows[0].published_at instanceof Date);
  });

  test('the per-request query returns the rejected pair of the page', () => {
    assert.deepEqual(results.get('serving-page')!.at(-1), [{ image: 'Cat.jpg', reason: 'rejected' }]);
  });

  test('the delta since the dataset read carries the later decision and nothing older', () => {
    const rows = results.get('serving-delta')!.at(-1)!;
    assert.deepEqual(pairs(rows), ['106:Plain.jpg:rejected']);
  });

  test('the un-illustrated poll returns pages written after the read that show no image', () => {
    const rows = results.get('serving-unillustrated')!.at(-1)!;
    assert.deepEqual(rows.map((r) => Number(r.page_id)), [106]);
  });

  describe('the shell commands of docs/integration.md', () => {
    let server: AdminServer;
    const commands = shellCommands(readCodeBlocks(DOC, 'sh'));

    before(async () => {
      // The week's dataset as the router imports it (the Cassandra shape): the same suggestions as image_suggestions.
      const dir = mkdtempSync(join(tmpdir(), 'imr-docs-dataset-'));
      const id = runId('2024-05-06T07:00:00Z');
      writeNdjson(join(dir, 'run.ndjson'), [
        cassandraRow(id, 100, 'Some.jpg', 0.9), cassandraRow(id, 101, 'Old.jpg', 0.5), cassandraRow(id, 101, 'New.jpg', 0.6),
        cassandraRow(id, 102, 'Cat.jpg', 0.9), cassandraRow(id, 102, 'Kitten.jpg', 0.2), cassandraRow(id, 103, 'Dog.jpg', 0.9), cassandraRow(id, 106, 'Plain.jpg', 0.2),
      ]);
      await new SuggestionImporter({ pool }).importPaths([join(dir, 'run.ndjson')]);
      server = await startReadOnlyAdmin(pool);
    });
    after(async () => {
      await server?.close();
    });

    const sh = (command: string, cwd: string) => runShell(command, { cwd, env: { ...process.env, DATABASE_URL: database.url }, timeoutMs: 30_000 });

    test('every command is psql or curl (the kinds this file runs)', () => {
      assert.ok(commands.length > 0);
      for (const c of commands) assert.ok(['psql', 'curl'].includes(c.words[0]!), `${c.block.file}:${c.block.line}: not run by any test: ${c.text}`);
    });

    test('the psql export writes the dataset exclusions as TSV', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'imr-docs-psql-'));
      for (const c of commands.filter((x) => x.words[0] === 'psql')) {
        const r = await sh(c.text, cwd);
        assert.equal(r.code, 0, `${c.text}\n${r.stderr}`);
        const file = c.text.match(/TO '([^']+)'/)?.[1];
        assert.ok(file, 'the export names its file');
        const lines = readFileSync(join(cwd, file), 'utf8').trim().split('\n');
        assert.equal(lines[0], 'wiki\tpage_id\timage\treason\tsince');
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM imagematching_batch.exclusions_delivered WHERE dataset_id = '2024-05'`);
        assert.equal(lines.length - 1, rows[0].n);
        assert.ok(lines.some((l) => l.startsWith('enwiki\t102\tCat.jpg\trejected\t')), lines.join('\n'));
        assert.ok(lines.some((l) => l.startsWith('dewiki\t200\tHaus.jpg\trejected\t')), lines.join('\n'));
      }
    });

    test('the admin API look-ups answer with the seeded state', async () => {
      const cwd = mkdtempSync(join(tmpdir(), 'imr-docs-curl-'));
      const curls = commands.filter((x) => x.words[0] === 'curl');
      assert.ok(curls.length >= 4);
      for (const c of curls) {
        assert.match(c.text, /127\.0\.0\.1:8686/, 'the docs use the default admin address');
        const r = await sh(c.text.replaceAll('127.0.0.1:8686', `127.0.0.1:${server.port}`), cwd);
        assert.equal(r.code, 0, `${c.text}\n${r.stderr}`);
        if (c.text.includes('/v1/pages/enwiki/102')) {
          assert.deepEqual(JSON.parse(r.stdout), { illustrated: null, statuses: [{ image: 'Cat.jpg', status: 'rejected' }] });
        } else if (c.text.includes('/v1/recommendations')) {
          const items = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
          assert.deepEqual(items, [
            { page_id: 102, image: 'Cat.jpg', status: 'rejected' },
            { page_id: 106, image: 'Plain.jpg', status: 'rejected' },
          ]);
        } else if (c.text.includes('/v1/suggestions/enwiki/102')) {
          // Cat.jpg was rejected: only the other suggestion of the page is served.
          assert.deepEqual(JSON.parse(r.stdout), { image: 'Kitten.jpg', confidence: 0.2, id: runId('2024-05-06T07:00:00Z') });
        } else if (c.text.includes('/v1/suggestions/enwiki?')) {
          // 100 and 104 are illustrated, 106's only suggestion was rejected after the batch read: three pages remain.
          const items = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
          assert.deepEqual(items, [
            { page_id: 101, page_title: null, suggestions: 1 },
            { page_id: 102, page_title: null, suggestions: 1 },
            { page_id: 103, page_title: null, suggestions: 1 },
          ]);
        } else {
          assert.fail(`no expectation for ${c.text}`);
        }
      }
    });
  });
});
