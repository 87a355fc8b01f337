import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDemoPipeline } from '../../lib/demo/run-demo.ts';

test('the demo runs the real pipeline on the bundled sample and leaves the expected state', async () => {
  const demo = await runDemoPipeline();
  try {
    const q = async (sql: string) => (await demo.pool.query(sql)).rows;
    assert.deepEqual(
      await q(`SELECT wiki, page_id::int AS page, illustrated, illustrated_by_suggestion AS by_suggestion FROM page_image_state ORDER BY wiki, page_id`),
      [
        { wiki: 'dewiki', page: 2001, illustrated: true, by_suggestion: false }, // Datei: and Bild: both seen
        { wiki: 'enwiki', page: 1001, illustrated: true, by_suggestion: true }, // the Android add-image tag + accepted feedback
        { wiki: 'enwiki', page: 1002, illustrated: true, by_suggestion: false }, // an image taken out of a comment
        { wiki: 'enwiki', page: 1003, illustrated: false, by_suggestion: null },
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
    const excluded = await q(`SELECT page_id::int AS page, image, reason FROM recommendation_exclusions WHERE page_id IN (1003, 1005) ORDER BY page_id, image`);
    assert.deepEqual(excluded, [
      { page: 1003, image: 'Fair_on_the_green_1910.jpg', reason: 'rejected' },
      { page: 1003, image: 'Village_green_sign.jpg', reason: 'rejected' },
    ]);
    // The talk-page edit was filtered by the rule, the truncated line dead-lettered, six revisions changed images.
    const topics = join(demo.workDir, 'state', 'topics');
    const deadLetters = readFileSync(join(topics, 'imagematching-router-demo.error.jsonl'), 'utf8').trim().split('\n');
    assert.equal(deadLetters.length, 1);
    assert.match(JSON.parse(deadLetters[0]!).value, /InvalidEventError/);
    assert.equal(readFileSync(join(topics, 'imagematching.page_image_change.jsonl'), 'utf8').trim().split('\n').length, 6);
    assert.ok(demo.revisionRequests <= 10, `${demo.revisionRequests} revisions requests for 10 revisions`);
    // The model's illustration rule: two article counts (enwiki, dewiki), file usage and page props in batches.
    assert.ok(demo.illustrationRequests > 0 && demo.illustrationRequests <= 6, `${demo.illustrationRequests} look-ups for the illustration rule`);
  } finally {
    await demo.router.stop(5000);
  }
});
