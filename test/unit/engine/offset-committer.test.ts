import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OffsetCommitter } from '../../../lib/engine/offset-committer.ts';
import { AssignedPartitions } from '../../../lib/engine/assigned-partitions.ts';
import { noopObserver, type EngineObserver } from '../../../lib/engine/observer.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { TopicPartitionOffset } from '../../../lib/sources/source.ts';

function setup(options: { failAsync?: () => boolean; failSync?: boolean; now?: () => number } = {}) {
  const commits: TopicPartitionOffset[][] = [];
  const syncCommits: TopicPartitionOffset[][] = [];
  const committed: Array<[string, number, number]> = [];
  const failures: string[] = [];
  const client = {
    onCommitResult: undefined as ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined,
    async commit(offsets: TopicPartitionOffset[]) {
      if (options.failAsync?.()) {
        const err = new Error('Broker: Unknown member');
        client.onCommitResult?.(err, offsets);
        throw err;
      }
      commits.push(offsets);
    },
    commitSync(offsets: TopicPartitionOffset[]) {
      if (options.failSync) throw new Error('Local: Erroneous state');
      syncCommits.push(offsets);
    },
  };
  const observer: EngineObserver = {
    ...noopObserver,
    committed: (_rule, topic, partition, offset) => void committed.push([topic, partition, offset]),
    commitFailed: (_rule, reason) => void failures.push(reason),
  };
  const partitions = new AssignedPartitions();
  partitions.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
  const committer = new OffsetCommitter({ rule: 'r', client, partitions, observer, log: silentLogger, intervalMs: 100, now: options.now ?? Date.now });
  return { committer, partitions, commits, syncCommits, committed, failures };
}

function finished(partitions: AssignedPartitions, partition: number, offsets: number[]) {
  const state = partitions.get('t', partition)!;
  for (const offset of offsets) state.offsets.track(offset);
  for (const offset of offsets) state.finish(offset);
  return state;
}

describe('OffsetCommitter', () => {
  test('commits the finished prefix of every partition that moved, in one call, once', async () => {
    const { committer, partitions, commits, committed } = setup();
    finished(partitions, 0, [0, 1, 2]);
    finished(partitions, 1, [7]);
    await committer.commit();
    assert.deepEqual(commits, [[{ topic: 't', partition: 0, offset: 3 }, { topic: 't', partition: 1, offset: 8 }]]);
    assert.deepEqual(committed, [['t', 0, 3], ['t', 1, 8]]);
    assert.equal(partitions.get('t', 0)!.committed, 3);
    await committer.commit();
    assert.equal(commits.length, 1, 'nothing moved: no second commit');
  });

  test('a failed commit is reported, kept as the last error, and the same offsets are committed next time', async () => {
    let fail = true;
    const { committer, partitions, commits, failures } = setup({ failAsync: () => fail });
    finished(partitions, 0, [0]);
    await committer.commit();
    assert.equal(committer.lastError, 'Broker: Unknown member');
    assert.deepEqual(failures, ['Broker: Unknown member']);
    assert.equal(partitions.get('t', 0)!.committed, null);
    fail = false;
    await committer.commit();
    assert.deepEqual(commits, [[{ topic: 't', partition: 0, offset: 1 }]]);
    assert.equal(committer.lastError, null);
  });

  test('is due once the interval since the last commit passed', async () => {
    let now = 1000;
    const { committer } = setup({ now: () => now });
    assert.equal(committer.due, true, 'never committed');
    await committer.commit();
    now += 99;
    assert.equal(committer.due, false);
    now += 1;
    assert.equal(committer.due, true);
  });

  test('commits one partition synchronously, and reports a failure instead of throwing', () => {
    const ok = setup();
    const state = finished(ok.partitions, 1, [4, 5]);
    ok.committer.commitSync(state);
    ok.committer.commitSync(state);
    assert.deepEqual(ok.syncCommits, [[{ topic: 't', partition: 1, offset: 6 }]], 'once: nothing moved the second time');
    assert.equal(state.committed, 6);

    const failing = setup({ failSync: true });
    const other = finished(failing.partitions, 0, [0]);
    failing.committer.commitSync(other);
    assert.equal(failing.committer.lastError, 'Local: Erroneous state');
    assert.equal(other.committed, null);
  });
});
