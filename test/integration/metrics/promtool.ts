// Runs promtool through scripts/promtool.sh (which installs it when missing) for the ops and metrics tests.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../../helpers/router-harness.ts';

export interface PromtoolResult {
  status: number | null;
  output: string;
}

export function promtool(args: string[], input?: string): PromtoolResult {
  const result = spawnSync('bash', [join(REPO, 'scripts/promtool.sh'), ...args], { cwd: REPO, input, encoding: 'utf8', timeout: 600_000 });
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

// prom-client's default metrics name three gauges *_total; that is upstream naming we cannot change, so the
// lint check skips exactly these families and nothing else.
const UPSTREAM_LINT_EXCEPTIONS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export function withoutUpstreamLintExceptions(scrape: string): string {
  return scrape
    .split('\n')
    .filter((line) => !UPSTREAM_LINT_EXCEPTIONS.some((name) => line.startsWith(`${name} `) || line.startsWith(`${name}{`) || line.startsWith(`# HELP ${name} `) || line.startsWith(`# TYPE ${name} `)))
    .join('\n');
}
