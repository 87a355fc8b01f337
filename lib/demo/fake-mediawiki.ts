// A local stand-in for the MediaWiki Action API over real HTTP (used by the demo and the tests): serves revisions, titles,
// siteinfo (names, statistics), file usage and page props from in-memory fixtures, records every request, and fails on
// demand (HTTP errors, maxlag, slowness).
// The first path segment may name the wiki domain (api_url `http://127.0.0.1:PORT/{domain}/w/api.php`).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { asciiJson } from '../mediawiki/response-text.ts';

export interface FakeRevision {
  revId: number;
  pageId: number;
  title: string;
  parentId: number | null;
  timestamp: string;
  /** null: the text is revision-deleted (texthidden). */
  text: string | null;
}

export interface FakeRequest {
  domain: string;
  params: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** A canned answer for the next request(s), instead of the fixture data. */
export interface Failure {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export class FakeMediaWiki {
  readonly revisions = new Map<number, FakeRevision>();
  /** Display title (spaces) → page id; redirects map display title → display title. */
  readonly pages = new Map<string, number>();
  readonly redirects = new Map<string, string>();
  readonly requests: FakeRequest[] = [];
  /** Answers to give before serving fixtures again, first in first out. */
  readonly failures: Failure[] = [];
  /** Answers to give, once each, to the first request each predicate matches (after `failures`). */
  readonly failuresWhen: Array<{ when: (params: URLSearchParams) => boolean; failure: Failure }> = [];
  /** What `meta=siteinfo` answers, per `siprop` part. */
  readonly siteinfo: { general: Record<string, unknown>; namespaces: Record<string, unknown>; namespacealiases: unknown[]; statistics: Record<string, number> } = {
    general: { wikiid: 'enwiki', lang: 'en', case: 'first-letter' },
    namespaces: { '6': { id: 6, name: 'File', canonical: 'File' }, '-2': { id: -2, name: 'Media', canonical: 'Media' } },
    namespacealiases: [{ id: 6, alias: 'Image' }],
    statistics: { pages: 0, articles: 0, edits: 0, images: 0, users: 0, activeusers: 0, admins: 0, jobs: 0 },
  };
  /** File name (DB key) → ids of the namespace-0 pages that use it (imagelinks), for `prop=fileusage`. */
  readonly fileUsage = new Map<string, number[]>();
  /** Page id → its last revision and PageImages' page props, for `prop=pageprops|info`. */
  readonly pageProps = new Map<number, { lastRevId: number; pageImage?: string; pageImageFree?: string }>();
  /** Most revisions per answer with content, to exercise `continue` (Infinity: no limit). */
  contentLimit = Infinity;
  delayMs = 0;
  /** Whether `ascii=1` escapes non-ASCII, as the real API does; false plays a server that ignores it. */
  honoursAscii = true;
  port = 0;
  private server: Server | null = null;

  get url(): string {
    return `http://127.0.0.1:${this.port}/{domain}/w/api.php`;
  }

  addRevision(revision: FakeRevision): void {
    this.revisions.set(revision.revId, revision);
    this.pages.set(revision.title.replace(/_/g, ' '), revision.pageId);
  }

  requestsFor(param: string): FakeRequest[] {
    return this.requests.filter((r) => r.params.has(param));
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const domain = url.pathname.split('/')[1] ?? '';
      this.requests.push({ domain, params: url.searchParams, headers: req.headers });
      const targeted = this.failuresWhen.findIndex((f) => f.when(url.searchParams));
      const failure = this.failures.shift() ?? (targeted >= 0 ? this.failuresWhen.splice(targeted, 1)[0]!.failure : undefined);
      setTimeout(() => {
        if (failure) {
          res.writeHead(failure.status ?? 200, { 'content-type': 'application/json', ...(failure.headers ?? {}) });
          res.end(typeof failure.body === 'string' ? failure.body : JSON.stringify(failure.body ?? {}));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        const json = JSON.stringify(this.answer(url.searchParams));
        res.end(this.honoursAscii && url.searchParams.has('ascii') ? asciiJson(json) : json);
      }, this.delayMs);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The fixture answer to `params`, without HTTP (and without `failures`): for unit tests of API callers. */
  answer(params: URLSearchParams): unknown {
    if (params.get('meta') === 'siteinfo') {
      const parts = new Set((params.get('siprop') ?? 'general').split('|'));
      const query = Object.fromEntries(Object.entries(this.siteinfo).filter(([part]) => parts.has(part)));
      return { batchcomplete: true, query };
    }
    if (params.get('prop') === 'fileusage' && params.has('titles')) return this.fileUsageAnswer(params);
    if (params.get('prop')?.split('|').includes('pageprops') && params.has('pageids')) {
      return this.pagePropsAnswer(params.get('pageids')!.split('|').map(Number), new Set(params.get('ppprop')?.split('|') ?? []));
    }
    if (params.has('revids')) return this.revisionAnswer(params.get('revids')!.split('|').map(Number));
    if (params.has('titles')) return this.titleAnswer(params.get('titles')!.split('|'));
    return { error: { code: 'badvalue', info: 'unsupported request' } };
  }

  private revisionAnswer(ids: number[]): unknown {
    const pages = new Map<number, { pageid: number; ns: number; title: string; revisions: unknown[] }>();
    const badrevids: Record<string, { revid: number; missing: true }> = {};
    let served = 0;
    let truncated = false;
    for (const id of ids) {
      const rev = this.revisions.get(id);
      if (!rev) {
        badrevids[String(id)] = { revid: id, missing: true };
        continue;
      }
      let page = pages.get(rev.pageId);
      if (!page) {
        page = { pageid: rev.pageId, ns: 0, title: rev.title.replace(/_/g, ' '), revisions: [] };
        pages.set(rev.pageId, page);
      }
      const base = { revid: rev.revId, parentid: rev.parentId ?? 0, timestamp: rev.timestamp };
      if (rev.text === null) {
        page.revisions.push({ ...base, texthidden: true, slots: { main: { texthidden: true, contentmodel: 'wikitext' } } });
      } else if (served >= this.contentLimit) {
        truncated = true;
        page.revisions.push({ ...base, slots: { main: { contentmodel: 'wikitext' } } });
      } else {
        served += 1;
        page.revisions.push({ ...base, slots: { main: { contentmodel: 'wikitext', contentformat: 'text/x-wiki', content: rev.text } } });
      }
    }
    // Real answers list pages in page-id order, not in request order: callers must map by revid.
    const query: Record<string, unknown> = { pages: [...pages.values()].sort((a, b) => a.pageid - b.pageid) };
    if (Object.keys(badrevids).length > 0) query.badrevids = badrevids;
    return truncated ? { continue: { rvcontinue: 'x', continue: '||' }, query } : { batchcomplete: true, query };
  }

  /**
   * `prop=fileusage` as ApiQueryBacklinksprop answers it: rows ordered by file name (bytes) then page id, one
   * `fulimit` shared by every title, `fucontinue` = `name|pageid` of the first row left out (not read back).
   */
  private fileUsageAnswer(params: URLSearchParams): unknown {
    const limit = Number(params.get('fulimit') ?? '10');
    const normalized: Array<{ from: string; to: string }> = [];
    const pages: Array<Record<string, unknown>> = [];
    const rows: Array<{ name: string; pageId: number; page: Record<string, unknown> }> = [];
    for (const asked of params.get('titles')!.split('|')) {
      const title = asked.replace(/_/g, ' ');
      if (title !== asked) normalized.push({ from: asked, to: title });
      if (!title.startsWith('File:')) {
        pages.push({ ns: 0, title, missing: true });
        continue;
      }
      const name = title.slice('File:'.length).replace(/ /g, '_');
      const page: Record<string, unknown> = { ns: 6, title, missing: true, known: true };
      pages.push(page);
      for (const pageId of this.fileUsage.get(name) ?? []) rows.push({ name, pageId, page });
    }
    rows.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)) || a.pageId - b.pageId);
    for (const row of rows.slice(0, limit)) ((row.page.fileusage ??= []) as unknown[]).push({ pageid: row.pageId });
    const next = rows[limit];
    const query = { ...(normalized.length > 0 ? { normalized } : {}), pages };
    return next === undefined ? { batchcomplete: true, query } : { continue: { fucontinue: `${next.name}|${next.pageId}`, continue: '||' }, query };
  }

  private pagePropsAnswer(pageIds: number[], wanted: ReadonlySet<string>): unknown {
    const titles = new Map([...this.pages].map(([title, pageId]) => [pageId, title]));
    const pages = pageIds.map((pageId) => {
      const facts = this.pageProps.get(pageId);
      if (facts === undefined) return { pageid: pageId, missing: true };
      const props: Record<string, string> = {};
      if (facts.pageImage !== undefined && wanted.has('page_image')) props.page_image = facts.pageImage;
      if (facts.pageImageFree !== undefined && wanted.has('page_image_free')) props.page_image_free = facts.pageImageFree;
      return {
        pageid: pageId,
        ns: 0,
        title: titles.get(pageId) ?? `Page ${pageId}`,
        lastrevid: facts.lastRevId,
        ...(Object.keys(props).length > 0 ? { pageprops: props } : {}),
      };
    });
    return { batchcomplete: true, query: { pages } };
  }

  private titleAnswer(titles: string[]): unknown {
    const normalized: Array<{ from: string; to: string }> = [];
    const redirects: Array<{ from: string; to: string }> = [];
    const pages: unknown[] = [];
    for (const asked of titles) {
      let title = asked.replace(/_/g, ' ');
      title = title.charAt(0).toUpperCase() + title.slice(1);
      if (title !== asked) normalized.push({ from: asked, to: title });
      const target = this.redirects.get(title);
      if (target) {
        redirects.push({ from: title, to: target });
        title = target;
      }
      const pageId = this.pages.get(title);
      pages.push(pageId === undefined ? { ns: 0, title, missing: true } : { pageid: pageId, ns: 0, title });
    }
    return { batchcomplete: true, query: { normalized, redirects, pages } };
  }
}
