// The summary a run logs as it ends (a file replay's account of what happened): per rule, events consumed, succeeded,
// unmatched, skipped by reason, retried, dead-lettered by step and error class, and how long it took. Pure.
import type { Logger } from '../log.ts';
import type { RuleBreakdown, RuleCounts } from '../metrics/prometheus-observer.ts';
import { textTable } from './text-table.ts';

export interface RuleSummary {
  consumed: number;
  succeeded: number;
  unmatched: number;
  skipped: number;
  skipped_by: Record<string, number>;
  retried: number;
  dead_lettered: number;
  /** Keyed `step: ErrorClass`. */
  dead_lettered_by: Record<string, number>;
}

export interface RunSummary {
  reason: string;
  seconds: number;
  totals: Omit<RuleSummary, 'skipped_by' | 'dead_lettered_by'>;
  rules: Record<string, RuleSummary>;
}

/** Where the tallies come from: the PrometheusObserver's counts since start. */
export interface RunTallies {
  ruleCounts(rule: string): RuleCounts;
  ruleBreakdown(rule: string): RuleBreakdown;
}

const COUNTED = ['consumed', 'succeeded', 'unmatched', 'skipped', 'retried', 'dead_lettered'] as const;

export function runSummary(rules: readonly string[], tallies: RunTallies, reason: string, seconds: number): RunSummary {
  const totals = { consumed: 0, succeeded: 0, unmatched: 0, skipped: 0, retried: 0, dead_lettered: 0 };
  const byRule: Record<string, RuleSummary> = {};
  for (const rule of rules) {
    const counts = tallies.ruleCounts(rule);
    const breakdown = tallies.ruleBreakdown(rule);
    const summary = { ...totals, skipped_by: breakdown.skipped, dead_lettered_by: breakdown.dead_lettered };
    for (const key of COUNTED) {
      summary[key] = counts[key];
      totals[key] += counts[key];
    }
    byRule[rule] = summary;
  }
  return { reason, seconds: Math.round(seconds * 10) / 10, totals, rules: byRule };
}

const breakdownText = (counts: Record<string, number>) => Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(', ');

/** The summary as a table for a terminal: a row per rule, then the skips and dead letters broken down. */
export function runSummaryText(summary: RunSummary): string[] {
  const rows = Object.entries(summary.rules).map(([rule, s]) => [rule, ...COUNTED.map((k) => s[k])]);
  const lines = [`run ended (${summary.reason}) after ${summary.seconds} s`, ...textTable(['rule', ...COUNTED], rows)];
  for (const [rule, s] of Object.entries(summary.rules)) {
    if (s.skipped > 0) lines.push(`${rule}: skipped: ${breakdownText(s.skipped_by)}`);
    if (s.dead_lettered > 0) lines.push(`${rule}: dead-lettered: ${breakdownText(s.dead_lettered_by)}`);
  }
  return lines;
}

/** Logs the summary as one line, and on a terminal also prints it as a table on `stream`. */
export function logRunSummary(summary: RunSummary, log: Logger, stream: NodeJS.WritableStream, isTTY: boolean): void {
  log.info({ summary }, 'run summary');
  if (isTTY) stream.write(`${runSummaryText(summary).join('\n')}\n`);
}
