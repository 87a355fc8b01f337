// What the I/O edges report as they work: MediaWiki requests and database writes. Metrics implement it; the
// MediaWiki client and the store are given one by the composition root and never know about Prometheus.

/** What the I/O edges report (MediaWiki requests, database writes); metrics implement it. */
export interface IoObserver {
  apiRequest(domain: string, status: number | null, seconds: number, revisions?: number): void;
  dbWrite(operation: string, seconds: number, rowsByTable: Readonly<Record<string, number>>): void;
}
