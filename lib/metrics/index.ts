// The metrics package's public surface: create the registry and its metrics, observe the engine with them,
// and the small timers the MediaWiki client and the store use.
export { createMetrics, statusClass, startMediaWikiTimer, startDbWriteTimer, METRIC_PREFIX } from './metrics.ts';
export type { Metrics, MetricsOptions, RouterStateSource } from './metrics.ts';
export { PrometheusObserver } from './prometheus-observer.ts';
export type { RuleCounts, PartitionSnapshot } from './prometheus-observer.ts';
