// The composition root's shared services: built once per router from the config, with their options and observers,
// passed to every step through HandlerEnvironment, closed once when the router stops. Nothing else creates them.
import type { Logger } from '../log.ts';
import type { RouterConfig } from '../config/schema.ts';
import type { IoObserver } from '../observe/io-observer.ts';
import { createPool, type Pool } from '../store/pool.ts';
import { RecommendationStore } from '../store/recommendations.ts';
import { MediaWikiGateway } from '../mediawiki/client.ts';
import { ExtractionPool, inThreadExtractor, type ImageExtractor } from '../mediawiki/extraction-pool.ts';
import { IllustrationJudge, type Clock } from '../illustration/illustration-judge.ts';

export interface Services {
  readonly pool: Pool;
  /** The recommendation state: one write batcher for every rule, so their events share transactions. */
  readonly store: RecommendationStore;
  /** The MediaWiki Action API per wiki domain: one set of batchers and connection pools for every rule. */
  readonly mediawiki: MediaWikiGateway;
  /** Image extraction: in the event loop, or on `wikitext.extract_threads` worker threads. */
  readonly extractor: ImageExtractor;
  /**
   * The ImageMatching model's illustration rule (`illustrated`): one set of usage and article-count caches for every
   * rule, asking through the gateway's APIs (their connection pools, concurrency limits and request metrics).
   */
  readonly illustration: IllustrationJudge;
  /** Waits for pending writes and requests, then closes the threads, the API connections and (if it opened it) the pool. */
  close(): Promise<void>;
}

export interface ServiceOptions {
  log: Logger;
  /** Told about every MediaWiki request and database write (metrics). */
  io?: IoObserver;
  /** A pool the caller owns (tests, the demo); otherwise one is opened from `database` and closed with the services. */
  pool?: Pool;
  /** Epoch milliseconds for the illustration caches' TTLs and the links-update settling time (tests move it). */
  clock?: Clock;
}

export function createServices(config: RouterConfig, options: ServiceOptions): Services {
  const pool = options.pool ?? createPool(config.database, options.log);
  const store = new RecommendationStore(pool, options.io ? { observer: options.io } : {});
  const mediawiki = new MediaWikiGateway(config.mediawiki, options.io ? { observer: options.io } : {});
  const illustrated = config.illustrated;
  const illustration = new IllustrationJudge({
    api: (domain) => mediawiki.endpoint(domain).api,
    usageCacheSize: illustrated.usage_cache_size,
    usageTtlMs: illustrated.usage_ttl_ms,
    articleCountTtlMs: illustrated.article_count_ttl_ms,
    // As the revision batchers: requests of a wiki go together up to the domain's concurrency (ActionApi caps it).
    batchLingerMs: config.mediawiki.batch_linger_ms,
    maxInFlightPerWiki: config.mediawiki.max_concurrency_per_domain,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const threads = config.wikitext.extract_threads;
  const pooled = threads > 0 ? new ExtractionPool(threads) : null;
  let closed: Promise<void> | null = null;
  return {
    pool,
    store,
    mediawiki,
    extractor: pooled ?? inThreadExtractor,
    illustration,
    close: () =>
      (closed ??= (async () => {
        await store.idle();
        await illustration.idle();
        await mediawiki.close();
        await pooled?.close();
        if (!options.pool) await pool.end();
      })()),
  };
}
