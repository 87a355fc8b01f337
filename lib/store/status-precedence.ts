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

const TIER: Readonly<Record<RecommendationStatus, number>> = {
  undecided: 0,
  invalidated: 1,
  accepted: 2,
  rejected: 2,
  applied: 2,
  removed: 2,
};

const TIE_RANK: Readonly<Record<RecommendationStatus, number>> = {
  undecided: 0,
  invalidated: 0,
  accepted: 1,
  applied: 2,
  removed: 3,
  rejected: 4,
};

/** Statuses that keep the pair out of the batch job's suggestions (see the recommendation_exclusions view). */
export const EXCLUDING_STATUSES: readonly RecommendationStatus[] = ['accepted', 'rejected', 'invalidated', 'applied', 'removed'];

/** Negative when `a` loses to `b`, positive when it wins, 0 when neither does. */
export function compareObservations(a: StatusObservation, b: StatusObservation): number {
  return (
    TIER[a.status] - TIER[b.status] ||
    a.eventTime - b.eventTime ||
    (a.revId ?? 0) - (b.revId ?? 0) ||
    TIE_RANK[a.status] - TIE_RANK[b.status]
  );
}

/** A SQL CASE mapping a status expression to its number in `table`; -1 for a status the table does not know. */
function sqlCase(table: Readonly<Record<RecommendationStatus, number>>, status: string): string {
  const arms = STATUSES.map((name) => {
    const value = table[name];
    // Constants of this module, never user input; checked anyway since they are spliced into SQL.
    if (!/^[a-z]+$/.test(name) || !Number.isSafeInteger(value)) throw new Error(`status precedence table is not SQL-safe: ${name}`);
    return `WHEN '${name}' THEN ${value}`;
  });
  return `(CASE ${status} ${arms.join(' ')} ELSE -1 END)`;
}

/**
 * The key `compareObservations` orders by, as a PostgreSQL row over the status columns of `alias`
 * (status, event_dt, rev_id): (tier, event time, coalesce(rev_id, 0), tie rank). For two rows a and b,
 * `precedenceKeySql('a') > precedenceKeySql('b')` is `compareObservations(a, b) > 0` (row comparison is
 * lexicographic). Event times must carry the same precision on both sides: the store writes whole milliseconds.
 * A status unknown to the tables ranks below all others (-1), as if no row were stored.
 */
export function precedenceKeySql(alias: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`not a plain SQL alias: ${alias}`);
  const status = `${alias}.status`;
  return `(${sqlCase(TIER, status)}, ${alias}.event_dt, coalesce(${alias}.rev_id, 0), ${sqlCase(TIE_RANK, status)})`;
}

/** The observation to keep: `incoming` when it wins over `current`, else `current` (also on a tie). */
export function nextStatus<T extends StatusObservation>(current: T | null, incoming: T): T {
  if (current === null) return incoming;
  return compareObservations(incoming, current) > 0 ? incoming : current;
}

export function isStatus(value: unknown): value is RecommendationStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}
