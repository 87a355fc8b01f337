// Consumer lag per partition: how far the committed position (or the one about to be committed) is behind the
// partition's high watermark, in messages and in the age of those events (what change-propagation's operators watch).
// Reported at the pace of commits, since lag changes only as fast as they do.

export interface Watermarks {
  low: number;
  high: number;
}

/** The lag of a partition, or null while its watermarks are unknown. */
export function partitionLag(watermarks: Watermarks | null, committed: number | null, committable: number | null): number | null {
  if (!watermarks || watermarks.high < 0) return null;
  const position = committed ?? committable ?? watermarks.low;
  return Math.max(0, watermarks.high - position);
}

export interface LaggingPartition {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly offsets: {
    readonly committable: number | null;
    readonly unfinished: number;
    readonly oldestUnfinishedTime: number;
    readonly lastFinishedTime: number;
  };
}

/**
 * How old, in seconds, the events a partition is behind on are: the oldest event still unfinished; with none in hand
 * but messages left to fetch, the last one finished; caught up, 0. Null when the events' times are unknown.
 */
export function partitionTimeLag(offsets: LaggingPartition['offsets'], messageLag: number | null, now: number): number | null {
  let time: number;
  if (offsets.unfinished > 0) time = offsets.oldestUnfinishedTime;
  else if (messageLag !== null && messageLag > 0) time = offsets.lastFinishedTime;
  else return messageLag === 0 ? 0 : null;
  return Number.isFinite(time) ? Math.max(0, (now - time) / 1000) : null;
}

/** Reports the lag of every partition whose watermarks are known, and the age of what it is behind on. */
export function reportLag(
  partitions: Iterable<LaggingPartition>,
  watermarks: (topic: string, partition: number) => Watermarks | null,
  report: (topic: string, partition: number, lag: number) => void,
  reportTime: (topic: string, partition: number, seconds: number) => void = () => undefined,
  now: number = Date.now(),
): void {
  for (const state of partitions) {
    const lag = partitionLag(watermarks(state.topic, state.partition), state.committed, state.offsets.committable);
    if (lag !== null) report(state.topic, state.partition, lag);
    const age = partitionTimeLag(state.offsets, lag, now);
    if (age !== null) reportTime(state.topic, state.partition, age);
  }
}
