import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { demoQueryCommand, runDemoPipeline } from '../../lib/demo/run-demo.ts';
import { REPO } from '../helpers/router-harness.ts';
import { schemaBody } from '../helpers/wikimedia-schemas.ts';

// Each test its own temporary root: helpers and parallel runs never share the demo's fixed folder.
const tmpRoot = mkdtempSync(join(tmpdir(), 'imr-demo-test-'));

test('the demo runs the real pipeline on the bundled sample and leaves the expected state', async () => {
  const demo = await runDemoPipeline({ tmpRoot });
  try {
    const q = async (sql: string) => (await demo.pool.query(sql)).rows;
    assert.deepEqual(
      await q(`SELECT wiki, page_id::int AS page, illustrated, illustrated_by_suggestion AS by_suggestion FROM page_image_state ORDER BY wiki, page_id`),
      [
        { wiki: 'dewiki', page: 2001, illustrated: true, by_suggestion: false }, // Datei: and Bild: both seen
        { wiki: 'enwiki', page: 1001, illustrated: true, by_suggestion: true }, // the Android add-image tag + accepted feedback
        { wiki: 'enwiki', page: 1002, illustrated: true, by_suggestion: false }, // an image taken out of a comment
        { wiki: 'enwiki', page: 1003, illustrated: true, by_suggestion: false }, // demo/later/: a reader's photo
        { wiki: 'enwiki', page: 1004, illustrated: true, by_suggestion: false }, // vandalised, then rolled back
        { wiki: 'enwiki', page: 1005, illustrated: false, by_suggestion: null },
      ],
    );
    assert.deepEqual(
      await q(`SELECT rev_id::int AS rev, image, change FROM image_change WHERE page_id = 1004 ORDER BY rev_id, image`),
      [
        { rev: 5005, image: 'Ferry_timetable_board.png', change: 'added' },
        { rev: 5005, image: 'Harbour_ferry_at_the_pier.jpg', change: 'added' },
        { rev: 5005, image: 'Harbour_from_the_ferry_deck.jpg', change: 'added' },
        { rev: 5006, image: 'Harbour_ferry_at_the_pier.jpg', change: 'removed' },
        { rev: 5007, image: 'Harbour_ferry_at_the_pier.jpg', change: 'added' },
      ],
    );
    const statuses = await q(`SELECT page_id::int AS page, image, status FROM recommendation_status WHERE status IN ('rejected', 'undecided') ORDER BY page_id, image`);
    assert.deepEqual(statuses, [
      { page: 1003, image: 'Fair_on_the_green_1910.jpg', status: 'rejected' }, // legacy Android stream, title resolved
      { page: 1003, image: 'Village_green_sign.jpg', status: 'rejected' },
      { page: 1005, image: 'Moth_on_heather.jpg', status: 'undecided' }, // "unfamiliar" alone decides nothing
    ]);
    const excluded = await q(`SELECT page_id::int AS page, image, reason FROM recommendation_exclusions WHERE page_id IN (1003, 1005) ORDER BY page_id, image NULLS FIRST`);
    assert.deepEqual(excluded, [
      { page: 1003, image: null, reason: 'illustrated' }, // the later edit: the whole page is out
      { page: 1003, image: 'Fair_on_the_green_1910.jpg', reason: 'rejected' },
      { page: 1003, image: 'Quiet_Village_Green_from_the_church_tower.jpg', reason: 'applied' },
      { page: 1003, image: 'Village_green_sign.jpg', reason: 'rejected' },
    ]);
    // The talk-page edit was filtered by the rule, the truncated line dead-lettered, six revisions changed images.
    const topics = join(demo.workDir, 'state', 'topics');
    const deadLetters = readFileSync(join(topics, 'imagematching-router-demo.error.jsonl'), 'utf8').trim().split('\n');
    assert.equal(deadLetters.length, 1);
    assert.match(JSON.parse(deadLetters[0]!).value, /InvalidEventError/);
    assert.equal(readFileSync(join(topics, 'imagematching.page_image_change.jsonl'), 'utf8').trim().split('\n').length, 7);
    assert.ok(demo.revisionRequests <= 11, `${demo.revisionRequests} revisions requests for 11 revisions`);
    // The model's illustration rule: two article counts (enwiki, dewiki), file usage and page props in batches.
    // Twice: the later edit runs in a second router process's worth of caches.
    assert.ok(demo.illustrationRequests > 0 && demo.illustrationRequests <= 10, `${demo.illustrationRequests} look-ups for the illustration rule`);
  } finally {
    await demo.router.stop(5000);
  }
});

test('the demo serves a suggestion, withdraws it when a later edit illustrates the page, and produces one valid clear', async () => {
  const demo = await runDemoPipeline({ tmpRoot });
  await demo.router.stop(5000);
  const before = (demo.servedBefore as { rows: Array<{ image: string; confidence: number }> }).rows;
  // The dataset's two rejected suggestions are left out; the third is served.
  assert.deepEqual(before.map((r) => [r.image, r.confidence]), [['Quiet_Village_Green_in_spring.jpg', 0.6]]);
  assert.deepEqual(demo.servedAfter, { rows: [] });
  assert.equal(demo.clears.length, 1);
  const [clear] = demo.clears;
  assert.deepEqual([clear!.wiki_id, (clear!.page as { page_id: number }).page_id, clear!.weighted_tags], ['enwiki', 1003, { clear: ['recommendation.image', 'recommendation.image_section'] }]);
  const schema = JSON.parse(readFileSync(join(REPO, 'schemas/mediawiki/cirrussearch/page_weighted_tags_change/1.0.0.json'), 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ strict: false, validateFormats: false }).compile(schemaBody(schema));
  assert.ok(validate(clear), JSON.stringify(validate.errors));

  // The printed query command works on the database the demo left (two runs, one folder).
  assert.deepEqual(readdirSync(tmpRoot), ['imagematching-router-demo']);
  const command = demoQueryCommand(demo.dbDir, 'SELECT count(*) AS n FROM image_suggestion');
  const out = execFileSync('bash', ['-c', `${command} --format json`], { cwd: REPO, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), { n: 5 });
});
