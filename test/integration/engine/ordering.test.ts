import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../../../lib/app/router.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { silentLogger } from '../../../lib/log.ts';
import { KAFKA_BROKERS, uniqueName, waitFor } from '../../helpers/services.ts';
import { RecordingServer, withProducer, writeRouterConfig } from '../../helpers/router-harness.ts';

describe('ordering and concurrency on the real broker', () => {
  const server = new RecordingServer();
  const service = uniqueName('imr-order');
  const topic = `${service}.events`;
  let router: Router;

  before(async () => {
    await server.start();
    await createTopics(KAFKA_BROKERS, [{ topic, partitions: 3 }]);
  });
  after(async () => {
    await router?.stop(5000);
    await server.stop();
  });

  test('events with the same key run in order while different keys run in parallel', async () => {
    // Random service times make later events of a key finish first if ordering were not enforced.
    let seed = 7;
    server.delayMs = () => ((seed = (seed * 48271) % 2147483647) % 25) + 2;
    const { config } = writeRouterConfig({
      service,
      rules: `rules:
  - name: ordered
    topics: [${topic}]
    key: '{{message.wiki}}:{{message.page}}'
    concurrency: 8
    steps:
      - http:
          method: POST
          uri: 'http://127.0.0.1:${server.port}/effect'
          body: {page: '{{message.page}}', seq: '{{message.seq}}'}
`,
    });
    const keys = 12;
    const perKey = 15;
    await withProducer(async (p) => {
      const sends = [];
      for (let seq = 0; seq < perKey; seq++) {
        for (let k = 0; k < keys; k++) {
          // Keys spread over partitions, and deliberately NOT the Kafka key: ordering comes from the rule's key.
          sends.push(p.produce({ topic, partition: (k + seq) % 3, value: JSON.stringify({ wiki: 'enwiki', page: k, seq }) }));
        }
        await Promise.all(sends.splice(0));
      }
    });
    router = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    await waitFor('all effects', () => server.requests.length >= keys * perKey || undefined, 60000);

    let overlapSeen = 0;
    const byPage = new Map<number, typeof server.requests>();
    for (const r of server.requests) {
      const page = Number(r.body.page);
      if (!byPage.has(page)) byPage.set(page, []);
      byPage.get(page)!.push(r);
    }
    assert.equal(byPage.size, keys);
    for (const [page, requests] of byPage) {
      const seqs = requests.sort((a, b) => a.startedAt - b.startedAt).map((r) => Number(r.body.seq));
      // Same-key events were spread over partitions, so arrival order across partitions is not seq order;
      // what must hold is that two events of one key never overlap.
      assert.equal(new Set(seqs).size, perKey, `page ${page} saw duplicates or gaps`);
      for (let i = 1; i < requests.length; i++) {
        assert.ok(requests[i]!.startedAt >= requests[i - 1]!.finishedAt, `events of page ${page} overlapped`);
      }
    }
    const all = [...server.requests].sort((a, b) => a.startedAt - b.startedAt);
    for (let i = 1; i < all.length; i++) if (all[i]!.startedAt < all[i - 1]!.finishedAt) overlapSeen++;
    assert.ok(overlapSeen > 0, 'different keys never ran in parallel');
  });

  test('within one partition, events of a key take effect in offset order', async () => {
    const { config } = writeRouterConfig({
      service: `${service}-p`,
      rules: `rules:
  - name: single_partition
    topics: [${topic}-single]
    concurrency: 16
    steps:
      - http: {method: POST, uri: 'http://127.0.0.1:${server.port}/single', body: {page: '{{message.page}}', seq: '{{message.seq}}'}}
`,
    });
    await createTopics(KAFKA_BROKERS, [{ topic: `${topic}-single`, partitions: 1 }]);
    await withProducer(async (p) => {
      const sends = [];
      for (let seq = 0; seq < 40; seq++) for (let k = 0; k < 4; k++) sends.push(p.produce({ topic: `${topic}-single`, value: JSON.stringify({ wiki: 'dewiki', page_id: k, page: k, seq }) }));
      await Promise.all(sends);
    });
    const second = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    try {
      await waitFor('single-partition effects', () => server.requests.filter((r) => r.path === '/single').length >= 160 || undefined, 60000);
      for (let k = 0; k < 4; k++) {
        const seqs = server.requests.filter((r) => r.path === '/single' && Number(r.body.page) === k).map((r) => Number(r.body.seq));
        assert.deepEqual(seqs, Array.from({ length: 40 }, (_, i) => i), `page ${k} out of order`);
      }
    } finally {
      await second.stop(5000);
    }
  });
});
