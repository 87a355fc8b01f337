import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, redriveTable, RedriveGroups, type RedriveFilter } from '../../../lib/cli/redrive-report.ts';
import { redriveClusters } from '../../../lib/cli/redrive-command.ts';
import { parseDeadLetter, type DeadLetterEnvelope } from '../../../lib/engine/parking.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import type { ResolvedRule } from '../../../lib/rules/schema.ts';

const letter = (rule: string, step: string, errorClass: string, failedAt: string): DeadLetterEnvelope =>
  parseDeadLetter(Buffer.from(JSON.stringify({ service: 's', rule, step, error: { class: errorClass, message: 'm' }, failed_at: failedAt, source: { topic: 't', partition: 0, offset: 1 }, original: { value: '{}' } })));

describe('decide', () => {
  const http = letter('a', 'http', 'PermanentError', '2026-11-25T10:00:00.000Z');
  const parse = letter('a', 'parse', 'InvalidEventError', '2026-11-25T10:00:00.000Z');
  const cases: Array<[string, DeadLetterEnvelope, RedriveFilter, ReturnType<typeof decide>]> = [
    ['no filter: redrive', http, {}, 'redrive'],
    ['another rule', http, { rule: 'b' }, 'filtered'],
    ['the error class asked for', http, { errorClass: 'PermanentError' }, 'redrive'],
    ['another error class', http, { errorClass: 'TransientError' }, 'filtered'],
    ['failed before --since', http, { since: new Date('2026-11-25T11:00:00Z') }, 'filtered'],
    ['--until is excluded', http, { until: new Date('2026-11-25T10:00:00Z') }, 'filtered'],
    ['an unparseable event is left alone', parse, {}, 'unparseable'],
    ['unless asked for', parse, { includeUnparseable: true }, 'redrive'],
    ['filters apply before: an unparseable letter of another rule is just filtered', parse, { rule: 'b' }, 'filtered'],
  ];
  for (const [name, envelope, filter, expected] of cases) test(name, () => assert.equal(decide(envelope, filter), expected));
});

describe('the redrive table', () => {
  test('groups by rule, error class and action, with the first and last failure', () => {
    const groups = new RedriveGroups();
    groups.add(letter('b', 'http', 'PermanentError', '2026-11-25T12:00:00.000Z'), 'redrive');
    groups.add(letter('a', 'http', 'PermanentError', '2026-11-25T12:00:00.000Z'), 'redrive');
    groups.add(letter('a', 'http', 'PermanentError', '2026-11-25T08:00:00.000Z'), 'redrive');
    groups.add(letter('a', 'parse', 'InvalidEventError', '2026-11-25T09:00:00.000Z'), 'unparseable');
    assert.deepEqual(redriveTable(groups.list(), true), [
      ' rule |    error class    | letters |       first failed       |       last failed        |          action',
      '------+-------------------+---------+--------------------------+--------------------------+--------------------------',
      ' a    | InvalidEventError |       1 | 2026-11-25T09:00:00.000Z | 2026-11-25T09:00:00.000Z | left alone (unparseable)',
      ' a    | PermanentError    |       2 | 2026-11-25T08:00:00.000Z | 2026-11-25T12:00:00.000Z | would re-inject',
      ' b    | PermanentError    |       1 | 2026-11-25T12:00:00.000Z | 2026-11-25T12:00:00.000Z | would re-inject',
      '(3 rows)',
    ]);
  });

  test('nothing selected, no table', () => assert.deepEqual(redriveTable([], false), []));
});

describe('redriveClusters', () => {
  const config = parseConfig('kafka:\n  brokers: main:9092\n  clusters:\n    jumbo: {brokers: "jumbo:9092"}\n    alias: {brokers: "main:9092"}\n', {});
  const rule = (name: string, cluster: string) => ({ name, cluster }) as ResolvedRule;
  const cases: Array<[string, ResolvedRule[], string | undefined, string[]]> = [
    ['every cluster the rules park on', [rule('a', 'main'), rule('b', 'jumbo')], undefined, ['main', 'jumbo']],
    ['only the selected rule\'s', [rule('a', 'main'), rule('b', 'jumbo')], 'b', ['jumbo']],
    ['two names for the same brokers are read once', [rule('a', 'main'), rule('c', 'alias')], undefined, ['main']],
    ['no rule: the main cluster', [], undefined, ['main']],
  ];
  for (const [name, rules, selected, expected] of cases) test(name, () => assert.deepEqual(redriveClusters(config, rules, selected), expected));
});
