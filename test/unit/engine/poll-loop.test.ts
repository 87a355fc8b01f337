import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PollLoop, type PollLoopOptions } from '../../../lib/engine/poll-loop.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { ConsumedMessage } from '../../../lib/sources/source.ts';

const message = (offset: number): ConsumedMessage => ({ topic: 't', partition: 0, offset, key: null, value: Buffer.from('{}'), headers: [], timestamp: 0, size: 2 });

/** Runs a loop whose client stops it (through `stop`) when it has seen enough; resolves once the loop has ended. */
function run(options: (stop: () => void) => Omit<PollLoopOptions, 'log'>): Promise<void> {
  return new Promise((resolve) => {
    const loop: PollLoop = new PollLoop({ log: silentLogger, ...options(() => void loop.stop().then(resolve)) });
    loop.start();
  });
}

describe('PollLoop', () => {
  test('polls batches of its size, runs its periodic work before each poll, and hands over every message in order', async () => {
    const batches = [[message(0), message(1)], [], [message(2)]];
    const asked: number[] = [];
    const accepted: number[] = [];
    let beforePolls = 0;
    await run((stop) => ({
      client: {
        consumeBatch: async (max) => {
          asked.push(max);
          const batch = batches.shift() ?? [];
          if (batches.length === 0) stop();
          return batch;
        },
      },
      batchSize: 2,
      beforePoll: () => void beforePolls++,
      holdsPolling: () => false,
      accept: (m) => void accepted.push(m.offset),
    }));
    assert.deepEqual(accepted, [0, 1, 2], 'the poll under way at the stop is handed over too');
    assert.deepEqual(asked, [2, 2, 2]);
    assert.equal(beforePolls, 3);
  });

  test('does not poll while polling is held, and polls again once it is not', async () => {
    let held = 3;
    let polls = 0;
    const waits: number[] = [];
    await run((stop) => ({
      client: { consumeBatch: async () => (polls++, stop(), []) },
      batchSize: 10,
      beforePoll: () => undefined,
      holdsPolling: () => held-- > 0,
      accept: () => undefined,
      sleep: async (ms) => void waits.push(ms),
    }));
    assert.equal(polls, 1);
    assert.equal(waits.length, 3, 'waited three times while held');
  });

  test('a failed poll is logged and tried again after a pause, and the loop goes on', async () => {
    let polls = 0;
    const waits: number[] = [];
    const accepted: number[] = [];
    await run((stop) => ({
      client: {
        consumeBatch: async () => {
          polls++;
          if (polls === 1) throw new Error('Local: Broker transport failure');
          stop();
          return [message(9)];
        },
      },
      batchSize: 10,
      beforePoll: () => undefined,
      holdsPolling: () => false,
      accept: (m) => void accepted.push(m.offset),
      sleep: async (ms) => void waits.push(ms),
    }));
    assert.equal(polls, 2);
    assert.equal(waits.length, 1);
    assert.deepEqual(accepted, [9]);
  });
});
