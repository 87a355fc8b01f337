// Reads the fields the image pipeline needs from a revision event, whichever model it uses:
// mediawiki.revision-create (flat) or mediawiki.page_change / page_content_change (nested `page`, `revision`).
import { InvalidEventError } from '../errors.ts';

export interface RevisionEventFields {
  wiki: string;
  /** meta.domain when the event has one (optional in every schema; derive it from `wiki` otherwise). */
  domain: string | null;
  pageId: number;
  /** DB key with namespace prefix, as in the event. */
  title: string;
  namespace: number;
  revId: number;
  /** Null when the revision created the page. */
  parentRevId: number | null;
  revTimestamp: string | null;
  comment: string;
  /** rev_is_revert of revision-create; null from page_change, whose schema does not say. */
  isRevert: boolean | null;
  /** The page is a redirect after this revision (page_is_redirect / page.is_redirect). */
  isRedirect: boolean;
  /** The new revision's wikitext when the event carries it (page_content_change). */
  text?: string;
  eventId: string | null;
  /** Event time in ms (meta.dt / dt), used when the revision has no timestamp. */
  eventTime: number;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function positiveInt(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new InvalidEventError(`revision event has no valid ${field}`);
  return n;
}

function optionalParent(value: unknown): number | null {
  // Page creations omit rev_parent_id (or, in some producers, send 0).
  if (value === undefined || value === null || value === 0) return null;
  return positiveInt(value, 'rev_parent_id');
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function readRevisionEvent(message: Record<string, unknown>): RevisionEventFields {
  const meta = record(message.meta);
  const domain = str(meta.domain) || null;
  const dt = Date.parse(String(message.dt ?? meta.dt ?? ''));
  const eventTime = Number.isNaN(dt) ? Date.now() : dt;
  const eventId = str(meta.id);
  const page = record(message.page);
  const revision = record(message.revision);
  if (message.page !== undefined && message.revision !== undefined) {
    // mediawiki.page_change model.
    const wiki = str(message.wiki_id);
    if (!wiki) throw new InvalidEventError('page change event has no wiki_id');
    const main = record(record(revision.content_slots).main);
    const body = str(main.content_body);
    return {
      wiki,
      domain,
      pageId: positiveInt(page.page_id, 'page.page_id'),
      title: String(page.page_title ?? ''),
      namespace: Number(page.namespace_id ?? 0),
      revId: positiveInt(revision.rev_id, 'revision.rev_id'),
      parentRevId: optionalParent(revision.rev_parent_id),
      revTimestamp: str(revision.rev_dt) ?? str(message.dt),
      comment: str(revision.comment) ?? str(message.comment) ?? '',
      isRevert: null,
      isRedirect: page.is_redirect === true,
      ...(body === null ? {} : { text: body }),
      eventId,
      eventTime,
    };
  }
  const wiki = str(message.database);
  if (!wiki) throw new InvalidEventError('revision event has no database');
  return {
    wiki,
    domain,
    pageId: positiveInt(message.page_id, 'page_id'),
    title: String(message.page_title ?? ''),
    namespace: Number(message.page_namespace ?? 0),
    revId: positiveInt(message.rev_id, 'rev_id'),
    parentRevId: optionalParent(message.rev_parent_id),
    revTimestamp: str(message.rev_timestamp),
    comment: str(message.comment) ?? '',
    isRevert: message.rev_is_revert === true,
    isRedirect: message.page_is_redirect === true,
    eventId,
    eventTime,
  };
}

/** Which Android "add image" tag an edit summary carries, if any. */
export function suggestionTag(comment: string): 'top' | 'infobox' | null {
  const match = /#suggestededit-add-image-(top|infobox)\b/.exec(comment);
  return match ? (match[1] as 'top' | 'infobox') : null;
}
