import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSummary, runSummaryText } from '../../../lib/cli/run-summary.ts';
import type { RuleBreakdown, RuleCounts } from '../../../lib/metrics/prometheus-observer.ts';

const counts = (c: Partial<RuleCounts>): RuleCounts => ({
  consumed: 0, matched: 0, succeeded: 0, unmatched: 0, skipped: 0, retried: 0, dead_lettered: 0, ignored: 0, step_retries: 0, step_errors: 0, commit_failures: 0, in_flight: 0, ...c,
});

const tallies = (by: Record<string, [Partial<RuleCounts>, RuleBreakdown]>) => ({
  ruleCounts: (rule: string) => counts(by[rule]?.[0] ?? {}),
  ruleBreakdown: (rule: string) => by[rule]?.[1] ?? { skipped: {}, dead_lettered: {} },
});

describe('runSummary', () => {
  const cases: Array<[string, string[], ReturnType<typeof tallies>, ReturnType<typeof runSummary>['totals']]> = [
    ['no rules, all zeros', [], tallies({}), { consumed: 0, succeeded: 0, unmatched: 0, skipped: 0, retried: 0, dead_lettered: 0 }],
    [
      'totals add up the rules',
      ['a', 'b'],
      tallies({ a: [{ consumed: 10, succeeded: 7, skipped: 2, dead_lettered: 1 }, { skipped: { canary: 2 }, dead_lettered: { 'parse: InvalidEventError': 1 } }], b: [{ consumed: 10, unmatched: 10 }, { skipped: {}, dead_lettered: {} }] }),
      { consumed: 20, succeeded: 7, unmatched: 10, skipped: 2, retried: 0, dead_lettered: 1 },
    ],
  ];
  for (const [name, rules, t, totals] of cases) test(name, () => assert.deepEqual(runSummary(rules, t, 'input fully processed', 1.234).totals, totals));

  test('keeps the breakdowns per rule and rounds the duration', () => {
    const s = runSummary(['a'], tallies({ a: [{ consumed: 3, skipped: 3 }, { skipped: { other_stream: 3 }, dead_lettered: {} }] }), 'signal SIGTERM', 12.345);
    assert.deepEqual(s.rules.a!.skipped_by, { other_stream: 3 });
    assert.equal(s.seconds, 12.3);
  });
});

describe('runSummaryText', () => {
  test('a row per rule, then what was skipped and dead-lettered, by reason', () => {
    const s = runSummary(['rule_a'], tallies({ rule_a: [{ consumed: 12, succeeded: 9, skipped: 2, dead_lettered: 1 }, { skipped: { canary: 2 }, dead_lettered: { 'parse: InvalidEventError': 1 } }] }), 'input fully processed', 2);
    assert.deepEqual(runSummaryText(s), [
      'run ended (input fully processed) after 2 s',
      '  rule  | consumed | succeeded | unmatched | skipped | retried | dead_lettered',
      '--------+----------+-----------+-----------+---------+---------+---------------',
      ' rule_a |       12 |         9 |         0 |       2 |       0 |             1',
      '(1 row)',
      'rule_a: skipped: canary 2',
      'rule_a: dead-lettered: parse: InvalidEventError 1',
    ]);
  });
});
