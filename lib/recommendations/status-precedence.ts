// The recommendation status state machine: which of two observations of a (wiki, page, image) pair wins.
// Pure and order-independent (a commutative "max"), so replays and out-of-order events converge.
//
// Precedence, highest first (docs/state.md explains why):
//   1. tier: decisions and page facts (accepted, rejected, applied, removed) > invalidated > undecided.
//      So "undecided" never unblocks a rejection, and an invalidation never hides a real decision.
//   2. within a tier, the later event time wins (a newer decision overrides an older one);
//   3. same time: the later revision wins (two edits in the same second: add, then revert);
//   4. still tied: rejected > removed > applied > accepted (the more conservative reading).
// Everything equal: the current row stays (idempotent duplicate).

export const STATUSES = ['accepted', 'rejected', 'undecided', 'invalidated', 'applied', 'removed'] as const;
export type RecommendationStatus = (typeof STATUSES)[number];

export interface StatusObservation {
  status: RecommendationStatus;
  /** Event time in epoch milliseconds (feedback `dt`, or the revision timestamp for applied/removed). */
  eventTime: number;
  /** The revision behind an applied/removed status; null for feedback. */
  revId: number | null;
}

/** Rank 1 of the precedence: decisions and page facts, then invalidated, then undecided. */
export const STATUS_TIER: Readonly<Record<RecommendationStatus, number>> = {
  undecided: 0,
  invalidated: 1,
  accepted: 2,
  rejected: 2,
  applied: 2,
  removed: 2,
};

/** The last rank: the more conservative reading wins a full tie. */
export const STATUS_TIE_RANK: Readonly<Record<RecommendationStatus, number>> = {
  undecided: 0,
  invalidated: 0,
  accepted: 1,
  applied: 2,
  removed: 3,
  rejected: 4,
};

/** Negative when `a` loses to `b`, positive when it wins, 0 when neither does. */
export function compareObservations(a: StatusObservation, b: StatusObservation): number {
  return (
    STATUS_TIER[a.status] - STATUS_TIER[b.status] ||
    a.eventTime - b.eventTime ||
    (a.revId ?? 0) - (b.revId ?? 0) ||
    STATUS_TIE_RANK[a.status] - STATUS_TIE_RANK[b.status]
  );
}

/** The observation to keep: `incoming` when it wins over `current`, else `current` (also on a tie). */
export function nextStatus<T extends StatusObservation>(current: T | null, incoming: T): T {
  if (current === null) return incoming;
  return compareObservations(incoming, current) > 0 ? incoming : current;
}
