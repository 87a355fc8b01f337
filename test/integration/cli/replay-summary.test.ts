// A file replay through the real command: its progress and summary lines say what happened, counted from the
// input (not hard-coded), and its end names the reason, not a signal nobody sent.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, writeRouterConfig } from '../../helpers/router-harness.ts';
import { uniqueName, waitFor } from '../../helpers/services.ts';
import { Router } from '../../../lib/app/router.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { silentLogger } from '../../../lib/log.ts';
import { createMetrics, PrometheusObserver } from '../../../lib/metrics/index.ts';

const RULES = `rules:
  - name: every_event
    topics: [test.events]
    retry: {in_process: 0, limit: 0}
    steps:
      - drop: {}
  - name: kept_only
    topics: [test.events]
    match: {kind: keep}
    retry: {in_process: 0, limit: 0}
    steps:
      - drop: {}
`;

/** A few thousand lines: some of another stream, some not kept, a few unparseable; and what each rule should count. */
function replayInput(total: number) {
  const lines: string[] = [];
  const expected = { otherStream: 0, unmatched: 0, broken: 0 };
  for (let n = 0; n < total; n++) {
    if (n % 500 === 499) {
      lines.push(`{"broken json ${n}`);
      expected.broken++;
    } else if (n % 10 === 0) {
      lines.push(JSON.stringify({ meta: { stream: 'other.stream' }, n }));
      expected.otherStream++;
    } else {
      const kind = n % 7 === 0 ? 'other' : 'keep';
      if (kind === 'other') expected.unmatched++;
      lines.push(JSON.stringify({ meta: { stream: 'test.events' }, kind, n }));
    }
  }
  return { text: `${lines.join('\n')}\n`, lines: total, expected };
}

function replayConfig(total: number) {
  const { dir, config } = writeRouterConfig({
    service: uniqueName('imr-replay'),
    rules: RULES,
    extra: 'source: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\n',
  });
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^log: .*$/m, 'log: {level: info}'));
  const input = replayInput(total);
  writeFileSync(join(dir, 'events.ndjson'), input.text);
  return { dir, config, input };
}

describe('a file replay', () => {
  test('logs its progress and a summary with the counts of what happened, and ends for the reason it ended', () => {
    const { config, input } = replayConfig(3000);
    const r = spawnSync(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'run', '--config', config], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const logs = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const byMsg = (msg: string) => logs.filter((l) => l.msg === msg);

    const shutdown = byMsg('shutting down');
    assert.equal(shutdown.length, 1);
    assert.equal(shutdown[0]!.reason, 'input fully processed');
    assert.equal(shutdown[0]!.signal, undefined, 'no signal was sent');

    const finished = byMsg('replay finished');
    assert.equal(finished.length, 1);
    const { expected } = input;
    assert.deepEqual([finished[0]!.done, finished[0]!.total, finished[0]!.dead_lettered], [input.lines, input.lines, 2 * expected.broken]);

    const [summaryLine] = byMsg('run summary');
    const summary = summaryLine!.summary as { reason: string; totals: Record<string, number>; rules: Record<string, Record<string, unknown>> };
    assert.equal(summary.reason, 'input fully processed');
    const read = input.lines - expected.otherStream - expected.broken;
    assert.deepEqual(summary.rules.every_event, {
      consumed: input.lines,
      succeeded: read,
      unmatched: 0,
      skipped: expected.otherStream,
      skipped_by: { other_stream: expected.otherStream },
      retried: 0,
      dead_lettered: expected.broken,
      dead_lettered_by: { 'parse: InvalidEventError': expected.broken },
    });
    assert.deepEqual(summary.rules.kept_only, {
      consumed: input.lines,
      succeeded: read - expected.unmatched,
      unmatched: expected.unmatched,
      skipped: expected.otherStream,
      skipped_by: { other_stream: expected.otherStream },
      retried: 0,
      dead_lettered: expected.broken,
      dead_lettered_by: { 'parse: InvalidEventError': expected.broken },
    });
    assert.equal(summary.totals.consumed, 2 * input.lines);
  });

  test('file partitions report their lag: the lines not yet committed, 0 once caught up', async () => {
    const { config, input } = replayConfig(2000);
    const observer = new PrometheusObserver(createMetrics());
    const router = await Router.start(loadConfigFile(config).config, { log: silentLogger, observer });
    try {
      await waitFor('lag 0 on the input file', () => (router.drained && observer.rulePartitions('every_event').find((p) => p.topic === 'events' && p.lag === 0)) || undefined, 60_000, 20);
      const input0 = observer.rulePartitions('every_event').find((p) => p.topic === 'events')!;
      assert.equal(input0.committed, input.lines);
    } finally {
      await router.stop(5000);
    }
  });
});
