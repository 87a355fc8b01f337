// The recommendation store on the real PostgreSQL: idempotent, forward-only, batched writes; status
// precedence against stored rows; concurrent writers; the exclusions view; outages as DatabaseUnavailableError.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { RecommendationStore } from '../../../lib/store/recommendations.ts';
import { DatabaseUnavailableError } from '../../../lib/errors.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';
import { feedbackWrite, revisionChange, revisionWrite } from '../../helpers/store-writes.ts';
import { revisionRows } from '../../../lib/recommendations/revision-rows.ts';

const revision = revisionWrite;
const feedback = feedbackWrite;

for (const backend of STORE_BACKENDS) describe(`recommendation store on the ${backend.name}`, () => {
  let close: () => Promise<void>;
  let pool: Pool;
  let store: RecommendationStore;

  const snapshot = async () => {
    const tables = ['page_image_state', 'image_change', 'recommendation_status', 'unprocessable_event'];
    const out: Record<string, unknown[]> = {};
    for (const t of tables) {
      const { rows } = await pool.query(`SELECT * FROM ${t} ORDER BY 1, 2, 3`);
      out[t] = rows.map(({ updated_at: _u, recorded_at: _r, ...rest }) => rest);
    }
    return out;
  };

  before(async () => {
    ({ pool, close } = await backend.open());
    await migrate(pool);
  });
  beforeEach(async () => {
    await pool.query('TRUNCATE page_image_state, image_change, recommendation_status, unprocessable_event');
    store = new RecommendationStore(pool, { lingerMs: 5 });
  });
  after(() => close());

  test('writing the same batch twice leaves the same rows', async () => {
    const batch = [revision(1, 10, ['A.jpg'], null), revision(1, 11, ['A.jpg', 'B.jpg'], ['A.jpg']), revision(2, 20, [], null)];
    await Promise.all(batch.map((r) => store.write({ revision: r })));
    const first = await snapshot();
    await Promise.all(batch.map((r) => store.write({ revision: r })));
    assert.deepEqual(await snapshot(), first);
    assert.deepEqual(first.page_image_state!.map((r) => [Number((r as { page_id: string }).page_id), (r as { images: string[] }).images]), [
      [1, ['A.jpg', 'B.jpg']],
      [2, []],
    ]);
  });

  test('a stored page state reads back as written: its images (stored sorted), none as an empty list, an unknown page as null', async () => {
    const images = ['Zebra.jpg', 'A_b,c.png', 'Ünïcode_😀.svg', 'Quote_"x".jpg'];
    await Promise.all([store.write({ revision: revision(21, 210, images, null) }), store.write({ revision: revision(22, 220, [], null) })]);
    assert.deepEqual(await Promise.all([store.pageState('enwiki', 21), store.pageState('enwiki', 22), store.pageState('enwiki', 23)]), [
      { wiki: 'enwiki', pageId: 21, revId: 210, images: [...images].sort(), illustration: { rule: 'any_image', illustrated: true, source: 'image', counted: [...images].sort(), redirect: false } },
      { wiki: 'enwiki', pageId: 22, revId: 220, images: [], illustration: { rule: 'any_image', illustrated: false, source: null, counted: [], redirect: false } },
      null,
    ]);
  });

  test("a page's verdict reads back as written: its rule, source and counted images; a row from before migration 007 has no rule", async () => {
    const flagOnly = revisionRows(revisionChange(31, 310, ['Flag_of_France.svg'], null), { rule: 'model', illustrated: false, source: null, counted: [] });
    const byPageImage = revisionRows(revisionChange(32, 320, [], null), { rule: 'model', illustrated: true, source: 'page_image', counted: [] });
    const byPhoto = revisionRows(revisionChange(33, 330, ['Photo.jpg', 'Flag_of_France.svg'], null), { rule: 'model', illustrated: true, source: 'image', counted: ['Photo.jpg'] });
    await Promise.all([flagOnly, byPageImage, byPhoto].map((r) => store.write({ revision: r })));
    await pool.query(`INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, images, illustrated) VALUES ('enwiki', 34, 'Old_row', 340, '{Old.jpg}', true)`);
    const states = await Promise.all([31, 32, 33, 34].map((id) => store.pageState('enwiki', id)));
    assert.deepEqual(states.map((s) => s!.illustration), [
      { rule: 'model', illustrated: false, source: null, counted: [], redirect: false },
      { rule: 'model', illustrated: true, source: 'page_image', counted: [], redirect: false },
      { rule: 'model', illustrated: true, source: 'image', counted: ['Photo.jpg'], redirect: false },
      { rule: null, illustrated: true, source: null, counted: null, redirect: false },
    ]);
    const view = await pool.query(`SELECT page_id::int, reason FROM recommendation_exclusions WHERE page_id BETWEEN 31 AND 34 AND image IS NULL ORDER BY page_id`);
    assert.deepEqual(view.rows, [{ page_id: 32, reason: 'illustrated' }, { page_id: 33, reason: 'illustrated' }, { page_id: 34, reason: 'illustrated' }], 'the view follows the verdict');
  });

  test('the database refuses a verdict whose illustrated disagrees with its source', async () => {
    await assert.rejects(
      pool.query(`INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, images, illustrated, illustration_rule, illustration_source) VALUES ('enwiki', 35, 'P', 350, '{}', true, 'model', NULL)`),
      /page_image_state_illustrated_by_source/,
    );
    await assert.rejects(
      pool.query(`INSERT INTO page_image_state (wiki, page_id, page_title, rev_id, images, illustrated, illustration_rule, illustration_source) VALUES ('enwiki', 36, 'P', 360, '{}', true, 'guess', 'image')`),
      /page_image_state_illustration_rule/,
    );
  });

  test('an older revision arriving after a newer one does not move the page state back', async () => {
    await store.write({ revision: revision(1, 12, ['C.jpg'], ['A.jpg']) });
    await store.write({ revision: revision(1, 11, ['A.jpg'], []) });
    const { rows } = await pool.query('SELECT rev_id, images, illustrated FROM page_image_state WHERE page_id = 1');
    assert.deepEqual(rows, [{ rev_id: '12', images: ['C.jpg'], illustrated: true }]);
    const changes = await pool.query('SELECT rev_id, image, change FROM image_change ORDER BY rev_id, image');
    assert.equal(changes.rows.length, 3, 'the history of the older revision is still recorded');
  });

  test('events of one consumer batch are written in one transaction with a constant number of statements', async () => {
    const writes = Array.from({ length: 100 }, (_, i) => store.write({ revision: revision(1000 + i, 5, [`Img_${i}.jpg`], null) }));
    writes.push(...Array.from({ length: 50 }, (_, i) => store.write({ feedback: feedback(1000 + i, `Img_${i}.jpg`, 'accepted', 1) })));
    await Promise.all(writes);
    assert.equal(store.writeBatches, 1);
    assert.equal(store.stats.transactions, 1);
    assert.ok(store.stats.statements <= 10, `${store.stats.statements} statements`);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM page_image_state');
    assert.equal(rows[0].n, 100);
  });

  test('a rejection survives a later undecided and an older acceptance, whatever the order of arrival', async () => {
    const events = [feedback(5, 'X.jpg', 'rejected', 10), feedback(5, 'X.jpg', 'undecided', 20), feedback(5, 'X.jpg', 'accepted', 5)];
    for (const order of [events, [...events].reverse()]) {
      await pool.query('TRUNCATE recommendation_status');
      for (const f of order) await store.write({ feedback: f });
      const { rows } = await pool.query("SELECT status, reasons FROM recommendation_status WHERE page_id = 5");
      assert.deepEqual(rows, [{ status: 'rejected', reasons: ['notrelevant'] }]);
    }
  });

  test('reasons and ids are stored as given, a lone surrogate as U+FFFD, and a NUL fails only its own event', async () => {
    const odd = { ...feedback(8, 'R.jpg', 'rejected', 1), reasons: ['a|b', 'say "no"', 'half \ud800 pair', 'emoji 😀'], eventId: 'id-\udfff' };
    const nul = { ...feedback(9, 'N.jpg', 'rejected', 1), reasons: ['nul\u0000here'] };
    const [oddResult, nulResult] = await Promise.allSettled([store.write({ feedback: odd }), store.write({ feedback: nul })]);
    assert.equal(oddResult.status, 'fulfilled');
    assert.equal(nulResult.status, 'rejected');
    assert.equal((nulResult as PromiseRejectedResult).reason.retriable, false, 'bad data is a permanent error: the event is dead-lettered');
    const { rows } = await pool.query('SELECT page_id, reasons, event_id FROM recommendation_status ORDER BY page_id');
    assert.deepEqual(rows, [{ page_id: '8', reasons: ['a|b', 'say "no"', 'half \ufffd pair', 'emoji 😀'], event_id: 'id-\ufffd' }]);
  });

  test('edits make statuses applied and removed, and an accepted image is marked as added through the suggestion', async () => {
    await store.write({ feedback: feedback(7, 'S.jpg', 'accepted', 1) });
    await store.write({ revision: revision(7, 30, ['S.jpg'], []) });
    let page = await pool.query('SELECT illustrated, illustrated_by_suggestion FROM page_image_state WHERE page_id = 7');
    assert.deepEqual(page.rows, [{ illustrated: true, illustrated_by_suggestion: true }]);
    const change = await pool.query("SELECT by_suggestion FROM image_change WHERE page_id = 7 AND image = 'S.jpg'");
    assert.deepEqual(change.rows, [{ by_suggestion: true }]);
    await store.write({ revision: revision(7, 31, [], ['S.jpg']) });
    page = await pool.query('SELECT illustrated, illustrated_by_suggestion FROM page_image_state WHERE page_id = 7');
    assert.deepEqual(page.rows, [{ illustrated: false, illustrated_by_suggestion: null }]);
    const status = await pool.query('SELECT status, rev_id FROM recommendation_status WHERE page_id = 7');
    assert.deepEqual(status.rows, [{ status: 'removed', rev_id: '31' }]);
  });

  test('an acceptance processed after its edit still marks the page as illustrated through the suggestion', async () => {
    await store.write({ revision: revision(8, 40, ['S.jpg'], []) });
    await store.write({ feedback: feedback(8, 'S.jpg', 'accepted', 1) });
    const page = await pool.query('SELECT illustrated_by_suggestion FROM page_image_state WHERE page_id = 8');
    assert.deepEqual(page.rows, [{ illustrated_by_suggestion: true }]);
    const status = await pool.query('SELECT status FROM recommendation_status WHERE page_id = 8');
    assert.deepEqual(status.rows, [{ status: 'applied' }], 'the later edit outranks the earlier acceptance');
  });

  test('an image added externally leaves the page illustrated not through a suggestion', async () => {
    await store.write({ revision: revision(9, 50, ['Ext.jpg'], []) });
    const page = await pool.query('SELECT illustrated_by_suggestion FROM page_image_state WHERE page_id = 9');
    assert.deepEqual(page.rows, [{ illustrated_by_suggestion: false }]);
  });

  test('concurrent writers on overlapping pages and pairs converge without deadlocks', async () => {
    const other = new RecommendationStore(pool, { lingerMs: 1 });
    const work: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const s = i % 2 === 0 ? store : other;
      work.push(s.write({ revision: revision(100 + (i % 5), 60 + i, [`I${i % 3}.jpg`], [`I${(i + 1) % 3}.jpg`]) }));
      work.push(s.write({ feedback: feedback(100 + (i % 5), `I${i % 3}.jpg`, i % 4 === 0 ? 'rejected' : 'undecided', i) }));
    }
    await Promise.all(work);
    const { rows } = await pool.query('SELECT page_id, rev_id FROM page_image_state ORDER BY page_id');
    assert.deepEqual(rows.map((r) => [Number(r.page_id), Number(r.rev_id)]), [[100, 95], [101, 96], [102, 97], [103, 98], [104, 99]]);
  });

  test('unavailable revisions are recorded once', async () => {
    const rows = revision(3, 70, [], null, { images: null, unavailable: 'revision_hidden' });
    await store.write({ revision: rows });
    await store.write({ revision: rows });
    const { rows: got } = await pool.query('SELECT wiki, ref, reason FROM unprocessable_event');
    assert.deepEqual(got, [{ wiki: 'enwiki', ref: 'rev:70', reason: 'revision_hidden' }]);
  });

  test('the exclusions view lists illustrated pages and decided pairs, not undecided ones', async () => {
    await store.write({ revision: revision(11, 80, ['P.jpg'], null) });
    await store.write({ feedback: feedback(12, 'R.jpg', 'rejected', 1) });
    await store.write({ feedback: feedback(13, 'U.jpg', 'undecided', 1) });
    const { rows } = await pool.query('SELECT page_id, image, reason FROM recommendation_exclusions ORDER BY page_id, image NULLS FIRST');
    assert.deepEqual(rows.map((r) => [Number(r.page_id), r.image, r.reason]), [
      [11, null, 'illustrated'],
      [11, 'P.jpg', 'applied'],
      [12, 'R.jpg', 'rejected'],
    ]);
  });

  test('a row the database refuses fails only its own event', async () => {
    const bad = revision(14, 90, ['Ok.jpg'], null);
    bad.page!.revTimestamp = 'not a timestamp';
    const good = store.write({ revision: revision(15, 91, ['Fine.jpg'], null) });
    const failing = store.write({ revision: bad });
    await good;
    await assert.rejects(failing, (err: Error) => err.name === 'PermanentError');
  });

  test('an unreachable database is reported as DatabaseUnavailableError', async () => {
    const dead = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', pool_size: 1, statement_timeout_ms: 0 });
    const offline = new RecommendationStore(dead);
    await assert.rejects(offline.write({ revision: revision(1, 1, [], null) }), DatabaseUnavailableError);
    await assert.rejects(offline.pageState('enwiki', 1), DatabaseUnavailableError);
    await dead.end();
  });
});
