// Reads `action=query&meta=siteinfo&siprop=statistics` answers: the wiki's article count, which sizes the
// ImageMatching model's icon threshold. Pure.

export function siteStatisticsQuery(): Record<string, string> {
  return { action: 'query', meta: 'siteinfo', siprop: 'statistics', format: 'json', formatversion: '2' };
}

/**
 * `query.statistics.articles` (content pages that are not redirects and hold a wiki link, by
 * $wgArticleCountMethod), or null when the answer has no such non-negative integer.
 */
export function parseArticleCount(json: Record<string, unknown>): number | null {
  const query = json.query as { statistics?: { articles?: unknown } } | undefined;
  const articles = query?.statistics?.articles;
  return typeof articles === 'number' && Number.isInteger(articles) && articles >= 0 ? articles : null;
}
