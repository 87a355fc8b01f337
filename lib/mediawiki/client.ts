// The MediaWiki gateway of a router: per wiki domain one ActionApi plus batchers that merge the revision
// and title look-ups of concurrent events into requests of up to `batch_size` ids, and a siteinfo cache.
import type { MediaWikiConfig } from '../config/schema.ts';
import { ActionApi, apiFailure } from './action-api.ts';
import type { IoObserver } from '../observe/io-observer.ts';
import { MicroBatcher } from '../batching/micro-batcher.ts';
import { parseRevisions, revisionsQuery, type RevisionLookup } from './revisions.ts';
import type { RevisionImagesLookup } from './revision-images.ts';
import type { ImageExtractor } from './extraction-pool.ts';
import { parseTitles, titlesQuery, type TitleLookup } from './titles.ts';
import { defaultNamespaceNames, namespaceNamesFromSiteinfo, namespacesQuery, type FileNamespaceNames } from '../wikitext/siteinfo.ts';
import { WikiDomains } from './wiki-domains.ts';

// A revision the API left out for size reasons is asked for again; this bounds the follow-ups per batch.
const MAX_FOLLOW_UPS = 10;
const SITEINFO_TTL_MS = 24 * 3600_000;

// Image-list batchers are keyed by the names' content. Steps pass shared objects (bundled names are one frozen
// object per language, siteinfo names one per fetch), so each is serialised once, not for every event.
const namesKeys = new WeakMap<FileNamespaceNames, string>();

function namesKey(names: FileNamespaceNames): string {
  let key = namesKeys.get(names);
  if (key === undefined) namesKeys.set(names, (key = JSON.stringify(names)));
  return key;
}

class WikiEndpoint {
  readonly api: ActionApi;
  readonly revisions: MicroBatcher<number, RevisionLookup>;
  readonly titles: MicroBatcher<string, TitleLookup>;
  /** Image-list look-ups, one batcher per set of namespace names (their JSON) they are extracted with. */
  private readonly revisionImageBatchers = new Map<string, { extractor: ImageExtractor; batcher: MicroBatcher<number, RevisionImagesLookup> }>();
  private siteinfo: { names: FileNamespaceNames; at: number } | null = null;
  private siteinfoLoading: Promise<FileNamespaceNames> | null = null;
  private readonly batch: { maxSize: number; lingerMs: number; maxInFlight: number };

  constructor(domain: string, settings: MediaWikiConfig) {
    this.api = new ActionApi(domain, settings);
    this.batch = { maxSize: settings.batch_size, lingerMs: settings.batch_linger_ms, maxInFlight: settings.max_concurrency_per_domain };
    this.revisions = new MicroBatcher({ ...this.batch, flush: (ids) => this.fetchRevisions(ids, async (ask) => parseRevisions(await this.api.get(revisionsQuery(ask)), ask)) });
    this.titles = new MicroBatcher({ ...this.batch, flush: (titles) => this.fetchTitles(titles) });
  }

  /**
   * The images of revision `revId` (extracted with `names` by `extractor`, which reads the whole answer), batched
   * like `revisions`. The steps of one router share one extractor; a step started after it was closed brings a
   * new one, and batches from then on use it.
   */
  revisionImages(revId: number, names: FileNamespaceNames, extractor: ImageExtractor): Promise<RevisionImagesLookup> {
    const key = namesKey(names);
    let entry = this.revisionImageBatchers.get(key);
    if (entry === undefined || entry.extractor !== extractor) {
      const batcher = new MicroBatcher<number, RevisionImagesLookup>({
        ...this.batch,
        flush: (ids) =>
          this.fetchRevisions(ids, async (ask) => {
            const answer = await this.api.getRaw(revisionsQuery(ask));
            const outcome = await extractor.readRevisions(answer, ask, names);
            if (outcome.kind !== 'ok') throw apiFailure(answer.where, outcome);
            return outcome.lookups;
          }),
      });
      entry = { extractor, batcher };
      this.revisionImageBatchers.set(key, entry);
    }
    return entry.batcher.submit(revId);
  }

  /** One look-up per id of `ids`: `fetchRound` asks for a set of ids; revisions it leaves out for size are asked again. */
  private async fetchRevisions<L extends { kind: string; revId: number }>(ids: number[], fetchRound: (ask: number[]) => Promise<L[]>): Promise<Array<L | { kind: 'incomplete'; revId: number }>> {
    const unique = [...new Set(ids)];
    const found = new Map<number, L | { kind: 'incomplete'; revId: number }>();
    let ask = unique;
    for (let round = 0; ask.length > 0 && round <= MAX_FOLLOW_UPS; round++) {
      const lookups = await fetchRound(ask);
      for (const lookup of lookups) if (lookup.kind !== 'incomplete' || round === MAX_FOLLOW_UPS) found.set(lookup.revId, lookup);
      const next = lookups.filter((l) => l.kind === 'incomplete').map((l) => l.revId);
      // No progress means the API cannot return this text at all: do not spin.
      if (next.length === ask.length) {
        for (const revId of next) found.set(revId, { kind: 'incomplete', revId });
        break;
      }
      ask = next;
    }
    return ids.map((id) => found.get(id) ?? { kind: 'incomplete', revId: id });
  }

  private async fetchTitles(titles: string[]): Promise<TitleLookup[]> {
    const unique = [...new Set(titles)];
    const lookups = parseTitles(await this.api.get(titlesQuery(unique)), unique);
    const byTitle = new Map(unique.map((t, i) => [t, lookups[i]!]));
    return titles.map((t) => byTitle.get(t)!);
  }

  /** File namespace names from the wiki's siteinfo, cached for a day; bundled defaults when it fails. */
  async namespaceNames(wiki: string, onError: (err: Error) => void): Promise<FileNamespaceNames> {
    if (this.siteinfo && Date.now() - this.siteinfo.at < SITEINFO_TTL_MS) return this.siteinfo.names;
    this.siteinfoLoading ??= this.api
      .get(namespacesQuery())
      .then((json) => {
        const names = namespaceNamesFromSiteinfo(json);
        this.siteinfo = { names, at: Date.now() };
        return names;
      })
      .catch((err: Error) => {
        onError(err);
        return this.siteinfo?.names ?? defaultNamespaceNames(wiki);
      })
      .finally(() => {
        this.siteinfoLoading = null;
      });
    return this.siteinfoLoading;
  }

  async close(): Promise<void> {
    await Promise.all([this.revisions.idle(), this.titles.idle(), ...[...this.revisionImageBatchers.values()].map((e) => e.batcher.idle())]);
    await this.api.close();
  }
}

/** All wiki endpoints of one router configuration. */
export class MediaWikiGateway {
  private readonly endpoints = new Map<string, WikiEndpoint>();
  /** Wiki id → domain, for events without meta.domain. */
  readonly domains: WikiDomains;

  private readonly observer: IoObserver | undefined;

  constructor(
    readonly settings: MediaWikiConfig,
    options: { observer?: IoObserver } = {},
  ) {
    this.observer = options.observer;
    this.domains = new WikiDomains({
      overrides: settings.wiki_domains,
      fetchSiteMatrix: (params) => this.endpoint(settings.sitematrix_domain).api.get(params),
    });
  }

  endpoint(domain: string): WikiEndpoint {
    const key = domain.toLowerCase();
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      endpoint = new WikiEndpoint(key, this.settings);
      endpoint.api.observer = this.observer;
      this.endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  revision(domain: string, revId: number): Promise<RevisionLookup> {
    return this.endpoint(domain).revisions.submit(revId);
  }

  /** The images of a revision instead of its text (see WikiEndpoint.revisionImages). */
  revisionImages(domain: string, revId: number, names: FileNamespaceNames, extractor: ImageExtractor): Promise<RevisionImagesLookup> {
    return this.endpoint(domain).revisionImages(revId, names, extractor);
  }

  page(domain: string, title: string): Promise<TitleLookup> {
    return this.endpoint(domain).titles.submit(title);
  }

  /** Requests sent so far, over all domains. */
  get requests(): number {
    let n = 0;
    for (const e of this.endpoints.values()) n += e.api.requests;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.endpoints.values()].map((e) => e.close()));
    this.endpoints.clear();
  }
}
