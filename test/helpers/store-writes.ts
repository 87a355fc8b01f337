// Store writes for the store tests: an edit of a page from one image set to another, and a feedback decision,
// with the fields the tests do not care about filled in the same way everywhere.
import { revisionRows, type PageImageChange } from '../../lib/recommendations/revision-rows.ts';
import type { FeedbackDecision } from '../../lib/recommendations/feedback.ts';

/** ISO time `s` seconds after 2024-01-01; revision `n` is stamped at second `n`. */
export const T = (s: number) => new Date(Date.parse('2024-01-01T00:00:00Z') + s * 1000).toISOString();

/** The rows of an enwiki edit of `pageId` from `parent` (null: the page's creation) to `images`. */
export function revisionWrite(pageId: number, revId: number, images: string[], parent: string[] | null, over: Partial<PageImageChange> = {}) {
  return revisionRows(revisionChange(pageId, revId, images, parent, over));
}

/** The image diff of that edit. */
export function revisionChange(pageId: number, revId: number, images: string[], parent: string[] | null, over: Partial<PageImageChange> = {}): PageImageChange {
  const before = new Set(parent ?? []);
  const after = new Set(images);
  return {
    wiki: 'enwiki',
    domain: 'en.wikipedia.org',
    pageId,
    title: `Page_${pageId}`,
    revId,
    parentRevId: parent === null ? null : revId - 1,
    revTimestamp: T(revId),
    dt: T(revId),
    images,
    parentKnown: true,
    added: images.filter((i) => !before.has(i)),
    removed: [...before].filter((i) => !after.has(i)),
    changed: true,
    bySuggestion: false,
    suggestionTag: null,
    isRevert: false,
    isRedirect: false,
    stream: 'mediawiki.revision-create',
    unavailable: null,
    eventId: `ev-${revId}`,
    eventTime: 0,
    ...over,
  };
}

/** An enwiki feedback decision on (pageId, image) at `second`; rejections give the reason 'notrelevant'. */
export const feedbackWrite = (pageId: number, image: string, status: FeedbackDecision['status'], second: number): FeedbackDecision & { pageId: number } => ({
  wiki: 'enwiki',
  pageId,
  image,
  status,
  reasons: status === 'rejected' ? ['notrelevant'] : [],
  source: 'mediawiki.image_suggestions_feedback',
  eventTime: Date.parse(T(second)),
  eventId: `fb-${pageId}-${second}`,
  section: null,
  scope: 'page',
});
