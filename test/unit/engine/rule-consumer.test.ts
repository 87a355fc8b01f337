import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RuleConsumer } from '../../../lib/engine/rule-consumer.ts';
import { compileRule } from '../../../lib/rules/compile.ts';
import { normalizeRule } from '../../../lib/rules/schema.ts';
import { noopObserver, type EngineObserver, type EventOutcome, type SkipReason } from '../../../lib/engine/observer.ts';
import { silentLogger } from '../../../lib/log.ts';
import type { ConsumedMessage, KafkaConsumerClient, RebalanceHooks, TopicPartition, TopicPartitionOffset } from '../../../lib/kafka/consumer.ts';
import type { OutgoingMessage } from '../../../lib/messaging/message.ts';
import { MessageTooLargeError, PermanentError, TransientError } from '../../../lib/errors.ts';
import { parseDeadLetter } from '../../../lib/engine/parking.ts';

/** An in-memory stand-in for the node-rdkafka client: the test decides what each poll returns. */
class FakeClient {
  readonly inbox: ConsumedMessage[] = [];
  readonly commits: TopicPartitionOffset[][] = [];
  readonly syncCommits: TopicPartitionOffset[][] = [];
  readonly paused = new Set<string>();
  onCommitResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;
  failCommits = false;
  constructor(readonly hooks: RebalanceHooks) {}
  async connect() {}
  subscribe() {}
  async consumeBatch(max: number): Promise<ConsumedMessage[]> {
    await new Promise((r) => setTimeout(r, 2));
    const out: ConsumedMessage[] = [];
    for (let i = 0; i < this.inbox.length && out.length < max; ) {
      const m = this.inbox[i]!;
      if (this.paused.has(`${m.topic}/${m.partition}`)) i++;
      else out.push(...this.inbox.splice(i, 1));
    }
    return out;
  }
  async commit(offsets: TopicPartitionOffset[]) {
    if (this.failCommits) {
      const err = new Error('Broker: Unknown member');
      this.onCommitResult?.(err, offsets);
      throw err;
    }
    this.commits.push(offsets);
  }
  commitSync(offsets: TopicPartitionOffset[]) {
    this.syncCommits.push(offsets);
  }
  pause(tps: TopicPartition[]) {
    for (const tp of tps) this.paused.add(`${tp.topic}/${tp.partition}`);
  }
  resume(tps: TopicPartition[]) {
    for (const tp of tps) this.paused.delete(`${tp.topic}/${tp.partition}`);
  }
  watermarks() {
    return null;
  }
  async disconnect() {}
}

function message(partition: number, offset: number, value: unknown): ConsumedMessage {
  return { topic: 'in', partition, offset, key: null, value: Buffer.from(JSON.stringify(value)), headers: [], timestamp: 0, size: 10 };
}

function setup(options: {
  concurrency?: number;
  maxPending?: number;
  stallPauseMs?: number;
  run: (n: number) => Promise<void>;
  maxMessageBytes?: number;
  canary?: boolean;
  observer?: EngineObserver;
  retry?: { in_process: number; limit: number; delay_ms: number; max_delay_ms: number };
}) {
  let client!: FakeClient;
  const produced: OutgoingMessage[] = [];
  const rule = compileRule(
    normalizeRule({
      name: 'r',
      topics: ['in'],
      concurrency: options.concurrency ?? 4,
      key: '{{message.k}}',
      match: { n: '/^\\d+$/' },
      ...(options.canary === undefined ? {} : { canary: options.canary }),
      ...(options.retry === undefined ? {} : { retry: options.retry }),
      steps: [{ log: {} }],
    }),
  );
  const consumer = new RuleConsumer({
    service: 'svc',
    rule,
    steps: [{ name: 'work', step: { run: async (ctx) => void (await options.run(Number(ctx.message.n))) } }],
    sources: ['in'],
    retryTopics: ['svc.retry.in'],
    producer: {
      produce: async (m) => {
        const bytes = Buffer.byteLength(m.value);
        if (bytes > (options.maxMessageBytes ?? Infinity)) throw new MessageTooLargeError('Broker: Message size too large', m.topic, bytes);
        produced.push(m);
        return { topic: m.topic, partition: 0, offset: produced.length - 1 };
      },
    },
    log: silentLogger,
    observer: options.observer ?? noopObserver,
    commitIntervalMs: 5,
    batchSize: 5,
    maxPendingPerPartition: options.maxPending ?? 100,
    ...(options.stallPauseMs === undefined ? {} : { stallPauseMs: options.stallPauseMs }),
    createClient: (hooks) => (client = new FakeClient(hooks)) as unknown as KafkaConsumerClient,
  });
  return { consumer, client: () => client, produced };
}

const until = async (cond: () => boolean, what: string) => {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

describe('RuleConsumer with a scripted client', () => {
  test('at its pending limit a partition holds polling instead of pausing, and memory stays bounded', async () => {
    const gates: Array<() => void> = [];
    const { consumer, client } = setup({ maxPending: 10, concurrency: 50, run: () => new Promise<void>((r) => gates.push(r)) });
    let polls = 0;
    await consumer.start();
    const consume = client().consumeBatch.bind(client());
    client().consumeBatch = (max: number) => ((polls += 1), consume(max));
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    for (let i = 0; i < 30; i++) client().inbox.push(message(0, i, { k: `k${i}`, n: i }));
    await until(() => consumer.pending()[0]!.unfinished >= 10, 'the limit reached');
    const pollsAtLimit = polls;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(polls, pollsAtLimit, 'no poll while the partition is at its limit');
    assert.equal(client().paused.has('in/0'), false, 'not paused: librdkafka keeps what it prefetched');
    assert.equal(consumer.pending()[0]!.paused, true, 'reported as held back');
    let maxUnfinished = 0;
    const deadline = Date.now() + 5000;
    while (client().inbox.length > 0 || consumer.pending()[0]!.unfinished > 0) {
      assert.ok(Date.now() < deadline, 'did not drain');
      maxUnfinished = Math.max(maxUnfinished, consumer.pending()[0]!.unfinished);
      while (gates.length > 0) gates.shift()!();
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.ok(maxUnfinished < 10 + 5, `memory bound exceeded: ${maxUnfinished} unfinished`);
    assert.equal(client().paused.size, 0, 'never paused');
    await until(() => client().commits.flat().some((c) => c.offset === 30), 'final commit');
    await consumer.stop(100);
  });

  test('a partition stuck at its limit is paused after the stall time, the others go on, and it resumes once drained', async () => {
    const gates: Array<() => void> = [];
    // Partition 0's events wait for the test; partition 1's finish at once.
    const { consumer, client } = setup({
      maxPending: 10,
      concurrency: 50,
      stallPauseMs: 30,
      run: (n) => (n < 1000 ? new Promise<void>((r) => gates.push(r)) : Promise.resolve()),
    });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }, { topic: 'in', partition: 1 }]);
    for (let i = 0; i < 20; i++) client().inbox.push(message(0, i, { k: `a${i}`, n: i }));
    for (let i = 0; i < 40; i++) client().inbox.push(message(1, i, { k: `b${i}`, n: 1000 + i }));
    await until(() => client().paused.has('in/0'), 'the stuck partition paused');
    await until(() => client().commits.flat().some((c) => c.partition === 1 && c.offset === 40), 'the other partition drained and committed');
    assert.ok(consumer.pending()[0]!.unfinished <= 10 + 5, 'the stuck partition stayed within its bound');
    while (gates.length > 0 || client().inbox.length > 0 || consumer.pending()[0]!.unfinished > 0) {
      while (gates.length > 0) gates.shift()!();
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => !client().paused.has('in/0'), 'resumed after draining');
    await until(() => client().commits.flat().some((c) => c.partition === 0 && c.offset === 20), 'the stuck partition committed in the end');
    await consumer.stop(100);
  });

  test('on revocation only the finished prefix is committed and the partition work is abandoned', async () => {
    const gates = new Map<number, () => void>();
    const done: number[] = [];
    const { consumer, client } = setup({
      concurrency: 10,
      run: (n) => new Promise<void>((r) => gates.set(n, () => (done.push(n), r()))),
    });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    for (let i = 0; i < 5; i++) client().inbox.push(message(0, 100 + i, { k: `k${i}`, n: i }));
    await until(() => gates.size === 5, 'all five running');
    gates.get(0)!();
    gates.get(1)!();
    gates.get(3)!(); // 2 is still running: nothing past 102 may be committed
    await new Promise((r) => setTimeout(r, 20));
    client().hooks.revoked?.([{ topic: 'in', partition: 0 }]);
    const all = [...client().commits.flat(), ...client().syncCommits.flat()];
    assert.ok(all.length > 0);
    assert.equal(Math.max(...all.map((c) => c.offset)), 102, 'committed past an unfinished event');
    gates.get(2)!();
    gates.get(4)!();
    await new Promise((r) => setTimeout(r, 20));
    const after = [...client().commits.flat(), ...client().syncCommits.flat()];
    assert.equal(Math.max(...after.map((c) => c.offset)), 102, 'work finishing after revocation must not be committed');
    assert.deepEqual(consumer.pending(), []);
    await consumer.stop(100);
  });

  test('a failed commit is reported and retried with the next commit', async () => {
    const { consumer, client } = setup({ run: async () => undefined });
    await consumer.start();
    client().failCommits = true;
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    client().inbox.push(message(0, 0, { k: 'a', n: 0 }));
    await until(() => consumer.lastCommitError !== null, 'commit failure noticed');
    assert.match(consumer.lastCommitError!, /Unknown member/);
    client().failCommits = false;
    await until(() => client().commits.flat().some((c) => c.offset === 1), 'commit retried');
    await until(() => consumer.lastCommitError === null, 'error cleared');
    await consumer.stop(100);
  });

  test('a retry message is held until its due time without blocking newer events', async () => {
    const order: number[] = [];
    const { consumer, client } = setup({ run: async (n) => void order.push(n) });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'svc.retry.in', partition: 0 }, { topic: 'in', partition: 0 }]);
    const due = Date.now() + 150;
    client().inbox.push({
      ...message(0, 0, { k: 'x', n: 1 }),
      topic: 'svc.retry.in',
      headers: [{ 'imr.rule': Buffer.from('r') }, { 'imr.attempt': Buffer.from('1') }, { 'imr.due_at': Buffer.from(String(due)) }],
    });
    client().inbox.push({ ...message(0, 0, { k: 'y', n: 2 }), topic: 'svc.retry.in', headers: [{ 'imr.rule': Buffer.from('other') }, { 'imr.attempt': Buffer.from('1') }] });
    client().inbox.push(message(0, 0, { k: 'z', n: 3 }));
    await until(() => order.length === 2, 'both ran');
    assert.deepEqual(order, [3, 1], 'the retry ran after the newer event, and the other rule’s retry not at all');
    await consumer.stop(100);
  });

  test('an event too large to park even as a dead letter is parked without its value, and the partition goes on', async () => {
    const { consumer, client, produced } = setup({
      maxMessageBytes: 4096,
      run: async (n) => {
        if (n === 1) throw new PermanentError('bad event');
      },
    });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    client().inbox.push(message(0, 0, { k: 'a', n: 1, blob: 'x'.repeat(10_000) }));
    client().inbox.push(message(0, 1, { k: 'b', n: 2 }));
    await until(() => client().commits.flat().some((c) => c.offset === 2), 'committed past the oversized event');
    assert.equal(produced.length, 1);
    const envelope = parseDeadLetter(Buffer.from(produced[0]!.value as string));
    assert.equal(envelope.original.value, null);
    assert.ok(envelope.original.omitted_bytes! > 10_000);
    assert.deepEqual([envelope.source.topic, envelope.source.offset], ['in', 0]);
    await consumer.stop(100);
  });

  test('a bug in a step (a TypeError) is dead-lettered at once under its class, never sent to the retry topic', async () => {
    let calls = 0;
    const outcomes: EventOutcome[] = [];
    const observer: EngineObserver = { ...noopObserver, finished: (_r, _t, outcome) => void outcomes.push(outcome) };
    const { consumer, client, produced } = setup({
      observer,
      run: async () => {
        calls++;
        throw new TypeError("Cannot read properties of undefined (reading 'page_id')");
      },
    });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    client().inbox.push(message(0, 5, { k: 'a', n: 1 }));
    await until(() => client().commits.flat().some((c) => c.offset === 6), 'committed past the event');
    assert.equal(calls, 1, 'not retried in process');
    assert.deepEqual(outcomes, ['dead_lettered']);
    assert.deepEqual(produced.map((m) => m.topic), ['svc.error']);
    const envelope = parseDeadLetter(Buffer.from(produced[0]!.value as string));
    assert.deepEqual(envelope.error, { class: 'TypeError', message: "Cannot read properties of undefined (reading 'page_id')", retriable: false });
    assert.deepEqual([envelope.rule, envelope.step, envelope.attempts], ['r', 'work', 1]);
    assert.deepEqual([envelope.source.topic, envelope.source.partition, envelope.source.offset], ['in', 0, 5]);
    await consumer.stop(100);
  });

  test('a retriable failure goes to the retry topic, due after the rule’s backoff for its first round', async () => {
    const { consumer, client, produced } = setup({
      retry: { in_process: 0, limit: 3, delay_ms: 1000, max_delay_ms: 300_000 },
      run: async () => {
        throw new TransientError('503');
      },
    });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    const before = Date.now();
    client().inbox.push(message(0, 0, { k: 'a', n: 1 }));
    await until(() => produced.length === 1, 'parked');
    const header = (name: string) => produced[0]!.headers!.find((h) => name in h)?.[name]?.toString();
    assert.equal(produced[0]!.topic, 'svc.retry.in');
    assert.deepEqual([header('imr.attempt'), header('imr.step'), header('imr.error.class'), header('imr.error.retriable')], ['1', 'work', 'TransientError', 'true']);
    const due = Number(header('imr.due_at')) - before;
    // Round 1 of delay_ms 1,000: a random wait below 1,000 × 2¹ ms.
    assert.ok(due >= 0 && due < 2000 + (Date.now() - before), `due in ${due} ms`);
    await consumer.stop(100);
  });

  test('every event read ends in exactly one counted outcome: canaries and other streams are skipped with their reason', async () => {
    const outcomes: Array<[EventOutcome, SkipReason | undefined]> = [];
    let consumed = 0;
    const observer: EngineObserver = { ...noopObserver, consumed: () => void consumed++, finished: (_r, _t, outcome, reason) => void outcomes.push([outcome, reason]) };
    const ran: number[] = [];
    const { consumer, client } = setup({ observer, run: async (n) => void ran.push(n) });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    client().inbox.push(message(0, 0, { k: 'a', n: 1, meta: { domain: 'canary', stream: 'in' } }));
    client().inbox.push({ ...message(0, 1, { k: 'b', n: 2 }), skip: 'other_stream' });
    client().inbox.push(message(0, 2, { k: 'c', n: 'not a number' }));
    client().inbox.push(message(0, 3, { k: 'd', n: 4, meta: { domain: 'en.wikipedia.org' } }));
    await until(() => client().commits.flat().some((c) => c.offset === 4), 'every offset committed');
    assert.deepEqual(ran, [4], 'only the real, matching event ran its steps');
    assert.equal(consumed, 4);
    assert.deepEqual(outcomes, [
      ['skipped', 'canary'],
      ['skipped', 'other_stream'],
      ['unmatched', undefined],
      ['succeeded', undefined],
    ]);
    await consumer.stop(100);
  });

  test('a rule that opts in to canaries receives them', async () => {
    const ran: number[] = [];
    const { consumer, client } = setup({ canary: true, run: async (n) => void ran.push(n) });
    await consumer.start();
    client().hooks.assigned?.([{ topic: 'in', partition: 0 }]);
    client().inbox.push(message(0, 0, { k: 'a', n: 1, meta: { domain: 'canary' } }));
    await until(() => ran.length === 1, 'the canary ran');
    await consumer.stop(100);
  });
});
