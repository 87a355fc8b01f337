// Section-level feedback (image-suggestions-feedback 2.1.0) end to end on both back ends: a rejection whose only real
// reason is sectionnotappropriate rules the image out of that section alone, in the state, in the batch job's view, in
// the admin API and in the served suggestions; any other decision made in a section is about the image for the page.
import { startReadOnlyAdmin } from '../../helpers/admin-server.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import type { AdminServer } from '../../../lib/admin/server.ts';
import { RecommendationStore } from '../../../lib/store/recommendations.ts';
import { canonicalFeedback } from '../../../lib/recommendations/feedback.ts';
import { SuggestionImporter } from '../../../lib/suggestions/importer.ts';
import { STORE_BACKENDS } from '../../helpers/services.ts';
import { cassandraRow, runId, writeNdjson } from '../../helpers/suggestion-datasets.ts';

const RUN = runId('2024-05-13T07:06:00Z');

/** A 2.1.0 feedback event as GrowthExperiments sends it (section fields omitted when null). */
const feedback = (pageId: number, filename: string, over: Record<string, unknown>) => ({
  $schema: '/mediawiki/page/image-suggestions-feedback/2.1.0',
  meta: { stream: 'mediawiki.image_suggestions_feedback', dt: '2024-05-14T10:00:00Z' },
  dt: '2024-05-14T10:00:00Z',
  wiki: 'enwiki',
  page_id: pageId,
  filename,
  user_id: 7,
  is_accepted: false,
  is_rejected: true,
  origin_wiki: 'commonswiki',
  ...over,
});

for (const backend of STORE_BACKENDS) describe(`section-level feedback on the ${backend.name}`, () => {
  let pool: Pool;
  let close: () => Promise<void>;
  let server: AdminServer;
  let base: string;
  const json = async (path: string) => (await (await fetch(`${base}${path}`)).json()) as Record<string, unknown>;

  before(async () => {
    ({ pool, close } = await backend.open());
    await migrate(pool);
    const dir = mkdtempSync(join(tmpdir(), 'imr-sections-'));
    writeNdjson(join(dir, 'run.ndjson'), [
      cassandraRow(RUN, 10, 'S.jpg', 0.9),
      cassandraRow(RUN, 10, 'S.jpg', 0.8, { section_heading: 'History', section_index: 1, kind: ['istype-section-topics'] }),
      cassandraRow(RUN, 10, 'S.jpg', 0.7, { section_heading: 'Geography', section_index: 2, kind: ['istype-section-topics'] }),
      cassandraRow(RUN, 11, 'T.jpg', 0.9),
      cassandraRow(RUN, 11, 'T.jpg', 0.8, { section_heading: 'History', section_index: 1, kind: ['istype-section-topics'] }),
    ]);
    await new SuggestionImporter({ pool }).importPaths([join(dir, 'run.ndjson')]);
    const store = new RecommendationStore(pool, { lingerMs: 0 });
    const decide = (event: Record<string, unknown>) => {
      const d = canonicalFeedback(event);
      return store.write({ feedback: { ...d, pageId: d.pageId! } });
    };
    // Page 10: not for its History section. Page 11: rejected from a section, but as irrelevant: not for the page.
    await decide(feedback(10, 'S.jpg', { rejection_reasons: ['sectionnotappropriate'], section_title: 'History', section_ordinal: 1 }));
    await decide(feedback(11, 'T.jpg', { rejection_reasons: ['sectionnotappropriate', 'notrelevant'], section_title: 'History', section_ordinal: 1 }));
    server = await startReadOnlyAdmin(pool);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    await server?.close();
    await close?.();
  });

  test('a section-only rejection is kept with its section, and excludes the image from that section alone', async () => {
    const { rows: view } = await pool.query(
      `SELECT page_id::int, image, reason, section_title, section_ordinal FROM recommendation_exclusions WHERE wiki = 'enwiki' ORDER BY page_id, section_title NULLS FIRST`,
    );
    assert.deepEqual(view, [
      { page_id: 10, image: 'S.jpg', reason: 'rejected', section_title: 'History', section_ordinal: 1 },
      { page_id: 11, image: 'T.jpg', reason: 'rejected', section_title: null, section_ordinal: null },
    ]);
    const { rows } = await pool.query(`SELECT page_id::int, status, reasons, section_title, section_ordinal FROM recommendation_status ORDER BY page_id`);
    assert.deepEqual(rows, [{ page_id: 11, status: 'rejected', reasons: ['sectionnotappropriate', 'notrelevant'], section_title: 'History', section_ordinal: 1 }], 'the section it was decided in is kept');
  });

  test('the served suggestions keep the image for the article and its other sections', async () => {
    const page10 = (await json('/v1/suggestions/enwiki/10')).rows as Array<{ image: string; section_heading: string | null }>;
    assert.deepEqual(page10.map((r) => [r.image, r.section_heading]), [['S.jpg', null], ['S.jpg', 'Geography']]);
    assert.deepEqual((await json('/v1/suggestions/enwiki/11')).rows, [], 'a real reason rules the image out of the page');
  });

  test('the admin API shows the section decision', async () => {
    const page = await json('/v1/pages/enwiki/10');
    assert.deepEqual((page.recommendations as unknown[]).length, 0);
    assert.deepEqual(
      (page.section_decisions as Array<Record<string, unknown>>).map((d) => [d.image, d.section_title, d.section_ordinal, d.status, d.reasons]),
      [['S.jpg', 'History', 1, 'rejected', ['sectionnotappropriate']]],
    );
    const listed = (await json('/v1/recommendations?wiki=enwiki')).items as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((r) => [r.page_id, r.section_title, r.section_ordinal]), [[11, 'History', 1]]);
  });
});
