// Builds the rows one revision's image diff writes: the page's new image set, the added/removed log, and
// applied/removed statuses for the pairs it touched. Pure, so the shapes are unit-tested without a database.
import type { RecommendationStatus } from './status-precedence.ts';
import { anyImagePageIllustration, type IllustrationRule, type IllustrationSource, type PageIllustration, type StoredIllustration } from './illustration-change.ts';

/** What image_diff reports about one revision (also its step result). */
export interface PageImageChange {
  wiki: string;
  domain: string;
  pageId: number;
  title: string;
  revId: number;
  parentRevId: number | null;
  revTimestamp: string | null;
  /** When the change happened (ISO): the revision's timestamp, else the source event's time. */
  dt: string;
  /** The revision's images; null when its text is unavailable (hidden or unknown revision). */
  images: string[] | null;
  /** False when the parent's images are unknown (parent text hidden): no added/removed is claimed. */
  parentKnown: boolean;
  /** The parent's stored verdict, when the stored page state is the parent (fetch_revisions' shortcut). */
  parentIllustration?: StoredIllustration;
  added: string[];
  removed: string[];
  changed: boolean;
  /** The edit summary carries an Android "add image" tag. */
  bySuggestion: boolean;
  suggestionTag: 'top' | 'infobox' | null;
  /** rev_is_revert of the source event; null when its stream does not say (page_change). */
  isRevert: boolean | null;
  /** The revision leaves the page a redirect: it shows no image, and none counts as removed. */
  isRedirect: boolean;
  /** The stream the revision came from: the `source` of the statuses it writes. */
  stream: string;
  /** Why the revision's text is unavailable, when it is. */
  unavailable: 'revision_missing' | 'revision_hidden' | null;
  eventId: string | null;
  /** Event time in ms, used when the revision has no timestamp. */
  eventTime: number;
}

export interface PageStateRow {
  wiki: string;
  pageId: number;
  title: string;
  revId: number;
  revTimestamp: string | null;
  images: string[];
  isRedirect: boolean;
  illustrated: boolean;
  illustrationSource: IllustrationSource | null;
  /** Images found to count, sorted. */
  countedImages: string[];
  illustrationRule: IllustrationRule;
}

export interface ImageChangeRow {
  wiki: string;
  pageId: number;
  revId: number;
  image: string;
  change: 'added' | 'removed';
  revTimestamp: string | null;
  bySuggestion: boolean;
  eventId: string | null;
}

export interface StatusRow {
  wiki: string;
  pageId: number;
  image: string;
  status: RecommendationStatus;
  reasons: string[];
  source: string;
  eventTime: number;
  revId: number | null;
  eventId: string | null;
  /** The section a feedback decision was made in (edits: none). */
  sectionTitle?: string | null;
  sectionOrdinal?: number | null;
}

export interface UnprocessableRow {
  wiki: string;
  ref: string;
  reason: 'revision_missing' | 'revision_hidden' | 'page_missing' | 'title_invalid';
  pageId: number | null;
  stream: string | null;
  eventId: string | null;
}

export interface RevisionRows {
  page: PageStateRow | null;
  changes: ImageChangeRow[];
  statuses: StatusRow[];
  unprocessable: UnprocessableRow[];
}

/** The rows of `change`, its page recorded with `illustration` (by default the any-image verdict of its images). */
export function revisionRows(change: PageImageChange, illustration?: PageIllustration): RevisionRows {
  if (change.images === null) {
    return {
      page: null,
      changes: [],
      statuses: [],
      unprocessable: [
        {
          wiki: change.wiki,
          ref: `rev:${change.revId}`,
          reason: change.unavailable ?? 'revision_missing',
          pageId: change.pageId,
          stream: change.stream,
          eventId: change.eventId,
        },
      ],
    };
  }
  const timestamp = change.revTimestamp === null ? NaN : Date.parse(change.revTimestamp);
  const eventTime = Number.isNaN(timestamp) ? change.eventTime : timestamp;
  const changeRow = (image: string, kind: 'added' | 'removed'): ImageChangeRow => ({
    wiki: change.wiki,
    pageId: change.pageId,
    revId: change.revId,
    image,
    change: kind,
    revTimestamp: change.revTimestamp,
    bySuggestion: kind === 'added' && change.bySuggestion,
    eventId: change.eventId,
  });
  const statusRow = (image: string, status: 'applied' | 'removed'): StatusRow => ({
    wiki: change.wiki,
    pageId: change.pageId,
    image,
    status,
    reasons: [],
    source: change.stream,
    eventTime,
    revId: change.revId,
    eventId: change.eventId,
  });
  // With the parent unknown nothing is claimed as added or removed; the page's current set is still true. A page
  // turned into a redirect shows no image, and none was removed from an article: it left for another page.
  const claimed = change.parentKnown && !change.isRedirect;
  const added = claimed ? change.added : [];
  const removed = claimed ? change.removed : [];
  // A redirect is never illustrated, whatever rule judged it.
  const judged = illustration ?? anyImagePageIllustration(change)!;
  const verdict: PageIllustration = change.isRedirect ? { rule: judged.rule, illustrated: false, source: null, counted: [] } : judged;
  return {
    page: {
      wiki: change.wiki,
      pageId: change.pageId,
      title: change.title,
      revId: change.revId,
      revTimestamp: change.revTimestamp,
      images: change.isRedirect ? [] : [...new Set(change.images)].sort(),
      isRedirect: change.isRedirect,
      illustrated: verdict.illustrated,
      illustrationSource: verdict.source,
      countedImages: [...new Set(verdict.counted)].sort(),
      illustrationRule: verdict.rule,
    },
    changes: [...added.map((i) => changeRow(i, 'added')), ...removed.map((i) => changeRow(i, 'removed'))],
    statuses: [...added.map((i) => statusRow(i, 'applied')), ...removed.map((i) => statusRow(i, 'removed'))],
    unprocessable: [],
  };
}
