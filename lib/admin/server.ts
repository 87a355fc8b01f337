// The admin HTTP API (express): health, readiness, metrics, rules with pause/resume behind a bearer token,
// and read-only state look-ups. Clients get JSON errors only, never a stack trace; inputs are validated first.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../log.ts';
import type { Registry } from 'prom-client';
import type { RuleCounts, PartitionSnapshot } from '../metrics/prometheus-observer.ts';
import type { Health } from './readiness.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { RECOMMENDATION_STATUSES, listRecommendations, pageState, type Queryable, type RecommendationStatus } from './state-queries.ts';
import { registerSuggestionRoutes } from './suggestions-routes.ts';
import { queryParameters } from './query-parameters.ts';

/** What the admin API needs of a rule consumer (RuleConsumer fits). */
export interface AdminRule {
  readonly name: string;
  readonly topics: string[];
  readonly status: string;
  readonly isPaused: boolean;
  readonly lastCommitError: string | null;
  pending(): Array<{ topic: string; partition: number; unfinished: number; committed: number | null; paused: boolean }>;
  pause(): void;
  resume(): void;
}

/** Rule reloads as the admin API starts them (lib/app's RuleReloads fits): null while one is running. */
export interface AdminReloads {
  tryReload(trigger: string): Promise<{ outcome: 'applied' | 'unchanged' | 'rejected' | 'failed' }> | null;
}

export interface AdminDeps {
  log: Logger;
  rules: () => readonly AdminRule[];
  readiness: { check(): Promise<Health> };
  db: Queryable;
  /** Bearer token for pause/resume; empty disables those routes (403). */
  token: string;
  registry?: Pick<Registry, 'metrics' | 'contentType'>;
  /** POST /v1/reload; absent or null while there is no running router to reload (503). */
  reloads?: () => AdminReloads | null;
  observer?: { ruleCounts(rule: string): RuleCounts; rulePartitions(rule: string): PartitionSnapshot[] };
}

/** An error whose message is safe to show the client. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'HttpError';
  }
}

const WIKI = /^[a-z][a-z0-9_]{0,63}$/;
const PAGE_ID = /^[1-9][0-9]{0,15}$/;
const RULE_NAME = /^[a-z][a-z0-9_]{0,99}$/;
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^[0-9]{1,4}$/.test(text) || Number(text) < 1 || Number(text) > MAX_LIMIT) throw new HttpError(400, `limit must be an integer from 1 to ${MAX_LIMIT}`);
  return Number(text);
}

function parseSince(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // ISO 8601 date or date-time with an explicit zone, so the meaning does not depend on the server's time zone.
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new HttpError(400, 'since must be an ISO 8601 time with a zone, e.g. 2024-05-01T00:00:00Z');
  }
  return text;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function tokenMatches(provided: string, expected: string): boolean {
  return expected.length > 0 && timingSafeEqual(sha256(provided), sha256(expected));
}

export function createAdminApp(deps: AdminDeps): express.Express {
  const { log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.use((req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      // Path only: the query string is client input we do not need in the log, and headers may carry the token.
      log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'admin request');
    });
    res.set('cache-control', 'no-store');
    next();
  });
  // No route takes a body today; a small limit keeps a misbehaving client from making us buffer much.
  app.use(express.json({ limit: '1kb' }));

  // Every GET route refuses query parameters it does not take (lib/admin/query-parameters.ts).
  app.get('/healthz', (req, res) => {
    queryParameters(req.query, []);
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (req, res) => {
    queryParameters(req.query, []);
    const health = await deps.readiness.check();
    const ready = health.reasons.length === 0;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : health.starting ? 'starting' : 'not ready', kafka: health.kafka, database: health.database, reasons: health.reasons });
  });

  app.get('/metrics', async (req, res) => {
    queryParameters(req.query, []);
    if (!deps.registry) throw new HttpError(404, 'metrics are not enabled');
    const text = await deps.registry.metrics();
    res.set('content-type', deps.registry.contentType).send(text);
  });

  app.get('/v1/rules', (req, res) => {
    queryParameters(req.query, []);
    res.json({ rules: deps.rules().map((rule) => describeRule(rule, deps.observer)) });
  });

  const requireToken = (req: Request, res: Response, next: NextFunction) => {
    if (deps.token.length === 0) throw new HttpError(403, 'disabled: set admin.token (ADMIN_TOKEN) to enable this route');
    const header = req.get('authorization') ?? '';
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header);
    if (!match || !tokenMatches(match[1]!, deps.token)) {
      res.set('www-authenticate', 'Bearer realm="imagematching-router"');
      throw new HttpError(401, 'unauthorized');
    }
    next();
  };

  const control = (action: 'pause' | 'resume') => (req: Request, res: Response) => {
    const name = String(req.params.name);
    if (!RULE_NAME.test(name)) throw new HttpError(400, 'invalid rule name');
    const rule = deps.rules().find((r) => r.name === name);
    if (!rule) throw new HttpError(404, `no rule named ${name}`);
    if (action === 'pause') rule.pause();
    else rule.resume();
    log.info({ rule: name, action }, `rule ${action}d through the admin API`);
    res.json({ rule: name, status: rule.status, paused: rule.isPaused });
  };
  app.post('/v1/rules/:name/pause', requireToken, control('pause'));
  app.post('/v1/rules/:name/resume', requireToken, control('resume'));

  // Reads the rule files again and swaps in what changed; an invalid set is refused (422) and the running rules stay.
  app.post('/v1/reload', requireToken, async (_req, res) => {
    const reloads = deps.reloads?.() ?? null;
    if (!reloads) throw new HttpError(503, 'the router is not running yet');
    const reloading = reloads.tryReload('admin API');
    if (!reloading) throw new HttpError(409, 'a reload is already in progress');
    const result = await reloading;
    res.status(result.outcome === 'rejected' ? 422 : result.outcome === 'failed' ? 500 : 200).json(result);
  });

  app.get('/v1/pages/:wiki/:pageId', async (req, res) => {
    queryParameters(req.query, []);
    const wiki = String(req.params.wiki);
    const pageId = String(req.params.pageId);
    if (!WIKI.test(wiki)) throw new HttpError(400, 'wiki must be a wiki id such as enwiki');
    if (!PAGE_ID.test(pageId)) throw new HttpError(400, 'pageId must be a positive integer');
    const state = await pageState(deps.db, wiki, pageId);
    const known = state.image_state || state.recommendations.length + state.section_decisions.length + state.unprocessable_events.length > 0;
    if (!known) throw new HttpError(404, 'no state for this page');
    res.json({ wiki, page_id: Number(pageId), ...state });
  });

  app.get('/v1/recommendations', async (req, res) => {
    const query = queryParameters(req.query, ['wiki', 'status', 'since', 'limit', 'cursor']);
    const wiki = query.wiki;
    if (wiki !== undefined && !WIKI.test(wiki)) throw new HttpError(400, 'wiki must be a wiki id such as enwiki');
    const status = query.status;
    if (status !== undefined && !(RECOMMENDATION_STATUSES as readonly string[]).includes(status)) {
      throw new HttpError(400, `status must be one of ${RECOMMENDATION_STATUSES.join(', ')}`);
    }
    const since = parseSince(query.since);
    const limit = parseLimit(query.limit);
    const cursorText = query.cursor;
    const after = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (after === null) throw new HttpError(400, 'invalid cursor');
    const page = await listRecommendations(deps.db, { wiki, status: status as RecommendationStatus | undefined, since, limit, after });
    res.json({
      items: page.items,
      next_cursor: page.next ? encodeCursor(page.next) : null,
      resume_cursor: page.resume ? encodeCursor(page.resume) : null,
    });
  });

  registerSuggestionRoutes(app, { db: deps.db, log });

  app.use((_req, _res) => {
    throw new HttpError(404, 'not found');
  });

  // Express recognises the error handler by its four parameters.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, message } = clientError(err);
    if (status >= 500) log.error({ err: (err as Error)?.message, method: req.method, path: req.path }, 'admin request failed');
    if (res.headersSent) return;
    res.status(status).json({ error: message });
  });

  return app;
}

/** The status and a message safe for the client: ours, body-parser's 4xx (they set `expose`), or a generic 500. */
function clientError(err: unknown): { status: number; message: string } {
  if (err instanceof HttpError) return { status: err.status, message: err.message };
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; message?: unknown };
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return { status, message: e.expose === true && typeof e.message === 'string' ? e.message : 'bad request' };
  return { status: 500, message: 'internal error' };
}

function describeRule(rule: AdminRule, observer: AdminDeps['observer']) {
  const snapshots = new Map((observer?.rulePartitions(rule.name) ?? []).map((p) => [`${p.topic}\u0000${p.partition}`, p]));
  return {
    name: rule.name,
    topics: rule.topics,
    status: rule.status,
    paused: rule.isPaused,
    last_commit_error: rule.lastCommitError,
    partitions: rule.pending().map((p) => ({
      topic: p.topic,
      partition: p.partition,
      pending: p.unfinished,
      committed_offset: p.committed,
      lag: snapshots.get(`${p.topic}\u0000${p.partition}`)?.lag ?? null,
      age_seconds: snapshots.get(`${p.topic}\u0000${p.partition}`)?.ageSeconds ?? null,
      paused: p.paused,
    })),
    counters: observer?.ruleCounts(rule.name) ?? null,
  };
}

export interface AdminServer {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** Listen on `host:port` (port 0 picks a free one, for tests). */
export async function startAdminServer(listen: string, deps: AdminDeps): Promise<AdminServer> {
  const match = /^([^:]+):([0-9]{1,5})$/.exec(listen);
  if (!match || Number(match[2]) > 65535) throw new Error(`admin.listen must be host:port, got ${listen}`);
  const host = match[1]!;
  const app = createAdminApp(deps);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(Number(match[2]), host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  // Slow clients must not hold sockets open forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const port = (server.address() as AddressInfo).port;
  deps.log.info({ host, port }, 'admin API listening');
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
