// Kafka clusters: a rule names the cluster it reads (mediawiki.page_content_change.v1 lives on the analytics "jumbo"
// cluster only). Here "main" points at a port nothing listens on and "jumbo" at the real broker: a rule on jumbo
// consumes, produces and parks its failures there, which it could not if anything used main's settings.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Router, RuleLoadError } from '../../../lib/app/router.ts';
import { loadConfigFile } from '../../../lib/config/load.ts';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { silentLogger } from '../../../lib/log.ts';
import { clusterKafkaConfig } from '../../../lib/kafka/clusters.ts';
import { KAFKA_BROKERS, TEST_DATABASE_URL, uniqueName } from '../../helpers/services.ts';
import { readTopic, withProducer } from '../../helpers/router-harness.ts';

function writeConfig(service: string, rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'imr-clusters-'));
  writeFileSync(join(dir, 'rules.yaml'), rules);
  writeFileSync(
    join(dir, 'config.yaml'),
    `service: {name: ${service}}
kafka:
  brokers: 127.0.0.1:1
  dc_prefixes: [""]
  commit_interval_ms: 100
  consumer: {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
  clusters:
    jumbo:
      brokers: ${KAFKA_BROKERS}
      consumer: {"client.id": "imr-jumbo"}
database: {url: "${TEST_DATABASE_URL}", migrate_on_start: false}
admin: {listen: "127.0.0.1:0"}
rules: {paths: [rules.yaml]}
log: {level: warn}
`,
  );
  return join(dir, 'config.yaml');
}

describe('Kafka clusters', () => {
  const service = uniqueName('imr-clusters');
  const input = `${service}.mediawiki.page_content_change.v1`;
  const output = `${service}.derived`;
  let router: Router | undefined;

  before(async () => createTopics(KAFKA_BROKERS, [{ topic: input }, { topic: output }]));
  after(async () => router?.stop(5000));

  test('a cluster takes its brokers and its settings over kafka’s', () => {
    const { config } = loadConfigFile(writeConfig(service, 'rules: []\n'));
    const jumbo = clusterKafkaConfig(config.kafka, 'jumbo');
    assert.equal(jumbo.brokers, KAFKA_BROKERS);
    assert.deepEqual(jumbo.consumer, { 'session.timeout.ms': '6000', 'heartbeat.interval.ms': '500', 'client.id': 'imr-jumbo' });
    assert.equal(clusterKafkaConfig(config.kafka, 'main').brokers, '127.0.0.1:1');
  });

  test('a rule on jumbo consumes, produces and parks its dead letters on jumbo, never touching main', async () => {
    const config = writeConfig(
      service,
      `rules:
  - name: on_jumbo
    cluster: jumbo
    topics: [${input}]
    key: '{{message.n}}'
    retry: {in_process: 0, limit: 0}
    steps:
      - produce: {cluster: jumbo, topic: ${output}, value: {n: '{{message.n}}'}}
      - http: {uri: '{{message.target}}'} # the event names an ftp:// URI: a permanent failure (a constant one is refused at start)
`,
    );
    router = await Router.start(loadConfigFile(config).config, { log: silentLogger });
    await withProducer((p) => p.produce({ topic: input, value: JSON.stringify({ n: 7, target: 'ftp://127.0.0.1/never' }) }));
    const [derived] = await readTopic(output, 1);
    assert.deepEqual(JSON.parse(derived!.value!.toString()), { n: 7 });
    const [letter] = await readTopic(`${service}.error`, 1);
    assert.match(JSON.parse(letter!.value!.toString()).error.message, /unsupported scheme ftp/);
  });

  test('a rule naming a cluster the config does not have is refused at start, naming the clusters there are', async () => {
    const config = writeConfig(uniqueName('imr-clusters'), `rules:\n  - name: lost\n    cluster: jumbbo\n    topics: [x]\n    steps: [drop: {}]\n`);
    await assert.rejects(Router.start(loadConfigFile(config).config, { log: silentLogger }), (err: unknown) => {
      assert.ok(err instanceof RuleLoadError);
      assert.match(err.problems.join('\n'), /unknown Kafka cluster "jumbbo" \(configured: main, jumbo/);
      return true;
    });
  });
});
