// Consumer lag per partition: how far the committed position (or the one about to be committed) is behind the
// partition's high watermark. Reported at the pace of commits, since lag changes only as fast as they do.

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
  readonly offsets: { readonly committable: number | null };
}

/** Reports the lag of every partition whose watermarks are known. */
export function reportLag(
  partitions: Iterable<LaggingPartition>,
  watermarks: (topic: string, partition: number) => Watermarks | null,
  report: (topic: string, partition: number, lag: number) => void,
): void {
  for (const state of partitions) {
    const lag = partitionLag(watermarks(state.topic, state.partition), state.committed, state.offsets.committable);
    if (lag !== null) report(state.topic, state.partition, lag);
  }
}
