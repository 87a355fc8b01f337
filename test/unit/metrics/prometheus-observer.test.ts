import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics, PrometheusObserver, startDbWriteTimer, startMediaWikiTimer, statusClass } from '../../../lib/metrics/index.ts';
import { parsePrometheusText, samplesOf, sumOf } from '../../helpers/prometheus-text.ts';

async function scrape(metrics: ReturnType<typeof createMetrics>) {
  return parsePrometheusText(await metrics.registry.metrics());
}

describe('PrometheusObserver', () => {
  test('engine events move the counters of their rule, topic and outcome', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = new PrometheusObserver(metrics);
    for (let i = 0; i < 5; i++) observer.consumed('r1', 'src', i % 2);
    observer.matched('r1', 'src');
    observer.matched('r1', 'src');
    observer.finished('r1', 'src', 'succeeded');
    observer.finished('r1', 'src', 'dead_lettered');
    observer.finished('r1', 'src', 'unmatched');
    observer.finished('r1', 'src', 'skipped', 'canary');
    observer.stepDone('r1', 'http', 0.02, 'ok');
    observer.stepDone('r1', 'http', 0.5, 'error');
    observer.stepRetried('r1', 'http');
    observer.commitFailed('r1', 'broker went away: secret detail');

    const s = await scrape(metrics);
    assert.equal(sumOf(s, 'imagematching_router_events_consumed_total', { rule: 'r1' }), 5);
    assert.equal(sumOf(s, 'imagematching_router_events_consumed_total', { rule: 'r1', partition: '1' }), 2);
    assert.equal(sumOf(s, 'imagematching_router_events_matched_total', { rule: 'r1', topic: 'src' }), 2);
    assert.equal(sumOf(s, 'imagematching_router_events_finished_total', { outcome: 'succeeded' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_events_finished_total', { outcome: 'dead_lettered' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_events_finished_total', { outcome: 'skipped' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_events_skipped_total', { rule: 'r1', topic: 'src', reason: 'canary' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_step_duration_seconds_count', { step: 'http', outcome: 'error' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_step_retries_total', { rule: 'r1', step: 'http' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_offset_commit_failures_total', { rule: 'r1' }), 1);
    assert.ok(!(await metrics.registry.metrics()).includes('secret detail'), 'the free-text reason never becomes a label');
    assert.deepEqual(
      { ...observer.ruleCounts('r1') },
      { consumed: 5, matched: 2, succeeded: 1, unmatched: 1, skipped: 1, retried: 0, dead_lettered: 1, ignored: 0, step_retries: 1, step_errors: 1, commit_failures: 1, in_flight: 0 },
    );
  });

  test('in-flight goes up and down with the deltas the engine reports', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = new PrometheusObserver(metrics);
    observer.inFlight('r1', 1);
    observer.inFlight('r1', 1);
    observer.inFlight('r1', -1);
    assert.equal(sumOf(await scrape(metrics), 'imagematching_router_events_in_flight', { rule: 'r1' }), 1);
  });

  test('a revoked partition loses its lag and committed-offset series, so another owner is not double counted', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const observer = new PrometheusObserver(metrics);
    observer.lag('r1', 'src', 0, 7);
    observer.lag('r1', 'src', 1, 3);
    observer.timeLag('r1', 'src', 0, 90);
    observer.timeLag('r1', 'src', 1, 12.5);
    observer.committed('r1', 'src', 0, 42);
    let s = await scrape(metrics);
    assert.equal(sumOf(s, 'imagematching_router_consumer_lag_messages', { partition: '0' }), 7);
    assert.equal(sumOf(s, 'imagematching_router_committed_offset', { partition: '0' }), 42);
    observer.partitionRevoked('r1', 'src', 0);
    s = await scrape(metrics);
    assert.equal(samplesOf(s, 'imagematching_router_consumer_lag_messages', { partition: '0' }).length, 0);
    assert.equal(samplesOf(s, 'imagematching_router_committed_offset', { partition: '0' }).length, 0);
    assert.equal(samplesOf(s, 'imagematching_router_event_age_seconds', { partition: '0' }).length, 0);
    assert.equal(sumOf(s, 'imagematching_router_consumer_lag_messages', { partition: '1' }), 3);
    assert.equal(sumOf(s, 'imagematching_router_event_age_seconds', { partition: '1' }), 12.5);
    assert.deepEqual(observer.rulePartitions('r1'), [{ topic: 'src', partition: 1, lag: 3, ageSeconds: 12.5, committed: null }]);
  });
});

describe('createMetrics', () => {
  test('every metric has help text, counters end in _total and durations are in seconds', async () => {
    const metrics = createMetrics();
    const s = await scrape(metrics);
    const ours = [...s.types].filter(([name]) => name.startsWith('imagematching_router_'));
    assert.ok(ours.length >= 15, `expected all router metrics, got ${ours.map(([n]) => n).join(', ')}`);
    for (const [name, type] of ours) {
      assert.ok((s.help.get(name) ?? '').length > 10, `${name} has help text`);
      if (type === 'counter') assert.match(name, /_total$/);
      if (name.includes('duration')) assert.match(name, /_seconds$/);
    }
    assert.ok(s.types.has('process_cpu_user_seconds_total'), 'default process metrics are collected');
  });

  test('two registries do not share series, so tests and processes stay apart', async () => {
    const a = createMetrics({ defaultMetrics: false });
    const b = createMetrics({ defaultMetrics: false });
    a.eventsMatched.inc({ rule: 'r', topic: 't' });
    assert.equal(sumOf(await scrape(b), 'imagematching_router_events_matched_total'), 0);
  });

  test('readiness and paused rules are read from the router at scrape time', async () => {
    const metrics = createMetrics({ defaultMetrics: false, healthCacheMs: 0 });
    let database = true;
    metrics.setStateSource({
      health: async () => ({ kafka: true, database }),
      rules: () => [
        { name: 'a', isPaused: true },
        { name: 'b', isPaused: false },
      ],
    });
    let s = await scrape(metrics);
    assert.equal(sumOf(s, 'imagematching_router_dependency_up', { dependency: 'database' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_rule_paused', { rule: 'a' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_rule_paused', { rule: 'b' }), 0);
    database = false;
    s = await scrape(metrics);
    assert.equal(sumOf(s, 'imagematching_router_dependency_up', { dependency: 'database' }), 0);
    assert.equal(sumOf(s, 'imagematching_router_dependency_up', { dependency: 'kafka' }), 1);
  });

  test('the MediaWiki and database timers count requests by status class and rows by table', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    startMediaWikiTimer(metrics, 'en.wikipedia.org')(200, 37);
    startMediaWikiTimer(metrics, 'en.wikipedia.org')(503);
    startMediaWikiTimer(metrics, 'en.wikipedia.org')(null);
    startDbWriteTimer(metrics, 'upsert_page_state')('page_image_state', 3);
    const s = await scrape(metrics);
    assert.equal(sumOf(s, 'imagematching_router_mediawiki_requests_total', { status_class: '2xx' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_mediawiki_requests_total', { status_class: '5xx' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_mediawiki_requests_total', { status_class: 'error' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_mediawiki_request_duration_seconds_count', { domain: 'en.wikipedia.org' }), 3);
    assert.equal(sumOf(s, 'imagematching_router_mediawiki_revisions_per_request_sum'), 37);
    assert.equal(sumOf(s, 'imagematching_router_db_write_duration_seconds_count', { operation: 'upsert_page_state' }), 1);
    assert.equal(sumOf(s, 'imagematching_router_db_rows_written_total', { table: 'page_image_state' }), 3);
  });

  test('status classes are bounded to 1xx-5xx and error', () => {
    const cases: Array<[number | null | undefined, string]> = [
      [200, '2xx'],
      [204, '2xx'],
      [301, '3xx'],
      [429, '4xx'],
      [599, '5xx'],
      [null, 'error'],
      [undefined, 'error'],
      [0, 'error'],
      [600, 'error'],
      [20.5, 'error'],
    ];
    for (const [status, expected] of cases) assert.equal(statusClass(status), expected, String(status));
  });
});
