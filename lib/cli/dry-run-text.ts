// Human-readable text of `imagematching-router test`: a dry-run report per event, and the result of rule tests
// with a diff (expected against actual, per path) for each mismatch. Pure: returns lines.
import yaml from 'js-yaml';
import type { DryRunReport, RuleDryRun, StepDryRun } from '../rules/dry-run.ts';
import { describeOutcome } from '../rules/rule-tests.ts';
import type { Mismatch } from '../rules/rule-tests.ts';
import { formatFailure } from '../rules/explain-match.ts';

const indent = (lines: string[], by: string): string[] => lines.map((l) => (l === '' ? l : `${by}${l}`));

function yamlLines(value: unknown): string[] {
  if (value !== null && typeof value === 'object' && Object.keys(value).length === 0) return ['{}'];
  return yaml.dump(value, { lineWidth: -1, noRefs: true, sortKeys: false }).trimEnd().split('\n');
}

function stepLines(step: StepDryRun, index: number): string[] {
  const head = `${index + 1}. ${step.name}${step.name === step.handler ? '' : ` (${step.handler})`}`;
  if (!step.reached) return [`${head}: not reached (an earlier step always ends the chain)`];
  const stop = step.stops === 'always' ? ` — ends the chain here (${step.when})` : step.stops === 'may' ? ` — may stop here: ${step.when}` : '';
  const condition = step.condition === undefined ? '' : ` — only when ${JSON.stringify(step.condition.when)}: ${step.condition.holds === 'unknown' ? 'unknown in a dry run (it reads results or source)' : step.condition.holds === 'yes' ? 'holds' : 'does not hold, skipped'}`;
  const lines = [`${head}${stop}${condition}`, ...indent(yamlLines(step.options), '     ')];
  if (step.unresolved.length > 0) lines.push(`     unresolved in a dry run: ${step.unresolved.join(', ')}`);
  return lines;
}

function ruleLines(r: RuleDryRun): string[] {
  const name = `${r.rule}${r.enabled ? '' : ' (disabled: not consumed)'}`;
  if (r.outcome === 'other_stream') return [`${name}: ${describeOutcome(r)}`];
  if (r.outcome === 'canary') return [`${name}: dropped as a canary (meta.domain canary; the rule does not set canary: true)`];
  if (r.outcome === 'unmatched') return [`${name}: unmatched`, ...r.failures.map((f) => `  ${formatFailure(f)}`)];
  const key = r.keyUnresolved ? `${r.key} (unresolved: it reads results or source)` : r.key === null ? 'none (renders empty: the Kafka message key is used)' : JSON.stringify(r.key);
  const lines = [`${name}: matched`, `  key: ${key}`];
  const captures = yamlLines(r.captures);
  lines.push(captures.length === 1 ? `  captures: ${captures[0]}` : '  captures:', ...(captures.length === 1 ? [] : indent(captures, '    ')));
  lines.push('  steps:', ...indent(r.steps.flatMap(stepLines), '    '));
  const run = r.steps
    .filter((s) => s.reached && s.condition?.holds !== 'no')
    .map((s) => (s.stops === 'may' ? `${s.name} (may stop here)` : s.condition?.holds === 'unknown' ? `${s.name} (if its when holds)` : s.name));
  lines.push(`  would run: ${run.join(' → ')}`);
  return lines;
}

/** The dry run of one event: a header naming where it came from and its stream, then each rule. */
export function dryRunText(report: DryRunReport, where: string): string[] {
  const stream = report.stream === null ? 'no stream' : `stream ${report.stream}${report.streamFrom === 'meta.stream' ? ' (its meta.stream)' : ''}`;
  const lines = [`${where} on ${stream}${report.canary ? ', a canary event' : ''}`];
  if (report.note) lines.push(`  ${report.note}`);
  lines.push(...indent(report.rules.flatMap(ruleLines), '  '));
  if (report.rules.some((r) => r.outcome === 'matched' && r.steps.some((s) => s.unresolved.length > 0))) {
    lines.push('  (templates reading results of earlier steps or the Kafka coordinates stay as written: a dry run runs no step)');
  }
  return lines;
}

/** A mismatch as a diff: the path, then what the test expects and what the dry run shows. */
export function mismatchLines(m: Mismatch): string[] {
  return [`${m.path}:`, `  expected: ${m.expected}`, `  actual:   ${m.actual}`];
}
