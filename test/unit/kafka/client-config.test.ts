// librdkafka settings: the router's defaults, then the operator's `kafka.consumer`, then a rule's `consumer`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consumerSettings } from '../../../lib/kafka/client-config.ts';

const kafka = { brokers: '127.0.0.1:9092', client_id: 'imr', consumer: { 'queued.min.messages': 5000, 'fetch.wait.max.ms': 50 } };

test('a rule overrides the operator, who overrides the defaults; what neither sets keeps its default', () => {
  const settings = consumerSettings(kafka, 'group-a', { 'queued.min.messages': 1000, 'queued.max.messages.kbytes': 2048 });
  assert.equal(settings['queued.min.messages'], 1000);
  assert.equal(settings['queued.max.messages.kbytes'], 2048);
  assert.equal(settings['fetch.wait.max.ms'], 50);
  assert.equal(settings['max.partition.fetch.bytes'], 524288);
  assert.equal(settings['group.id'], 'group-a');
  assert.equal(settings['enable.auto.commit'], false);
});

test('without rule settings the operator still wins over the defaults', () => {
  const settings = consumerSettings(kafka, 'group-b');
  assert.equal(settings['queued.min.messages'], 5000);
  assert.equal(settings['queued.max.messages.kbytes'], 16384);
});
