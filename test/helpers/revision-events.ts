// A mediawiki.revision-create 2.0.0 event of an enwiki article edit, as the shipped rule matches it, for tests that
// need many (ids and times their own): page `Page_<pageId>`, a creation when `parent` is null.
export function revisionCreateEvent(pageId: number, revId: number, parent: number | null, options: { timestamp: string; idPrefix?: string }): Record<string, unknown> {
  const { timestamp } = options;
  return {
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { domain: 'en.wikipedia.org', dt: timestamp, id: `${options.idPrefix ?? 'ev'}-${revId}`, request_id: options.idPrefix ?? 'test', stream: 'mediawiki.revision-create' },
    dt: timestamp,
    database: 'enwiki',
    page_id: pageId,
    page_title: `Page_${pageId}`,
    page_namespace: 0,
    rev_id: revId,
    ...(parent === null ? {} : { rev_parent_id: parent, rev_content_changed: true }),
    rev_timestamp: timestamp,
    rev_content_model: 'wikitext',
    rev_slots: { main: { rev_slot_content_model: 'wikitext' } },
    rev_is_revert: false,
    comment: 'edit',
  };
}
