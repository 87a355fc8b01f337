import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from '../../../lib/log.ts';
import { createProgressReporter, progressFigures } from '../../../lib/progress/progress-reporter.ts';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>), done()) }));
  let drawn = '';
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => ((drawn += chunk.toString()), done()) });
  return { lines, logger, stream, drawn: () => drawn };
}

describe('progressFigures', () => {
  const cases: Array<[string, number, number | undefined, number, { rate: number; etaSeconds: number | null }]> = [
    ['rate per second and the time left at that rate', 500, 2000, 10_000, { rate: 50, etaSeconds: 30 }],
    ['no ETA without a total', 500, undefined, 10_000, { rate: 50, etaSeconds: null }],
    ['no rate and no ETA before any time passed', 0, 100, 0, { rate: 0, etaSeconds: null }],
    ['no ETA while nothing is done', 0, 100, 5000, { rate: 0, etaSeconds: null }],
    ['done past the total leaves 0 s', 120, 100, 1000, { rate: 120, etaSeconds: 0 }],
  ];
  for (const [name, done, total, elapsed, expected] of cases) test(name, () => assert.deepEqual(progressFigures(done, total, elapsed), expected));
});

describe('createProgressReporter without a terminal', () => {
  // [updates as [ms since start, done], JSON progress lines expected (their done values)]
  const cases: Array<[string, Array<[number, number]>, number[]]> = [
    ['the first update at once (the work started), then nothing for 10 s', [[1000, 10], [9999, 90], [10_999, 109]], [10]],
    ['one line per 10 s at most', [[0, 0], [10_000, 100], [15_000, 150], [20_000, 200], [29_999, 299]], [0, 100, 200]],
    ['a late update logs at once', [[0, 0], [45_000, 450]], [0, 450]],
  ];
  for (const [name, updates, expected] of cases) {
    test(name, () => {
      const { lines, logger, stream } = capture();
      let clock = 0;
      const reporter = createProgressReporter({ label: 'replay', total: 1000, stream, logger, isTTY: false, now: () => clock });
      for (const [at, done] of updates) {
        clock = at;
        reporter.update(done);
      }
      assert.deepEqual(lines.map((l) => l.done), expected);
      assert.ok(lines.every((l) => l.msg === 'replay progress' && l.total === 1000));
    });
  }

  test('always one line at the end, with the summary, rate and duration; a second finish does nothing', () => {
    const { lines, logger, stream } = capture();
    let clock = 0;
    const reporter = createProgressReporter({ label: 'redrive', stream, logger, isTTY: false, now: () => clock });
    clock = 2000;
    reporter.update(40, undefined, { skipped: 3 });
    reporter.finish({ redriven: 40 });
    reporter.finish({ redriven: 0 });
    assert.deepEqual(lines.map((l) => l.msg), ['redrive progress', 'redrive finished']);
    lines.shift();
    assert.deepEqual(
      { msg: lines[0]!.msg, done: lines[0]!.done, skipped: lines[0]!.skipped, perSecond: lines[0]!.perSecond, seconds: lines[0]!.seconds, summary: lines[0]!.summary },
      { msg: 'redrive finished', done: 40, skipped: 3, perSecond: 20, seconds: 2, summary: { redriven: 40 } },
    );
    assert.equal(lines[0]!.total, undefined, 'no total was known');
  });

  test('a total learnt later is used', () => {
    const { lines, logger, stream } = capture();
    let clock = 0;
    const reporter = createProgressReporter({ label: 'import', stream, logger, isTTY: false, now: () => clock });
    clock = 10_000;
    reporter.update(10, 100);
    assert.deepEqual([lines[0]!.total, lines[0]!.etaSeconds], [100, 90]);
  });
});

describe('createProgressReporter on a terminal', () => {
  test('draws done/total, rate and ETA, logs no progress lines, and one line at the end', () => {
    const { lines, logger, stream, drawn } = capture();
    let clock = 0;
    const reporter = createProgressReporter({ label: 'replay', total: 2000, stream, logger, isTTY: true, now: () => clock });
    clock = 10_000;
    reporter.update(500, undefined, { dead_lettered: 2 });
    clock = 20_000;
    reporter.update(1000);
    reporter.finish({ consumed: 1000 });
    assert.match(drawn(), /replay 1,000 \/ 2,000 {2}50\/s {2}ETA 20 s dead_lettered 2/);
    assert.deepEqual(lines.map((l) => l.msg), ['replay finished']);
  });
});
