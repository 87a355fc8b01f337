import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, committedOffsets, startRouterProcess, withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';

const PARTITIONS = 4;

async function produceNumbered(topic: string, count: number): Promise<Map<number, { partition: number; offset: number }>> {
  const where = new Map<number, { partition: number; offset: number }>();
  await withProducer(async (p) => {
    const sends = [];
    for (let n = 0; n < count; n++) {
      sends.push(
        p.produce({ topic, partition: n % PARTITIONS, value: JSON.stringify({ database: 'enwiki', page_id: n % 37, n }) }).then((r) => where.set(n, r)),
      );
    }
    await Promise.all(sends);
  });
  return where;
}

function ruleYaml(topic: string, port: number): string {
  return `rules:
  - name: effects
    topics: [${topic}]
    concurrency: 8
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${port}/effect', body: {n: '{{message.n}}'}}
`;
}

describe('crashes and rebalances with real router processes', () => {
  const server = new RecordingServer();
  before(() => server.start());
  after(() => server.stop());

  test('a router killed with SIGKILL mid-stream and restarted applies every event, and never committed past an unfinished one', async () => {
    const service = uniqueName('imr-crash');
    const topic = `${service}.in`;
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: PARTITIONS }]);
    const { dir, config } = writeRouterConfig({ service, rules: ruleYaml(topic, server.port) });
    const total = 400;
    const where = await produceNumbered(topic, total);
    server.delayMs = () => 15; // slow enough that the kill lands mid-stream

    const seenAt = () => new Set(server.requests.filter((r) => r.path === '/effect').map((r) => Number(r.body.n)));
    for (let round = 0; round < 2; round++) {
      const first = startRouterProcess(config, join(dir, 'router.log'));
      const before = seenAt().size;
      await waitFor('some progress', () => seenAt().size >= Math.min(total, before + 60) || undefined, 60000, 20);
      first.child.kill('SIGKILL');
      await first.exited;
      // Right after the crash: every event below a committed offset must already have taken effect.
      const committed = await committedOffsets(`${service}-effects`, topic, [...Array(PARTITIONS).keys()]);
      const applied = seenAt();
      for (const [n, pos] of where) {
        const c = committed.get(pos.partition) ?? -1;
        if (pos.offset < c) assert.ok(applied.has(n), `offset ${pos.partition}@${pos.offset} committed (<${c}) before event ${n} took effect`);
      }
      assert.ok(applied.size < total || round > 0, 'the kill was not mid-stream');
    }

    server.delayMs = () => 0;
    const last = startRouterProcess(config, join(dir, 'router.log'));
    await waitFor('every event applied after restart', () => seenAt().size === total || undefined, 90000, 50);
    last.child.kill('SIGTERM');
    assert.equal(await last.exited, 0, 'graceful shutdown exits 0');
    const committed = await committedOffsets(`${service}-effects`, topic, [...Array(PARTITIONS).keys()]);
    for (let p = 0; p < PARTITIONS; p++) assert.equal(committed.get(p), total / PARTITIONS, `partition ${p} fully committed after SIGTERM`);
  });

  test('two routers in one group: one stopped mid-stream, the other takes over its partitions, nothing lost', async () => {
    const service = uniqueName('imr-rebalance');
    const topic = `${service}.in`;
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: PARTITIONS }]);
    // Few pending events per partition and slow effects, so b is stopped with most of its partitions' events still
    // unread (a stopping router drains what it already accepted) and a has to take them over.
    const { dir, config } = writeRouterConfig({ service, rules: ruleYaml(topic, server.port), maxPending: 20 });
    server.requests.length = 0;
    server.delayMs = () => 40;
    const a = startRouterProcess(config, join(dir, 'a.log'));
    const b = startRouterProcess(config, join(dir, 'b.log'));
    await new Promise((r) => setTimeout(r, 3000)); // let both join the group
    const total = 600;
    await produceNumbered(topic, total);
    const seen = () => new Set(server.requests.map((r) => Number(r.body.n)));
    await waitFor('progress before the stop', () => seen().size >= 150 || undefined, 60000, 20);
    b.child.kill('SIGTERM');
    assert.equal(await b.exited, 0);
    const atStop = seen().size;
    assert.ok(atStop < total, 'b was stopped mid-stream');
    server.delayMs = () => 0;
    await waitFor('every event applied', () => seen().size === total || undefined, 90000, 50);
    // b may have applied its last events without getting to commit them (its final commit can meet a rebalance in
    // progress); then a re-reads them once it owns b's partitions. Only a can move every partition to the end.
    const partitions = [...Array(PARTITIONS).keys()];
    await waitFor('a commits every partition to the end', async () => {
      const committed = await committedOffsets(`${service}-effects`, topic, partitions);
      return partitions.every((p) => committed.get(p) === total / PARTITIONS) || undefined;
    }, 90000, 500);
    a.child.kill('SIGTERM');
    assert.equal(await a.exited, 0);
    const committed = await committedOffsets(`${service}-effects`, topic, partitions);
    for (const p of partitions) assert.equal(committed.get(p), total / PARTITIONS);
  });
});
