// Malformed events mixed into a valid stream, through the real ImageMatching rules in one router process:
// broken JSON, wrong types, missing fields, 2 MB payloads, odd encodings, hostile titles. Every bad event
// must land in the dead-letter topic with its reason, every valid one must be applied, and the router
// must neither restart nor grow without bound.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createTopics } from '../../lib/kafka/admin.ts';
import { parseDeadLetter } from '../../lib/engine/parking.ts';
import { FakeMediaWiki } from '../helpers/mediawiki-server.ts';
import { KAFKA_BROKERS } from '../helpers/services.ts';
import { readTopic } from '../helpers/router-harness.ts';
import pg from 'pg';
import { articles, createPipeline, dropPipeline, openProducer, revId, rssMb, settled, startRouter, topicSize, type Pipeline } from './helpers/pipeline.ts';

const BAD_EVENTS = 10_000;
const PAGES = 150;
const STEPS = 4;
const VALID_FEEDBACK = 300;
const MB = 1024 * 1024;
/** Not a timing: a generous bound on the router's resident memory while it chews through the bad input. */
const RSS_BOUND_MB = 600;

type Stream = 'revisions' | 'feedback';
interface Produced {
  stream: Stream;
  value: Buffer;
  category: string;
}

const feedback = (over: Record<string, unknown>, drop: string[] = []): Record<string, unknown> => {
  const event: Record<string, unknown> = {
    $schema: '/mediawiki/page/image-suggestions-feedback/2.1.0',
    meta: { stream: 'mediawiki.image_suggestions_feedback', dt: '2024-02-01T00:00:00Z', id: 'bad', domain: 'en.wikipedia.org' },
    dt: '2024-02-01T00:00:00Z',
    wiki: 'enwiki',
    page_id: 7,
    filename: 'Fine.jpg',
    user_id: 1,
    is_accepted: false,
    is_rejected: true,
    rejection_reasons: ['notrelevant'],
    origin_wiki: 'commonswiki',
    ...over,
  };
  for (const key of drop) delete event[key];
  return event;
};

const revision = (over: Record<string, unknown>, drop: string[] = []): Record<string, unknown> => {
  const event: Record<string, unknown> = {
    $schema: '/mediawiki/revision/create/2.0.0',
    meta: { domain: 'en.wikipedia.org', dt: '2024-02-01T00:00:00Z', id: 'bad-rev', stream: 'mediawiki.revision-create' },
    database: 'enwiki',
    page_id: 1,
    page_title: 'Fault_page_1',
    page_namespace: 0,
    rev_id: revId(1, 1),
    rev_parent_id: revId(1, 0),
    rev_content_changed: true,
    rev_timestamp: '2024-02-01T00:00:00Z',
    rev_content_model: 'wikitext',
    comment: 'x',
    ...over,
  };
  for (const key of drop) delete event[key];
  return event;
};

const json = (v: unknown) => Buffer.from(JSON.stringify(v));
const text = (s: string) => Buffer.from(s);

/** Kinds of bad events; each matches its rule (so it reaches the steps) and is invalid by the documented contract. */
const BAD: Array<{ category: string; stream: Stream; make: (i: number) => Buffer }> = [
  { category: 'broken JSON: truncated event', stream: 'feedback', make: (i) => { const full = JSON.stringify(feedback({ page_id: i + 1 })); return text(full.slice(0, 1 + (i % (full.length - 2)))); } },
  { category: 'broken JSON: truncated revision', stream: 'revisions', make: (i) => { const full = JSON.stringify(revision({})); return text(full.slice(0, 1 + (i % (full.length - 2)))); } },
  { category: 'broken JSON: garbage', stream: 'feedback', make: (i) => text(['not json', "{'wiki': 'enwiki'}", '{"wiki":"enwiki"}}', '{"wiki":', '\u0000\u0001\u0002', '{"a":NaN}', '{"a":undefined}', '<xml/>'][i % 8]!) },
  { category: 'not an object', stream: 'revisions', make: (i) => text(['[]', '42', '"revision"', 'null', 'true', '[{"page_namespace":0}]'][i % 6]!) },
  { category: 'empty message', stream: 'feedback', make: () => Buffer.alloc(0) },
  {
    category: 'feedback: wrong types',
    stream: 'feedback',
    make: (i) => json([
      feedback({ wiki: 123 }),
      feedback({ page_id: 'abc' }),
      feedback({ page_id: -4 }),
      feedback({ page_id: 1.5 }),
      feedback({ filename: 42 }),
      feedback({ filename: ['A.jpg'] }),
      feedback({ dt: 'yesterday', meta: { id: 'x' } }),
      feedback({ is_accepted: true, is_rejected: true }),
      feedback({ wiki: 'EN WIKI' }),
    ][i % 9]),
  },
  { category: 'feedback: missing fields', stream: 'feedback', make: (i) => json([{}, feedback({}, ['wiki', 'page_id']), feedback({}, ['filename']), feedback({ meta: {} }, ['dt'])][i % 4]) },
  {
    category: 'feedback: hostile title',
    stream: 'feedback',
    make: (i) => json(feedback({
      page_id: 1000 + (i % 50),
      filename: ['[[File:X.jpg]]', 'a|b.jpg', '<script>alert(1)</script>.jpg', '../../etc/passwd', '#top', '{{evil}}', '', '   ', '~~~~ signed.jpg', `${'x'.repeat(300)}.jpg`, '%5Bbad%5D.jpg', 'a\u0000b.jpg', '\u200e\u200f', 'File:'][i % 14],
    })),
  },
  {
    category: 'odd encoding',
    stream: 'feedback',
    make: (i) => [
      // Invalid UTF-8 inside the JSON text, which cuts the string open.
      Buffer.concat([text('{"wiki":"enwiki","page_id":3,"filename":"a'), Buffer.from([0xff, 0xfe, 0x22]), text('.jpg}')]),
      // The event as UTF-16: NUL bytes between the characters.
      Buffer.from(JSON.stringify(feedback({})), 'utf16le'),
      // A lone continuation byte before the JSON.
      Buffer.concat([Buffer.from([0x80]), json(feedback({}))]),
    ][i % 3]!,
  },
  {
    category: 'revision: wrong types or missing fields',
    stream: 'revisions',
    make: (i) => json([
      revision({ rev_id: 'abc' }),
      revision({}, ['rev_id']),
      revision({ page_id: 0 }),
      revision({}, ['database']),
      // Without meta.domain the wiki id names the API host: one no one knows is refused (not in the site matrix).
      revision({ database: 'nosuchwiki' }, ['meta']),
      revision({ rev_parent_id: 'parent' }),
      revision({ page_id: '12x' }),
    ][i % 7]),
  },
  {
    category: 'revision: hostile domain',
    stream: 'revisions',
    make: (i) => json(revision({ meta: { domain: ['evil.example.com', 'en.wikipedia.org:8080/x', '127.0.0.1', 'en.wikipedia.org/../admin'][i % 4], id: 'hostile' } })),
  },
];

/** 2 MB payloads: above Kafka's 1 MB default, so the topics and producers are configured for 8 MB. */
const HUGE: Array<{ category: string; stream: Stream; make: () => Buffer }> = [
  { category: 'huge: 2 MB of broken JSON', stream: 'feedback', make: () => text('['.repeat(2 * MB)) },
  { category: 'huge: 2 MB file name', stream: 'feedback', make: () => json(feedback({ filename: `${'A'.repeat(2 * MB)}.jpg` })) },
  { category: 'huge: 2 MB revision with a bad id', stream: 'revisions', make: () => json(revision({ rev_id: 'x', padding: 'p'.repeat(2 * MB) })) },
];

describe('malformed events mixed into a valid stream', { timeout: 600_000 }, () => {
  const api = new FakeMediaWiki();
  let p: Pipeline;
  let router: ReturnType<typeof startRouter>;
  const bad: Array<Produced & { topic: string; partition: number; offset: number }> = [];
  const validFeedbackIds: string[] = [];
  let peakRss = 0;
  let sampler: NodeJS.Timeout | undefined;

  before(async () => {
    await api.start();
    const texts = articles();
    for (let page = 1; page <= PAGES; page++) {
      for (let step = 0; step <= STEPS; step++) {
        api.addRevision({
          revId: revId(page, step),
          pageId: page,
          title: `Fault_page_${page}`,
          parentId: step === 0 ? null : revId(page, step - 1),
          timestamp: new Date(Date.UTC(2024, 0, 1, 0, step)).toISOString(),
          text: (step === 2 ? `[[File:Bad input ${page}.jpg|thumb]]\n` : '') + texts[page % texts.length]! + `\nEdit ${step}.`,
        });
      }
    }
    const big = { 'max.message.bytes': String(8 * MB) };
    p = await createPipeline('bad-input', api.url, { topicConfig: big });
    // The router must be able to dead-letter a 2 MB event: a bigger producer limit and dead-letter topic.
    await createTopics(KAFKA_BROKERS, [{ topic: `${p.service}.error`, partitions: 1, config: { 'max.message.bytes': String(16 * MB) } }]);
    writeFileSync(p.config, readFileSync(p.config, 'utf8').replace(/^(\s+consumer: .*)$/m, `$1\n  producer: {"message.max.bytes": ${16 * MB}}`));
    router = startRouter(p);
    sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(router.child.pid!))), 100);
  });

  after(async () => {
    clearInterval(sampler);
    await dropPipeline(p);
    await api.stop();
  });

  test(`${BAD_EVENTS} bad events are dead-lettered with their reason, every valid one is applied, and the router stays up`, async (t) => {
    // The valid stream: page revisions in order, and feedback with odd but legal Unicode file names.
    const valid: Array<{ stream: Stream; key: string; value: Buffer }> = [];
    for (let step = 1; step <= STEPS; step++) {
      for (let page = 1; page <= PAGES; page++) {
        valid.push({ stream: 'revisions', key: `enwiki:${page}`, value: json(revision({ page_id: page, page_title: `Fault_page_${page}`, rev_id: revId(page, step), rev_parent_id: revId(page, step - 1), meta: { domain: 'en.wikipedia.org', dt: '2024-02-01T00:00:00Z', id: `valid-rev-${page}-${step}` } })) });
      }
    }
    const names = ['Ünïcödé Ω.jpg', '日本語の画像.png', 'صورة المدينة.jpg', 'Emoji 😀 face.svg', 'Cafe\u0301.jpg', 'Ελληνικά.gif', 'ß-straße.jpg', 'Zero\u200bwidth.png'];
    for (let i = 0; i < VALID_FEEDBACK; i++) {
      const id = `valid-fb-${i}`;
      validFeedbackIds.push(id);
      valid.push({ stream: 'feedback', key: `enwiki:${50_000 + i}`, value: json(feedback({ page_id: 50_000 + i, filename: `${names[i % names.length]} ${i}`, meta: { stream: 'mediawiki.image_suggestions_feedback', dt: '2024-02-01T00:00:00Z', id } })) });
    }

    const producer = await openProducer({ 'message.max.bytes': 16 * MB });
    try {
      const deliveries: Array<Promise<void>> = [];
      const sendBad = (b: Produced) =>
        deliveries.push(producer.produce({ topic: p.topics[b.stream], value: b.value }).then((r) => void bad.push({ ...b, topic: r.topic, partition: r.partition, offset: r.offset })));
      let v = 0;
      for (let i = 0; i < BAD_EVENTS - HUGE.length; i++) {
        const kind = BAD[i % BAD.length]!;
        sendBad({ stream: kind.stream, value: kind.make(Math.floor(i / BAD.length)), category: kind.category });
        // Roughly one valid event for every seven bad ones, in the same partitions.
        if (i % 7 === 0 && v < valid.length) {
          const e = valid[v++]!;
          deliveries.push(producer.produce({ topic: p.topics[e.stream], key: e.key, value: e.value }).then(() => undefined));
        }
        if (i % 2000 === 1999) await Promise.all(deliveries.splice(0));
      }
      for (const h of HUGE) sendBad({ stream: h.stream, value: h.make(), category: h.category });
      for (; v < valid.length; v++) {
        const e = valid[v]!;
        deliveries.push(producer.produce({ topic: p.topics[e.stream], key: e.key, value: e.value }).then(() => undefined));
      }
      await Promise.all(deliveries);
    } finally {
      await producer.disconnect();
    }
    assert.equal(bad.length, BAD_EVENTS);

    await settled(p, 300_000);

    // Every bad event, and nothing else, is in the dead-letter topic, with the reason it was refused.
    const deadLetterTopic = `${p.service}.error`;
    assert.equal(await topicSize(deadLetterTopic), BAD_EVENTS, 'dead letters == bad events');
    const letters = await readTopic(deadLetterTopic, BAD_EVENTS, 120_000);
    const coordinate = (t: string, part: number, off: number) => `${t}/${part}/${off}`;
    const badAt = new Map(bad.map((b) => [coordinate(b.topic, b.partition, b.offset), b]));
    const reasons = new Map<string, Set<string>>();
    for (const message of letters) {
      const envelope = parseDeadLetter(message.value);
      const origin = badAt.get(coordinate(envelope.source.topic, envelope.source.partition, envelope.source.offset));
      assert.ok(origin, `dead letter of a valid event: ${JSON.stringify(envelope.source)} (${envelope.error.message})`);
      assert.ok(envelope.error.class && envelope.error.message, `a dead letter says why: ${JSON.stringify(envelope.error)}`);
      assert.equal(envelope.error.retriable, false, `${origin.category}: refused for good, not after retries (${envelope.error.message})`);
      const got = envelope.original.value === null ? Buffer.alloc(0) : Buffer.from(envelope.original.value, envelope.original.value_encoding === 'base64' ? 'base64' : 'utf8');
      assert.ok(got.equals(origin.value), `${origin.category}: the dead letter keeps the original bytes`);
      badAt.delete(coordinate(envelope.source.topic, envelope.source.partition, envelope.source.offset));
      const set = reasons.get(origin.category) ?? new Set<string>();
      set.add(`${envelope.step}: ${envelope.error.class}`);
      reasons.set(origin.category, set);
    }
    assert.equal(badAt.size, 0, `every bad event was dead-lettered once: missing ${[...badAt.values()].slice(0, 3).map((b) => b.category).join(', ')}`);
    for (const kind of [...BAD, ...HUGE]) assert.ok(reasons.has(kind.category), `${kind.category} was dead-lettered`);

    // Every valid event is applied.
    const client = new pg.Client({ connectionString: p.db.url });
    await client.connect();
    try {
      const pages = await client.query<{ page_id: string; rev_id: string }>('SELECT page_id, rev_id FROM page_image_state ORDER BY page_id');
      assert.deepEqual(pages.rows.map((r) => [Number(r.page_id), Number(r.rev_id)]), Array.from({ length: PAGES }, (_, i) => [i + 1, revId(i + 1, STEPS)]));
      const added = await client.query<{ n: string }>(`SELECT count(*) AS n FROM image_change WHERE change = 'added' AND image LIKE 'Bad_input_%'`);
      assert.equal(Number(added.rows[0]!.n), PAGES, 'each page gained its image once');
      const decided = await client.query<{ event_id: string }>(`SELECT event_id FROM recommendation_status WHERE page_id >= 50000`);
      assert.deepEqual(decided.rows.map((r) => r.event_id).sort(), [...validFeedbackIds].sort());
    } finally {
      await client.end();
    }

    t.diagnostic(`dead-letter reasons: ${JSON.stringify(Object.fromEntries([...reasons].map(([k, v]) => [k, [...v]])))}`);
    t.diagnostic(`router peak RSS ${peakRss.toFixed(0)} MB`);
    // One process all along, and bounded memory.
    assert.equal(router.child.exitCode, null, 'the router never exited');
    assert.equal(p.routers.length, 1);
    assert.ok(peakRss > 0 && peakRss < RSS_BOUND_MB, `router RSS peaked at ${peakRss.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)`);
  });
});
