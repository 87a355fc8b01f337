// The time embedded in a version-1 UUID (Cassandra's timeuuid), which is how a Cassandra dataset `id` says when its
// run happened. Timeuuids put the low bits of the time first, so their strings do not sort in time order.

const UUID = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/i;

// 100-nanosecond intervals between the Gregorian epoch (1582-10-15) and the Unix epoch.
const GREGORIAN_OFFSET = 0x01b21dd213814000n;

/** Microseconds since the Unix epoch of a version-1 UUID (RFC 4122 §4.1.4), or null when `id` is not one. */
export function timeuuidMicros(id: string): bigint | null {
  const m = UUID.exec(id);
  if (!m) return null;
  const [, low, mid, high] = m as unknown as [string, string, string, string];
  if (high[0] !== '1') return null; // the version nibble
  const intervals = BigInt(`0x${high.slice(1)}${mid}${low}`);
  return (intervals - GREGORIAN_OFFSET) / 10n;
}

/** ISO 8601 with microseconds (what PostgreSQL's timestamptz keeps), e.g. 2024-05-06T07:08:09.123456Z. */
export function microsToIso(micros: bigint): string {
  const ms = micros / 1000n;
  const iso = new Date(Number(ms)).toISOString();
  const rest = ((micros % 1000n) + 1000n) % 1000n;
  return `${iso.slice(0, 23)}${rest.toString().padStart(3, '0')}Z`;
}

/** The timeuuid's time as ISO text with microseconds, or null when `id` is not a version-1 UUID. */
export function timeuuidTime(id: string): string | null {
  const micros = timeuuidMicros(id);
  return micros === null ? null : microsToIso(micros);
}

/**
 * A version-1 UUID for a time in µs since the epoch (the clock sequence and node from `seqNode`, 16 hex digits), as
 * Cassandra's now() makes them: for datasets written by tests, the demo and the bench.
 */
export function timeuuidFor(micros: bigint, seqNode = '8000000000000000'): string {
  const t = micros * 10n + GREGORIAN_OFFSET;
  const hex = (v: bigint, width: number) => v.toString(16).padStart(width, '0');
  const low = hex(t & 0xffffffffn, 8);
  const mid = hex((t >> 32n) & 0xffffn, 4);
  const high = hex((t >> 48n) & 0x0fffn, 3);
  return `${low}-${mid}-1${high}-${seqNode.slice(0, 4)}-${seqNode.slice(4, 16).padEnd(12, '0')}`;
}
