// feedback: mediawiki.image_suggestions_feedback events → recommendation_status rows through the real
// `image_matching_feedback` rule (record_feedback, no enrichment). Every event names its own
// (wiki, page, image), so rows == events, and the rate phase's latency is updated_at − dt of its rows.
import pg from 'pg';
import { consumeBaseline, upsertBaseline } from '../lib/baselines.ts';
import { latencyFromSql, realRule, rowScenarioFields, runRouterScenario, type ScenarioOptions, type ScenarioResult } from '../lib/scenario.ts';
import type { BenchMessage } from '../lib/services.ts';

const WIKIS = ['enwiki', 'dewiki', 'frwiki', 'eswiki'];

function feedbackEvent(i: number, idPrefix: string, dt: string): BenchMessage {
  const wiki = WIKIS[i % WIKIS.length]!;
  const pageId = 1 + Math.floor(i / 3);
  const kind = i % 10; // 2 accepted, 6 rejected (1 of them "undecided"), 2 invalidated
  const event = {
    $schema: '/mediawiki/page/image-suggestions-feedback/2.1.0',
    meta: { stream: 'mediawiki.image_suggestions_feedback', dt, id: `${idPrefix}-${i}`, domain: `${wiki.slice(0, 2)}.wikipedia.org` },
    dt,
    wiki,
    page_id: pageId,
    filename: `Bench_suggestion_${i}.jpg`,
    user_id: 1000 + (i % 977),
    is_accepted: kind < 2,
    is_rejected: kind >= 2 && kind < 8,
    rejection_reasons: kind >= 2 && kind < 8 ? (kind === 7 ? ['unfamiliar'] : ['notrelevant', 'lowquality']) : [],
    origin_wiki: 'commonswiki',
  };
  return { key: `${wiki}:${pageId}`, value: JSON.stringify(event) };
}

export async function feedbackScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const backlogDt = '2024-01-01T00:00:00.000Z';
  const ratePageOffset = 10_000_000;
  return runRouterScenario(
    {
      name: 'feedback',
      stream: 'mediawiki.image_suggestions_feedback',
      rules: () => realRule('image_matching_feedback'),
      backlog: (i) => feedbackEvent(i, 'backlog', backlogDt),
      rateEvent: (i) => feedbackEvent(ratePageOffset + i, 'rate', new Date().toISOString()),
      async measure(ctx) {
        const client = new pg.Client({ connectionString: ctx.db.url });
        await client.connect();
        const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM recommendation_status');
        await client.end();
        const rowsWritten = Number(rows[0]!.n);
        const latency = ctx.rateEvents > 0
          ? await latencyFromSql(ctx.db.url, `SELECT extract(epoch FROM (updated_at - event_dt)) * 1000 AS ms FROM recommendation_status WHERE event_id LIKE 'rate-%'`)
          : { p50: NaN, p99: NaN, n: 0, max: NaN };
        const consume = await consumeBaseline(ctx.topic, options.events);
        // The rows the router wrote, by hand: one unnest upsert per 10,000 rows (the store's final statement).
        const n = options.events;
        const cols: unknown[][] = [[], [], [], [], [], [], [], [], []];
        for (let i = 0; i < n; i++) {
          const e = JSON.parse(feedbackEvent(i, 'baseline', backlogDt).value) as Record<string, unknown>;
          const status = e.is_accepted ? 'accepted' : e.is_rejected ? 'rejected' : 'invalidated';
          const values = [e.wiki, e.page_id, e.filename, status, (e.rejection_reasons as string[]).join('|'), 'mediawiki.image_suggestions_feedback', backlogDt, null, `baseline-${i}`];
          values.forEach((v, c) => cols[c]!.push(v));
        }
        const upsert = await upsertBaseline(
          ctx.db.url,
          'recommendation_status',
          (t) => `INSERT INTO ${t} AS s (wiki, page_id, image, status, reasons, source, event_dt, rev_id, event_id, updated_at)
                  SELECT r.wiki, r.page_id, r.image, r.status, string_to_array(r.reasons, '|'), r.source, r.event_dt, r.rev_id, r.event_id, now()
                    FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::bigint[], $9::text[])
                         AS r(wiki, page_id, image, status, reasons, source, event_dt, rev_id, event_id)
                  ON CONFLICT (wiki, page_id, image) DO UPDATE SET status = excluded.status, reasons = excluded.reasons,
                     source = excluded.source, event_dt = excluded.event_dt, rev_id = excluded.rev_id, event_id = excluded.event_id, updated_at = excluded.updated_at`,
          cols,
        );
        return {
          ...rowScenarioFields(ctx.eventsPerS, latency, consume, upsert),
          rows_written: rowsWritten,
          api_requests_per_event: 0,
        };
      },
    },
    options,
  );
}
