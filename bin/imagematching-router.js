#!/usr/bin/env node
// Entry point. Runs the compiled JavaScript in dist/ when it is current (`npm run build`, which `npm ci` runs),
// else the TypeScript sources through tsx. The compiled form starts faster and needs ~90 MB less memory (no
// loader thread, no transpiler); a source file edited after the build always wins, so nothing stale ever runs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function newestSourceMs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function currentBuild() {
  if (process.env.IMR_RUN_SOURCES === '1') return false;
  try {
    const builtAt = Date.parse(readFileSync(join(root, 'dist', 'BUILD_STAMP'), 'utf8').trim());
    return Number.isFinite(builtAt) && newestSourceMs(join(root, 'lib')) < builtAt;
  } catch {
    return false;
  }
}

// A reader that closed early (`query ... | head`) is not an error: stop quietly, as Unix tools do.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

let main;
if (currentBuild()) {
  ({ main } = await import('../dist/lib/cli/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../lib/cli/main.ts'));
}
process.exitCode = await main(process.argv);
