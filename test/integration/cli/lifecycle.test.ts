// SIGTERM to the process a user gets from each documented start form stops the router gracefully: it drains,
// logs its shutdown and exits, and no router process is left behind (npm's `sh -c` once orphaned it).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { TEST_DATABASE_URL, uniqueName, waitFor } from '../../helpers/services.ts';
import { REPO } from '../../helpers/router-harness.ts';

/** A running file-source router (follow: true, so only a signal ends it) whose config path is a unique marker. */
function writeConfig(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'imr-lifecycle-'));
  writeFileSync(join(dir, 'rules.yaml'), 'rules:\n  - name: lifecycle_probe\n    topics: [test.events]\n    steps: [drop: {}]\n');
  writeFileSync(join(dir, 'events.ndjson'), `${JSON.stringify({ meta: { stream: 'test.events' }, n: 1 })}\n`);
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `service: {name: ${uniqueName('imr-lifecycle')}}
source: {type: file, state_dir: state, file: {paths: [events.ndjson], follow: true}}
kafka: {shutdown_timeout_ms: 5000}
database: {url: "${TEST_DATABASE_URL}", migrate_on_start: false}
admin: {listen: "127.0.0.1:0"}
rules: {paths: [rules.yaml]}
log: {level: info}
`,
  );
  return { dir, config };
}

/** Pids of live processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(marker)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** The environment of a shell outside npm: a test run under `npm test` must not make every form look npm-started. */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'INIT_CWD'));
}

/** A package that has imagematching-router installed, as npm links its bin: node_modules/.bin → the bin script. */
function installedBin(): string {
  const project = mkdtempSync(join(tmpdir(), 'imr-lifecycle-project-'));
  mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
  const bin = join(project, 'node_modules', '.bin', 'imagematching-router');
  symlinkSync(join(REPO, 'bin', 'imagematching-router.js'), bin);
  return bin;
}

const FORMS: Array<{ name: string; command: (config: string) => [string, string[]] }> = [
  { name: 'node bin/imagematching-router.js run', command: (config) => [process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', config]] },
  { name: 'node_modules/.bin/imagematching-router run', command: (config) => [installedBin(), ['run', '--config', config]] },
  { name: 'npm start -- --config', command: (config) => ['npm', ['start', '--', '--config', config]] },
  { name: 'npx imagematching-router run (in the checkout)', command: (config) => ['npx', ['--no', '--', 'imagematching-router', 'run', '--config', config]] },
];

describe('SIGTERM to the started process stops the router, whatever the start form', () => {
  const leftovers: string[] = [];
  after(() => {
    for (const marker of leftovers) for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
  });

  for (const form of FORMS) {
    test(form.name, async () => {
      const { dir, config } = writeConfig();
      leftovers.push(dir);
      const [command, args] = form.command(config);
      const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: plainEnv() });
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor('the router started', () => output.includes('"msg":"router started"') || undefined, 120_000, 100);

      child.kill('SIGTERM');
      await exited;
      // The router's own process (for npm and npx a grandchild) must follow, after draining: no orphan keeps running.
      await waitFor('no router process left', () => processesWith(dir).length === 0 || undefined, 30_000, 100).catch(() => {
        assert.fail(`router still running after SIGTERM (pids ${processesWith(dir).join(', ')}):\n${output.slice(-2000)}`);
      });
      assert.match(output, /"msg":"shutting down"/, output.slice(-2000));
      assert.match(output, /"msg":"stopped"/, 'the router drained and closed');
    });
  }
});
