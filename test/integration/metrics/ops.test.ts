import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { createMetrics } from '../../../lib/metrics/index.ts';
import { REPO } from '../../helpers/router-harness.ts';
import { parsePrometheusText } from '../../helpers/prometheus-text.ts';
import { promtool } from './promtool.ts';

const ALERTS = join(REPO, 'ops/prometheus/alerts.yaml');
const ALERT_TESTS = join(REPO, 'ops/prometheus/alerts.test.yaml');
const DASHBOARD = join(REPO, 'ops/grafana/imagematching-router.json');

/** Every series name a scrape of the router can contain: families, plus the _bucket/_sum/_count of histograms. */
async function exposedNames(): Promise<Set<string>> {
  const scrape = parsePrometheusText(await createMetrics().registry.metrics());
  const names = new Set<string>();
  for (const [family, type] of scrape.types) {
    names.add(family);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${family}${suffix}`);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(`${family}${suffix}`);
  }
  return names;
}

/** Metric names an expression uses (ours and the process ones; `up` comes from Prometheus itself). */
function metricsIn(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...withoutStrings.matchAll(/\b(?:imagematching_router_|process_|nodejs_)[a-zA-Z0-9_:]*/g)].map((m) => m[0]);
}

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
}

const dashboard = () => JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { uid: string; panels: Panel[]; templating: { list: Array<{ name: string }> } };
const alertRules = () =>
  (yaml.load(readFileSync(ALERTS, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }> }> }).groups.flatMap(
    (g) => g.rules,
  );

describe('ops files', () => {
  test('promtool check rules accepts the alert rules', () => {
    const result = promtool(['check', 'rules', ALERTS]);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /SUCCESS: \d+ rules found/);
  });

  test('the alert unit tests pass under promtool test rules', () => {
    const result = promtool(['test', 'rules', ALERT_TESTS]);
    assert.equal(result.status, 0, result.output);
  });

  test('every alert uses only metrics the router exposes and links to its runbook section', async () => {
    const names = await exposedNames();
    const docs = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
    for (const rule of alertRules()) {
      for (const metric of metricsIn(rule.expr)) assert.ok(names.has(metric), `${rule.alert} uses unknown metric ${metric}`);
      assert.equal(rule.annotations.runbook_url, `docs/operations.md#${rule.alert.toLowerCase()}`);
      assert.ok(docs.includes(`### ${rule.alert}`), `docs/operations.md has a section for ${rule.alert}`);
    }
  });

  test('every dashboard query uses only metrics the router exposes and is valid PromQL', async () => {
    const names = await exposedNames();
    const board = dashboard();
    const exprs = board.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
    assert.ok(exprs.length >= 20, `dashboard has ${exprs.length} queries`);
    for (const { panel, expr } of exprs) {
      const used = metricsIn(expr);
      assert.ok(used.length > 0 || expr.startsWith('up{'), `${panel}: query uses no router metric`);
      for (const metric of used) assert.ok(names.has(metric), `${panel}: unknown metric ${metric}`);
    }
    // promtool parses PromQL when it checks recording rules: one rule per query, Grafana variables filled in.
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map(({ expr }, i) => ({
            record: `dashboard:query_${i}`,
            expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$rule', '.*').replaceAll('$instance', '.*'),
          })),
        },
      ],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'imr-dashboard-')), 'dashboard-queries.yaml');
    writeFileSync(file, yaml.dump(rules));
    const result = promtool(['check', 'rules', file]);
    assert.equal(result.status, 0, result.output);
  });

  test('the dashboard has unique panel ids and defines the variables its queries use', () => {
    const board = dashboard();
    const ids = board.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const variables = new Set(board.templating.list.map((v) => v.name));
    const text = readFileSync(DASHBOARD, 'utf8');
    for (const [, name] of text.matchAll(/\$\{?([a-z_]+)\}?/g)) {
      if (name!.startsWith('__')) continue;
      assert.ok(variables.has(name!), `variable $${name} is defined`);
    }
  });

  test('docs/operations.md describes every metric the router exposes', async () => {
    const docs = readFileSync(join(REPO, 'docs/operations.md'), 'utf8');
    const scrape = parsePrometheusText(await createMetrics({ defaultMetrics: false }).registry.metrics());
    for (const family of scrape.types.keys()) assert.ok(docs.includes(`\`${family}\``), `${family} is documented`);
  });
});
