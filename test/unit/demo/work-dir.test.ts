// The demo's one folder: replaced on each run, never a folder someone else made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoQueryCommand, demoWorkDir } from '../../../lib/demo/run-demo.ts';

test('each run replaces the one folder: what an earlier run left is gone', () => {
  const root = mkdtempSync(join(tmpdir(), 'imr-demo-dir-'));
  const first = demoWorkDir(root);
  writeFileSync(join(first, 'left-over'), 'x');
  const second = demoWorkDir(root);
  assert.equal(second, first);
  assert.deepEqual(readdirSync(root), ['imagematching-router-demo']);
  assert.equal(existsSync(join(second, 'left-over')), false);
});

test('a folder of that name the demo did not make is refused, not deleted', () => {
  const root = mkdtempSync(join(tmpdir(), 'imr-demo-dir-'));
  mkdirSync(join(root, 'imagematching-router-demo'));
  writeFileSync(join(root, 'imagematching-router-demo', 'precious'), 'x');
  assert.throws(() => demoWorkDir(root), /is not the demo's/);
  assert.equal(existsSync(join(root, 'imagematching-router-demo', 'precious')), true);
});

test('the printed query command quotes what the shell would split', () => {
  assert.equal(
    demoQueryCommand("/tmp/it's here/pgdata", 'SELECT 1'),
    `node bin/imagematching-router.js query --db '/tmp/it'\\''s here/pgdata' 'SELECT 1'`,
  );
});
