import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterProbes, createReadinessCheck, kafkaProbeSettings } from '../../../lib/admin/readiness.ts';

const pool = (behaviour: 'ok' | 'fail' | 'hang') => ({
  query: (() =>
    behaviour === 'ok'
      ? Promise.resolve({ rows: [] })
      : behaviour === 'fail'
        ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))
        : new Promise(() => {})) as never,
});
const kafka = (reason: string | null) => ({ probe: async () => reason, close: async () => {} });
const running = () => [{ name: 'a', status: 'running' }, { name: 'b', status: 'paused' }];

describe('readiness check', () => {
  test('all dependencies reachable and rules running or paused is ready', async () => {
    assert.deepEqual(await createReadinessCheck({ pool: pool('ok'), kafka: kafka(null), rules: running }).check(), { kafka: true, database: true, reasons: [] });
  });

  test('an unreachable database is reported with its reason, Kafka separately', async () => {
    const health = await createReadinessCheck({ pool: pool('fail'), kafka: kafka('kafka: Local: Broker transport failure'), rules: running }).check();
    assert.equal(health.database, false);
    assert.equal(health.kafka, false);
    assert.deepEqual(health.reasons, ['database: connect ECONNREFUSED 127.0.0.1:5432', 'kafka: Local: Broker transport failure']);
  });

  test('a database that does not answer fails the probe at its deadline instead of hanging readyz', async () => {
    const health = await createReadinessCheck({ pool: pool('hang'), kafka: kafka(null), rules: running, timeoutMs: 20 }).check();
    assert.equal(health.database, false);
    assert.match(health.reasons[0]!, /^database: PostgreSQL did not answer within 20 ms$/);
  });

  test('a stopping rule makes the router not ready, so load balancers stop sending during shutdown', async () => {
    const health = await createReadinessCheck({ pool: pool('ok'), kafka: kafka(null), rules: () => [{ name: 'a', status: 'stopping' }] }).check();
    assert.deepEqual(health.reasons, ['rule a: stopping']);
  });

  test('without Kafka (file or EventStreams source) Kafka is not probed and reported as null', async () => {
    assert.deepEqual(await createReadinessCheck({ pool: pool('ok'), rules: running }).check(), { kafka: null, database: true, reasons: [] });
  });

  test('the Kafka probe keeps the operator settings but gets its own client id and no idempotence', () => {
    const settings = kafkaProbeSettings({ 'metadata.broker.list': 'b:9092', 'client.id': 'imr', dr_cb: true, 'security.protocol': 'ssl', 'enable.idempotence': true });
    assert.deepEqual(settings, { 'metadata.broker.list': 'b:9092', 'client.id': 'imr-probe', 'security.protocol': 'ssl', 'enable.idempotence': false });
  });
});

describe('ClusterProbes', () => {
  test('is ready when every cluster answers, and names each cluster that does not', async () => {
    assert.equal(await new ClusterProbes(new Map([['main', kafka(null)], ['jumbo', kafka(null)]])).probe(10), null);
    const probes = new ClusterProbes(new Map([['main', kafka(null)], ['jumbo', kafka('kafka: Local: Broker transport failure')]]));
    assert.equal(await probes.probe(10), 'kafka (jumbo): Local: Broker transport failure');
  });

  test('with one cluster, says kafka as a single probe does', async () => {
    assert.equal(await new ClusterProbes(new Map([['main', kafka('kafka: down')]])).probe(10), 'kafka: down');
  });
});
