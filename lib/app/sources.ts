// Where a rule's events come from: its source topics (prefixed streams on Kafka, input files, one EventStreams
// topic) with their retry topics, and the source client that reads them for its consumer group.
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { ResolvedRule } from '../rules/schema.ts';
import type { EventSource, RebalanceHooks } from '../sources/source.ts';
import { FileSource, fileTopicName, listInputFiles } from '../sources/file-source.ts';
import { EVENTSTREAMS_TOPIC, EventStreamsSource } from '../sources/eventstreams-source.ts';
import { CombinedSource } from '../sources/combined-source.ts';
import { KafkaConsumerClient } from '../kafka/consumer.ts';
import { consumerSettings } from '../kafka/client-config.ts';
import { clusterKafkaConfig } from '../kafka/clusters.ts';
import { consumerGroupId, ruleTopics } from '../engine/topics.ts';
import { retryTopicName } from '../engine/parking.ts';

/** The topics a rule reads: prefixed streams on Kafka, file names for a file source, one topic for EventStreams. */
export function sourceTopicsFor(config: RouterConfig, rule: ResolvedRule): { sources: string[]; retries: string[] } {
  const service = config.service.name;
  if (config.source.type === 'kafka') return ruleTopics(service, rule.topics, config.kafka.dc_prefixes);
  const sources = config.source.type === 'file' ? listInputFiles(config.source.file.paths).map(fileTopicName) : [EVENTSTREAMS_TOPIC];
  return { sources, retries: sources.map((t) => retryTopicName(service, t)) };
}

export function createSource(config: RouterConfig, rule: ResolvedRule, hooks: RebalanceHooks, log: Logger): EventSource {
  const groupId = consumerGroupId(config.service.name, rule.name);
  const checkpointDir = join(config.source.state_dir, 'checkpoints');
  switch (config.source.type) {
    case 'kafka':
      // The rule's cluster: its brokers and settings over kafka's.
      return new KafkaConsumerClient(consumerSettings(clusterKafkaConfig(config.kafka, rule.cluster), groupId, rule.consumer), hooks, log);
    case 'file':
      return new FileSource({
        inputs: config.source.file.paths,
        topicsDir: join(config.source.state_dir, 'topics'),
        checkpointDir,
        groupId,
        streams: rule.topics,
        follow: config.source.file.follow,
        hooks,
      });
    case 'eventstreams': {
      const live = new EventStreamsSource({
        url: config.source.eventstreams.url,
        streams: rule.topics,
        checkpointDir,
        groupId,
        userAgent: config.mediawiki.user_agent,
        reconnectMaxMs: config.source.eventstreams.reconnect_max_ms,
        hooks,
        log,
      });
      // Retries of EventStreams events are parked in (and read back from) JSON-lines files.
      const retries = new FileSource({
        inputs: [],
        topicsDir: join(config.source.state_dir, 'topics'),
        checkpointDir,
        groupId,
        streams: rule.topics,
        follow: true,
        hooks,
      });
      return new CombinedSource([
        { owns: (t) => t === EVENTSTREAMS_TOPIC, source: live },
        { owns: (t) => t !== EVENTSTREAMS_TOPIC, source: retries },
      ]);
    }
  }
}
