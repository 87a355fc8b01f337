// Decides whether a page is illustrated as the ImageMatching model defines it (model-rule.ts), asking the wiki's
// Action API only for what can change the answer: file usage counts and article counts, cached with a TTL and a bound.
//
// Everything is injected: one API per wiki domain (the shape of ActionApi.get), the clock, cache sizes and TTLs.
// Concurrent look-ups of one wiki share requests (MicroBatcher, up to 50 files or pages each) and a file asked by
// two pages at once is asked once. Nothing is guessed: a failed or unreadable answer rejects the decision with a
// RouterError (TransientError unless the API said otherwise), so the engine retries the event.
import { LRUCache } from 'lru-cache';
import { asRouterError, TransientError } from '../errors.ts';
import { FILE_USAGE_MAX_TITLES, fileUsageQuery, parseFileUsage, type FileUsageLookup } from '../mediawiki/file-usage.ts';
import { MicroBatcher } from '../batching/micro-batcher.ts';
import { PAGE_IMAGES_MAX_IDS, pageImagesQuery, parsePageImages, type PageImagesLookup } from '../mediawiki/page-images.ts';
import { parseArticleCount, siteStatisticsQuery } from '../mediawiki/site-statistics.ts';
import { canBeIcon, hasPageImage, iconThreshold, judgeImages, smallestIconCount, type PageImageProps, type UsageCount } from './model-rule.ts';
import { pageImageFreshness } from './page-image-freshness.ts';

/** What the judge needs of a wiki's Action API: ActionApi.get (JSON answer, or a RouterError). */
export interface ApiGet {
  get(params: Record<string, string>): Promise<Record<string, unknown>>;
}

export interface Clock {
  /** Epoch milliseconds (compared with revision timestamps as well as used for the caches' TTLs). */
  now(): number;
}

export interface IllustrationJudgeOptions {
  /** The API of a wiki domain (`en.wikipedia.org`); called once per domain and kept. */
  api(domain: string): ApiGet;
  clock?: Clock;
  /** Usage counts kept, over all wikis (default 100,000), and for how long (default 24 h). */
  usageCacheSize?: number;
  usageTtlMs?: number;
  /** How long a wiki's article count is kept (default 24 h). */
  articleCountTtlMs?: number;
  /** Wikis whose API, batchers and article count are kept at once (default 1,000). */
  maxWikis?: number;
  /** How long a look-up waits for company before its request goes (default 20 ms), and requests per wiki at once (default 2). */
  batchLingerMs?: number;
  maxInFlightPerWiki?: number;
}

export interface IllustrationVerdict {
  illustrated: boolean;
  /** What decided: a non-icon file the page links, PageImages' page image, or nothing (not illustrated). */
  source: 'image' | 'page-image' | null;
  /** Images known to count (not necessarily all: look-ups stop at the first) and images known to be icons. */
  counted: string[];
  icons: string[];
  /** Names the API refused as titles: no page can link them, so they neither count nor are icons. */
  invalid: string[];
  /** The wiki's icon threshold, when the decision needed it. */
  threshold: number | null;
}

/** Requests sent and cache use, for metrics and the bench's requests-per-event figure. */
export interface IllustrationJudgeStats {
  requests: number;
  usageRequests: number;
  articleCountRequests: number;
  pageImageRequests: number;
  /** Usage counts answered from the cache, and looked up. */
  usageCacheHits: number;
  usageLookups: number;
}

type UsageEntry = UsageCount | 'invalid';

interface Wiki {
  api: ApiGet;
  usage: MicroBatcher<string, UsageEntry>;
  pageImages: MicroBatcher<number, PageImagesLookup>;
}

const DAY_MS = 24 * 3600_000;

export class IllustrationJudge {
  readonly stats: IllustrationJudgeStats = { requests: 0, usageRequests: 0, articleCountRequests: 0, pageImageRequests: 0, usageCacheHits: 0, usageLookups: 0 };
  private readonly usage: LRUCache<string, UsageEntry>;
  private readonly articleCounts: LRUCache<string, number>;
  private readonly wikis: LRUCache<string, Wiki>;
  /** Look-ups under way, so a file or an article count asked twice at once is asked once. */
  private readonly pendingUsage = new Map<string, Promise<UsageEntry>>();
  private readonly pendingCounts = new Map<string, Promise<number>>();

  private readonly clock: Clock;

  constructor(private readonly options: IllustrationJudgeOptions) {
    const perf = options.clock ?? { now: () => Date.now() };
    this.clock = perf;
    // ttlResolution 0: read the (injected) clock on every check rather than a value cached for a millisecond.
    this.usage = new LRUCache({ max: options.usageCacheSize ?? 100_000, ttl: options.usageTtlMs ?? DAY_MS, ttlResolution: 0, perf });
    this.articleCounts = new LRUCache({ max: options.maxWikis ?? 1000, ttl: options.articleCountTtlMs ?? DAY_MS, ttlResolution: 0, perf });
    this.wikis = new LRUCache({ max: options.maxWikis ?? 1000 });
  }

  /** The icon threshold of the wiki at `domain`, from its article count (one request per wiki and TTL). */
  async threshold(domain: string): Promise<number> {
    return iconThreshold(await this.articleCount(domain));
  }

  async articleCount(domain: string): Promise<number> {
    const known = this.articleCounts.get(domain);
    if (known !== undefined) return known;
    let pending = this.pendingCounts.get(domain);
    if (pending === undefined) {
      pending = this.call(domain, siteStatisticsQuery(), 'articleCountRequests')
        .then((json) => {
          const articles = parseArticleCount(json);
          if (articles === null) throw new TransientError(`mediawiki: ${domain} siteinfo statistics: the answer has no article count`);
          this.articleCounts.set(domain, articles);
          return articles;
        })
        .finally(() => this.pendingCounts.delete(domain));
      this.pendingCounts.set(domain, pending);
    }
    return pending;
  }

  /**
   * Decides a page of `domain` from the images its revision links (DB keys) and, when the caller has them and
   * trusts them (see page-image-freshness.ts), its PageImages props. Looks up only what can change the answer:
   * nothing for a name that can never be an icon, a page image, a page without images or once one image is known
   * to count; else the unknown images, 50 at a time, until one counts or none is left.
   */
  async decide(domain: string, images: readonly string[], pageImage?: PageImageProps): Promise<IllustrationVerdict> {
    const byPageImage = pageImage !== undefined && hasPageImage(pageImage);
    const unique = [...new Set(images)];
    const verdict = (source: IllustrationVerdict['source'], rest: Partial<IllustrationVerdict> = {}): IllustrationVerdict => ({
      illustrated: source !== null,
      source,
      counted: [],
      icons: [],
      invalid: [],
      threshold: null,
      ...rest,
    });
    // The tests that cost no request come first.
    const neverIcons = unique.filter((name) => !canBeIcon(name));
    if (neverIcons.length > 0) return verdict('image', { counted: neverIcons });
    if (byPageImage) return verdict('page-image');
    if (unique.length === 0) return verdict(null);

    const threshold = await this.threshold(domain);
    const known = new Map<string, UsageEntry>();
    for (const name of unique) {
      const cached = this.usage.get(usageKey(domain, name));
      if (cached !== undefined) {
        known.set(name, cached);
        this.stats.usageCacheHits += 1;
      }
    }
    for (;;) {
      const invalid = unique.filter((name) => known.get(name) === 'invalid');
      const judged = judgeImages(
        unique.filter((name) => known.get(name) !== 'invalid'),
        (name) => known.get(name) as UsageCount | undefined,
        threshold,
      );
      const rest = { counted: judged.counted, icons: judged.icons, invalid, threshold };
      if (judged.illustrated !== null) return verdict(judged.illustrated ? 'image' : null, rest);
      const chunk = judged.lookups.slice(0, FILE_USAGE_MAX_TITLES);
      const answers = await Promise.all(chunk.map((name) => this.lookUpUsage(domain, name)));
      chunk.forEach((name, index) => known.set(name, answers[index]!));
    }
  }

  /**
   * PageImages' props of a page of `domain` once they describe revision `revId` (made at `revMs`, epoch ms) or a later
   * one: a TransientError while the API has not seen the revision (`behind`, retried with the engine's backoff) or
   * its links update may still be running (`settling`, `retryAfterMs` the rest of `settleMs`). A later revision's
   * props (`ahead`) are taken: that revision's own event carries this verdict forward when its images are the same.
   * A page the API does not know is a replica's lag while the revision is settling, and deleted after: no page image.
   */
  async pageImagesOf(domain: string, page: { pageId: number; revId: number; revMs: number }, settleMs: number): Promise<PageImageProps> {
    const lookup = await this.pageImages(domain, page.pageId);
    const now = this.clock.now();
    const settling = () =>
      new TransientError(`mediawiki: ${domain} page ${page.pageId} revision ${page.revId} is younger than illustrated.settle_ms: its page props may not be written yet`, {
        retryAfterMs: Math.max(1, settleMs - (now - page.revMs)),
      });
    if (lookup.kind === 'missing') {
      if (now - page.revMs < settleMs) throw settling();
      return { pageImage: null, pageImageFree: null };
    }
    switch (pageImageFreshness(lookup.lastRevId, page.revId, page.revMs, now, settleMs)) {
      case 'behind':
        throw new TransientError(`mediawiki: ${domain} pageprops of page ${page.pageId} describe revision ${lookup.lastRevId ?? '(none said)'}, not yet ${page.revId}`);
      case 'settling':
        throw settling();
      default:
        return { pageImage: lookup.pageImage, pageImageFree: lookup.pageImageFree };
    }
  }

  /** PageImages' facts for a page of `domain` as the API knows them now (see page-image-freshness.ts for when to trust them). */
  async pageImages(domain: string, pageId: number): Promise<Exclude<PageImagesLookup, { kind: 'unknown' }>> {
    const lookup = await this.wiki(domain).pageImages.submit(pageId);
    if (lookup.kind === 'unknown') throw new TransientError(`mediawiki: ${domain} pageprops: the answer left out page ${pageId}`);
    return lookup;
  }

  /** Resolves when no look-up is queued or in flight. */
  async idle(): Promise<void> {
    await Promise.all([...this.wikis.values()].flatMap((wiki) => [wiki.usage.idle(), wiki.pageImages.idle()]));
  }

  private lookUpUsage(domain: string, name: string): Promise<UsageEntry> {
    const key = usageKey(domain, name);
    let pending = this.pendingUsage.get(key);
    if (pending === undefined) {
      this.stats.usageLookups += 1;
      pending = this.wiki(domain)
        .usage.submit(name)
        .then((entry) => {
          this.usage.set(key, entry);
          return entry;
        })
        .finally(() => this.pendingUsage.delete(key));
      this.pendingUsage.set(key, pending);
    }
    return pending;
  }

  private wiki(domain: string): Wiki {
    let wiki = this.wikis.get(domain);
    if (wiki === undefined) {
      const batch = { lingerMs: this.options.batchLingerMs ?? 20, maxInFlight: this.options.maxInFlightPerWiki ?? 2 };
      wiki = {
        api: this.options.api(domain),
        usage: new MicroBatcher({ ...batch, maxSize: FILE_USAGE_MAX_TITLES, flush: (names) => this.fetchUsage(domain, names) }),
        pageImages: new MicroBatcher({ ...batch, maxSize: PAGE_IMAGES_MAX_IDS, flush: (ids) => this.fetchPageImages(domain, ids) }),
      };
      this.wikis.set(domain, wiki);
    }
    return wiki;
  }

  /**
   * Usage of `names`, each settled: an exact count, at least the smallest icon count, or invalid. Files an answer
   * did not settle (behind an icon that filled the limit) are asked again without the settled ones.
   */
  private async fetchUsage(domain: string, names: string[]): Promise<UsageEntry[]> {
    const enough = smallestIconCount(await this.threshold(domain));
    const settled = new Map<string, UsageEntry>();
    let open = [...new Set(names)];
    while (open.length > 0) {
      const lookups = parseFileUsage(await this.call(domain, fileUsageQuery(open, enough), 'usageRequests'), open);
      for (const lookup of lookups) {
        const entry = settle(lookup, enough);
        if (entry !== null) settled.set(lookup.name, entry);
      }
      const left = open.filter((name) => !settled.has(name));
      // A real answer settles at least one file (the limit is at least `enough`); one that does not would loop.
      if (left.length === open.length) throw new TransientError(`mediawiki: ${domain} fileusage: the answer settled none of ${open.length} file(s)`);
      open = left;
    }
    return names.map((name) => settled.get(name)!);
  }

  private async fetchPageImages(domain: string, ids: number[]): Promise<PageImagesLookup[]> {
    const unique = [...new Set(ids)];
    const lookups = parsePageImages(await this.call(domain, pageImagesQuery(unique), 'pageImageRequests'), unique);
    const byId = new Map(unique.map((id, index) => [id, lookups[index]!]));
    return ids.map((id) => byId.get(id)!);
  }

  private async call(domain: string, params: Record<string, string>, counter: 'usageRequests' | 'articleCountRequests' | 'pageImageRequests'): Promise<Record<string, unknown>> {
    const { api } = this.wiki(domain);
    this.stats.requests += 1;
    this.stats[counter] += 1;
    try {
      return await api.get(params);
    } catch (err) {
      throw asRouterError(err);
    }
  }
}

/** '|' appears in neither domains nor titles. */
function usageKey(domain: string, name: string): string {
  return `${domain}|${name}`;
}

/** What a lookup settles: an exact count, a lower bound that already makes an icon, invalid; null: ask again. */
function settle(lookup: FileUsageLookup, enough: number): UsageEntry | null {
  if (lookup.kind === 'invalid') return 'invalid';
  if (lookup.complete || lookup.count >= enough) return { count: lookup.count, complete: lookup.complete };
  return null;
}
