// Checkpoints of the non-Kafka sources: written to a temporary file, fsynced, then renamed over the old one,
// so a crash leaves either the previous or the new checkpoint, never half of one.
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';
import type { TopicPartitionOffset } from './source.ts';

export function writeJsonAtomically(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  const fd = openSync(tmp, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

/** The asynchronous commit of a source whose commits are synchronous file writes: report, then resolve or throw. */
export async function commitAndReport(
  source: { commitSync(offsets: TopicPartitionOffset[]): void; onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined },
  offsets: TopicPartitionOffset[],
): Promise<void> {
  try {
    source.commitSync(offsets);
    source.onCommitResult?.(null, offsets);
  } catch (err) {
    source.onCommitResult?.(err as Error, offsets);
    throw err;
  }
}
