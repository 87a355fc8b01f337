// `imagematching-router import-suggestions` as an operator runs it, on the real PostgreSQL: the summary and exit codes,
// and a SIGKILL in the middle of a COPY that must leave no half dataset.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';
import { cassandraRow, runId, writeNdjson } from '../../helpers/suggestion-datasets.ts';

const BIN = join(REPO, 'bin/imagematching-router.js');

describe('import-suggestions on the command line', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  let config: string;
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, 'import-suggestions', ...args], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const count = async (sql: string) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
    } finally {
      await client.end();
    }
  };

  before(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'imr-cli-import-'));
    config = join(dir, 'config.yaml');
    writeFileSync(config, `kafka: {brokers: "127.0.0.1:9092"}\ndatabase: {url: "${database.url}"}\nlog: {level: info}\n`);
  });
  after(async () => {
    await database?.drop();
  });

  test('an import prints one line per dataset, the skipped rows and the totals, and exits 0', () => {
    const id = runId('2024-05-06T07:00:00Z');
    writeNdjson(join(dir, 'run.ndjson'), [cassandraRow(id, 1, 'A.jpg', 0.9), cassandraRow(id, 2, 'B.jpg', 0.4, { wiki: 'dewiki' })], ['{broken']);
    const r = cli('--config', config, join(dir, 'run.ndjson'));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines[0], `dataset ${id} (cassandra, 2024-05-06T07:00:00.000000Z): 2 row(s); enwiki 1, dewiki 1`);
    assert.match(lines[1]!, /^skipped .*run\.ndjson:3: invalid JSON/);
    assert.match(lines[2]!, /^imported 2 row\(s\) of 1 dataset\(s\) from 1 file\(s\) in [\d.]+ s \(\d+ rows\/s\); 1 bad row\(s\) skipped/);
    const finished = r.stderr.split('\n').filter((l) => l.includes('"import-suggestions finished"')).map((l) => JSON.parse(l) as { done: number; summary: Record<string, number> });
    assert.deepEqual([finished.length, finished[0]!.done, finished[0]!.summary.rows, finished[0]!.summary.skipped], [1, 3, 2, 1]);
    const again = cli('--config', config, '--keep', '1', join(dir, 'run.ndjson'));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /2 row\(s\), replacing the earlier import/);
  });

  test('bad usage or configuration exits 2 before touching anything; a failed import exits 1 with the reason', async () => {
    for (const args of [['--config', config, '--keep', '0', join(dir, 'run.ndjson')], ['--config', config, '--max-skipped', 'many', join(dir, 'run.ndjson')], ['--config', join(dir, 'missing.yaml'), join(dir, 'run.ndjson')], ['--config', config]]) {
      const r = cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    }
    const missing = cli('--config', config, join(dir, 'nope.tsv'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^imagematching-router: import failed: .*nope\.tsv: no such file or folder$/m);
    assert.equal(await count('SELECT count(*) AS n FROM image_suggestion'), 2, 'the earlier import is untouched');
  });

  test('a SIGKILL in the middle of an import leaves no half dataset', async () => {
    const id = runId('2024-05-13T07:00:00Z');
    writeNdjson(join(dir, 'big.ndjson'), Array.from({ length: 300_000 }, (_, i) => cassandraRow(id, 10 + i, `Img_${i}.jpg`, 0.5)));
    const child = spawn(process.execPath, [BIN, 'import-suggestions', '--config', config, join(dir, 'big.ndjson')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    // The first progress line says rows are being read (and sent by COPY); kill the process right then.
    await new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (/"msg":"import-suggestions progress"/.test(stderr)) resolve();
      });
      child.on('exit', () => resolve());
    });
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL', `the import was killed, not finished first:\n${stderr}`);
    assert.equal(await count(`SELECT count(*) AS n FROM suggestion_dataset WHERE dataset_id = '${id}'`), 0);
    // The server rolls the transaction back when the connection drops: none of its rows remain, the earlier import does.
    const { rows } = await (async () => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        for (let i = 0; i < 50; i++) {
          const n = await client.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
          if (n.rows[0]!.n === '0') break;
          await new Promise((r) => setTimeout(r, 100));
        }
        return await client.query<{ n: string }>('SELECT count(*) AS n FROM image_suggestion');
      } finally {
        await client.end();
      }
    })();
    assert.equal(Number(rows[0]!.n), 2);
  });
});
