// What handlers may use from the outside world: the services the composition root (lib/app) built once for the
// router, and where derived events go. Handlers never build a service of their own.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { MessageSink } from '../messaging/message.ts';
import type { RecommendationStore } from '../store/recommendations.ts';
import type { MediaWikiGateway } from '../mediawiki/client.ts';
import type { ImageExtractor } from '../mediawiki/extraction-pool.ts';
import type { IllustrationJudge } from '../illustration/illustration-judge.ts';

export interface HandlerEnvironment {
  readonly config: RouterConfig;
  readonly log: Logger;
  /** The default ("main") cluster's producer, or the file sink without Kafka. */
  readonly producer: MessageSink;
  /** The producer of a named Kafka cluster (see kafka.clusters); every cluster a rule uses is connected at start. */
  readonly producerFor?: (cluster: string) => MessageSink;
  /** The recommendation state in PostgreSQL (or the embedded database). */
  readonly store: RecommendationStore;
  /** The MediaWiki Action API of every wiki. */
  readonly mediawiki: MediaWikiGateway;
  /** Image extraction, in the event loop or on worker threads (wikitext.extract_threads). */
  readonly extractor: ImageExtractor;
  /** The ImageMatching model's illustration rule with its usage and article-count caches (`illustrated`). */
  readonly illustration: IllustrationJudge;
}
