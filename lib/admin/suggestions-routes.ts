// The suggestions read API: a page's suggestions in the Data Gateway's shape (also under the Data Gateway's own path,
// so GrowthExperiments can be pointed at the router), and a wiki's suggestible pages with a keyset cursor.
import type express from 'express';
import type { Request } from 'express';
import type { Logger } from '../log.ts';
import type { Queryable } from './state-queries.ts';
import { newestDataset, pageSuggestions, suggestiblePages, type PreparedQueryable } from '../suggestions/serving-queries.ts';
import { decodePageCursor, encodePageCursor } from './page-cursor.ts';
import { queryParameters } from './query-parameters.ts';

export interface SuggestionRouteDeps {
  db: Queryable;
  log: Logger;
}

/** A 400 with a message for the client: the admin API's error handler shows it (status + expose). */
class BadRequest extends Error {
  readonly status = 400;
  readonly expose = true;
}

const WIKI = /^[a-z][a-z0-9_]{0,63}$/;
const PAGE_ID = /^[1-9][0-9]{0,15}$/;
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

function wikiParameter(req: Request): string {
  const wiki = String(req.params.wiki);
  if (!WIKI.test(wiki)) throw new BadRequest('wiki must be a wiki id such as enwiki');
  return wiki;
}

export function registerSuggestionRoutes(app: express.Express, deps: SuggestionRouteDeps): void {
  // The admin API's pool is a pg.Pool or the embedded pool: both take named (prepared) query configs.
  const db = deps.db as Queryable & PreparedQueryable;

  const page = async (req: Request, res: express.Response) => {
    queryParameters(req.query, []);
    const wiki = wikiParameter(req);
    const pageId = String(req.params.pageId);
    if (!PAGE_ID.test(pageId)) throw new BadRequest('pageId must be a positive integer');
    // As the Data Gateway answers: 200 with no rows for a page without suggestions.
    res.json({ rows: await pageSuggestions(db, wiki, pageId) });
  };
  app.get('/v1/suggestions/:wiki/:pageId', page);
  app.get('/public/image_suggestions/suggestions/:wiki/:pageId', page);

  app.get('/v1/suggestions/:wiki', async (req, res) => {
    const query = queryParameters(req.query, ['limit', 'cursor']);
    const wiki = wikiParameter(req);
    let limit = DEFAULT_LIMIT;
    if (query.limit !== undefined) {
      if (!/^[0-9]{1,4}$/.test(query.limit) || Number(query.limit) < 1 || Number(query.limit) > MAX_LIMIT) throw new BadRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`);
      limit = Number(query.limit);
    }
    let after = '0';
    if (query.cursor !== undefined) {
      const cursor = decodePageCursor(query.cursor);
      if (cursor === null || cursor.wiki !== wiki) throw new BadRequest('invalid cursor');
      after = cursor.pageId;
    }
    const dataset = await newestDataset(db, wiki);
    if (dataset === null) {
      res.json({ wiki, dataset: null, items: [], next_cursor: null });
      return;
    }
    const { items, more } = await suggestiblePages(db, wiki, dataset, after, limit);
    const last = items[items.length - 1];
    res.json({
      wiki,
      dataset: { id: dataset.id, time: dataset.time },
      items,
      next_cursor: more && last ? encodePageCursor({ wiki, pageId: String(last.page_id) }) : null,
    });
  });
}
