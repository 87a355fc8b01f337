#!/usr/bin/env node
// Compiles lib/ to dist/ (plain JavaScript, what `imagematching-router` runs) and stamps the build, so the entry
// point can tell a current build from a stale one. `npm ci` runs it (prepare); without TypeScript installed
// (npm ci --omit=dev) it says so and the entry point runs the sources through tsx instead.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  console.log('build: TypeScript is not installed; imagematching-router will run lib/ through tsx');
  process.exit(0);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build: tsc failed; imagematching-router will run lib/ through tsx until a build succeeds');
  process.exit(result.status ?? 1);
}
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'BUILD_STAMP'), `${new Date(started).toISOString()}\n`);
console.log(`build: dist/ compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
