// The status precedence of lib/recommendations/status-precedence.ts as a PostgreSQL row, so the upsert of statuses
// decides in the database exactly as compareObservations decides in the router (migration 003 spells it out).
import { STATUSES, STATUS_TIE_RANK, STATUS_TIER, type RecommendationStatus } from '../recommendations/status-precedence.ts';

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
  return `(${sqlCase(STATUS_TIER, status)}, ${alias}.event_dt, coalesce(${alias}.rev_id, 0), ${sqlCase(STATUS_TIE_RANK, status)})`;
}

