// Whether PageImages' props read after an edit describe that edit's revision. They are written by the links update,
// which runs after the revision is saved (deferred, or queued as a job), so an answer may still show the old ones.

export type PageImageFreshness =
  /** The API has not seen the revision yet (a lagging replica): ask again later. */
  | 'behind'
  /** The revision is the latest, but too recent for its links update to be trusted as done: ask again later. */
  | 'settling'
  /** The revision is the latest and old enough: the props are its own. */
  | 'current'
  /** A later revision exists: the props are that one's, whose own event will follow. */
  | 'ahead';

/**
 * `lastRevId`: the page's latest revision in the answer (null: not said). `revTimestampMs` and `nowMs` in the
 * same clock (epoch milliseconds); `settleMs`: how long after an edit its links update is taken as done.
 */
export function pageImageFreshness(lastRevId: number | null, revId: number, revTimestampMs: number, nowMs: number, settleMs: number): PageImageFreshness {
  if (lastRevId === null || lastRevId < revId) return 'behind';
  if (lastRevId > revId) return 'ahead';
  return nowMs - revTimestampMs < settleMs ? 'settling' : 'current';
}
