// Revision histories of real article sizes for the revisions scenario, and a local MediaWiki Action API that
// serves them over real HTTP as fast as it can (answers are concatenated from pre-serialised texts, so the
// bench's own CPU use stays small next to the router's). It also answers what the model's illustration rule asks
// (file usage, siteinfo statistics, page props), from usage data that makes the corpus's flags, coats of arms,
// logos, icons and every SVG heavily used (icons) and a twentieth of the other files too, and counts requests by kind.
//
// Texts come from the shared corpus (CORPUS_DIR, default ../shared/corpus): 71 real Wikipedia articles,
// CC BY-SA, Wikipedia contributors, collected from the test cache of wtf_wikipedia (MIT). When the corpus is
// absent, generated wikitext of the same size distribution is used, and the bench says so.
import { createServer, type Server } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO } from './services.ts';
import { asciiJson } from '../../lib/mediawiki/response-text.ts';
import { extractImages } from '../../lib/wikitext/extract-images.ts';
import { defaultNamespaceNames } from '../../lib/wikitext/siteinfo.ts';
import { FakeMediaWiki } from '../../lib/demo/fake-mediawiki.ts';

export interface Article {
  wiki: string;
  name: string;
  text: string;
}

export interface CorpusInfo {
  source: string;
  fromCorpus: boolean;
  articles: Article[];
  meanBytes: number;
}

/** Loads the corpus articles (redirect-sized stubs under 500 bytes are skipped: they are not articles). */
export function loadArticles(): CorpusInfo {
  const dir = resolve(process.env.CORPUS_DIR ?? join(REPO, '..', 'shared', 'corpus'), 'wikitext');
  let articles: Article[] = [];
  if (existsSync(dir)) {
    for (const wiki of readdirSync(dir).sort()) {
      for (const name of readdirSync(join(dir, wiki)).sort()) {
        const text = readFileSync(join(dir, wiki, name), 'utf8');
        if (Buffer.byteLength(text) >= 500) articles.push({ wiki, name, text });
      }
    }
  }
  const fromCorpus = articles.length > 0;
  if (!fromCorpus) articles = generatedArticles();
  const meanBytes = articles.reduce((s, a) => s + Buffer.byteLength(a.text), 0) / articles.length;
  return { source: fromCorpus ? dir : 'generated wikitext (corpus not found)', fromCorpus, articles, meanBytes };
}

/** Wikitext of corpus-like sizes (3 KB to 330 KB, mean about 23 KB) with links, infobox images and a gallery. */
function generatedArticles(): Article[] {
  const out: Article[] = [];
  let seed = 42;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let a = 0; a < 70; a++) {
    const size = Math.round(Math.exp(Math.log(3000) + rand() * Math.log(330000 / 3000) * (rand() < 0.8 ? 0.45 : 1)));
    const parts = [`{{Infobox settlement\n| name = Generated ${a}\n| image_skyline = Skyline ${a}.jpg\n| image_caption = x\n}}\n'''Generated ${a}''' is a place.\n`];
    let i = 0;
    while (parts.join('').length < size) {
      i++;
      parts.push(`== Section ${i} ==\nThe [[history]] of the [[place]] is long, with ''many'' {{cite web|url=http://example.org/${i}|title=Ref}} references.<ref>Note ${i}</ref>\n`);
      if (i % 7 === 0) parts.push(`[[File:Generated ${a} ${i}.jpg|thumb|A [[caption]] ${i}]]\n`);
      if (i % 31 === 0) parts.push(`<gallery>\nFile:Gallery ${a} ${i}.png|One\nGallery ${a} ${i}b.png|Two\n</gallery>\n`);
    }
    out.push({ wiki: 'enwiki', name: `generated-${a}`, text: parts.join('') });
  }
  return out;
}

/**
 * A page's history cycles through ten variants of its article: text-only edits, then an image added
 * (step 3 → 4) and removed again (7 → 8). So 2 in 10 revisions change the image set, the rest do not.
 */
export const VARIANTS = 10;
export function variantText(article: Article, index: number, variant: number): string {
  const edit = (n: number) => `\n\nBench edit ${n} of article ${index}.`;
  const image = `[[File:Bench image ${index}.jpg|thumb|Added by the bench]]\n`;
  const edits = [0, 1, 2, 3, 3, 4, 5, 6, 6, 7][variant]!;
  const withImage = variant >= 4 && variant <= 7;
  return (withImage ? image : '') + article.text + (edits > 0 ? edit(edits) : '');
}

/** Revision ids encode page and position: rev = page * 1000 + step + 1; the parent is rev - 1 (none at step 0). */
export const revIdOf = (pageId: number, step: number) => pageId * 1000 + step + 1;
export const pageOfRev = (revId: number) => Math.floor(revId / 1000);
export const stepOfRev = (revId: number) => (revId % 1000) - 1;

const COMMA = Buffer.from(',');
const CLOSE_REVISION = Buffer.from('}}}');
const CLOSE_PAGE = Buffer.from(']}');
const CLOSE_ANSWER = Buffer.from(']}}');

/** The kinds of request the revision rules send: revision image lists, and the model rule's three look-ups. */
export type RequestKind = 'revisions' | 'fileusage' | 'siteinfo' | 'pageprops' | 'other';
export type RequestCounts = Record<RequestKind, number>;
const noRequests = (): RequestCounts => ({ revisions: 0, fileusage: 0, siteinfo: 0, pageprops: 0, other: 0 });

/** enwiki's size: a file linked from 48 articles is an icon. */
export const BENCH_ARTICLES = 6_900_000;
/** Linking articles of an icon in the bench's usage data (above enwiki's threshold of 47.1). */
const ICON_USES = 200;
const ICON_NAME = /flag|coat_of_arms|logo|icon|symbol|emblem|seal|\.svg$/i;

/** Whether the bench's usage data makes `name` (DB key) an icon: icon-like names, and one in twenty by a hash. */
export function benchIcon(name: string): boolean {
  if (ICON_NAME.test(name)) return true;
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) | 0;
  return Math.abs(hash) % 20 === 0;
}

export class RevisionApi {
  requests = 0;
  revisionsServed = 0;
  readonly byKind: RequestCounts = noRequests();
  /** Answers file usage (its icons set from the corpus) the way the Action API does. */
  private readonly usage = new FakeMediaWiki();
  port = 0;
  private server: Server | null = null;
  /**
   * Each (article, variant) text as JSON bytes, built once, as an `ascii=1` answer carries it (the router asks so).
   * Answers are sent as buffers: this server stands in for a remote API, so its CPU, which the 2-core bench
   * machine shares with the router, should be as little as possible (strings cost a flatten and an encode each).
   */
  private readonly serialised: Buffer[][];

  constructor(
    private readonly articles: Article[],
    /** The latest revision of a page (page props' lastrevid). */
    private readonly latestRevOf: (pageId: number) => number = (pageId) => revIdOf(pageId, 0),
  ) {
    this.serialised = articles.map((a, i) => Array.from({ length: VARIANTS }, (_, v) => Buffer.from(asciiJson(JSON.stringify(variantText(a, i, v))), 'latin1')));
    const names = defaultNamespaceNames('enwiki');
    const icons = Array.from({ length: ICON_USES }, (_, i) => i + 1);
    articles.forEach((a, i) => {
      for (let v = 0; v < VARIANTS; v++) for (const name of extractImages(variantText(a, i, v), names)) if (benchIcon(name)) this.usage.fileUsage.set(name, icons);
    });
  }

  /** Requests by kind so far (a copy). */
  counts(): RequestCounts {
    return { ...this.byKind };
  }

  /** The model rule's look-ups: file usage, the article count, page props (every other page has a page image). */
  private lookUp(params: URLSearchParams): unknown {
    if (params.get('meta') === 'siteinfo') {
      this.byKind.siteinfo += 1;
      return { batchcomplete: true, query: { statistics: { pages: BENCH_ARTICLES * 3, articles: BENCH_ARTICLES } } };
    }
    if (params.get('prop') === 'fileusage') {
      this.byKind.fileusage += 1;
      return this.usage.answer(params);
    }
    if (params.get('prop') === 'pageprops|info' && params.has('pageids')) {
      this.byKind.pageprops += 1;
      const pages = params.get('pageids')!.split('|').map(Number).map((pageId) => ({
        pageid: pageId,
        ns: 0,
        title: `Bench page ${pageId}`,
        lastrevid: this.latestRevOf(pageId),
        ...(pageId % 2 === 0 ? { pageprops: { page_image_free: `Bench_page_image_${pageId}.jpg` } } : {}),
      }));
      return { batchcomplete: true, query: { pages } };
    }
    this.byKind.other += 1;
    return { error: { code: 'badvalue', info: 'unsupported request' } };
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/{domain}/w/api.php`;
  }

  articleOf(pageId: number): number {
    return pageId % this.articles.length;
  }

  textOf(revId: number): string {
    const page = pageOfRev(revId);
    return variantText(this.articles[this.articleOf(page)]!, this.articleOf(page), stepOfRev(revId) % VARIANTS);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests += 1;
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const revids = url.searchParams.get('revids');
      if (!revids) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(this.lookUp(url.searchParams)));
        return;
      }
      this.byKind.revisions += 1;
      const byPage = new Map<number, Buffer[]>();
      for (const id of revids.split('|').map(Number)) {
        const page = pageOfRev(id);
        const step = stepOfRev(id);
        const article = this.articleOf(page);
        const ts = new Date(Date.UTC(2024, 0, 1) + step * 60_000).toISOString();
        const head = `{"revid":${id},"parentid":${step > 0 ? id - 1 : 0},"timestamp":"${ts}","slots":{"main":{"contentmodel":"wikitext","contentformat":"text/x-wiki","content":`;
        this.revisionsServed += 1;
        const parts = byPage.get(page) ?? [];
        if (parts.length > 0) parts.push(COMMA);
        parts.push(Buffer.from(head), this.serialised[article]![step % VARIANTS]!, CLOSE_REVISION);
        byPage.set(page, parts);
      }
      const body: Buffer[] = [Buffer.from('{"batchcomplete":true,"query":{"pages":[')];
      for (const [page, parts] of [...byPage.entries()].sort((a, b) => a[0] - b[0])) {
        if (body.length > 1) body.push(COMMA);
        body.push(Buffer.from(`{"pageid":${page},"ns":0,"title":"Bench page ${page}","revisions":[`), ...parts, CLOSE_PAGE);
      }
      body.push(CLOSE_ANSWER);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(Buffer.concat(body));
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    const address = this.server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
