// Which domain serves a wiki id (`enwiki` → en.wikipedia.org). Events name their wiki by id (`database`, `wiki_id`,
// `wiki`); `meta.domain` is optional in every schema, so the router derives the API host from the id: shipped names
// for the largest wikis, then the operator's `mediawiki.wiki_domains`, then Wikimedia's site matrix (action=sitematrix),
// fetched once and cached.
import { PermanentError, RouterError, TransientError } from '../errors.ts';

// Wikipedias by language code, the ~70 largest: `<code>wiki` is `<code with - for _>.wikipedia.org` for these.
const LARGEST_WIKIPEDIAS = new Set([
  'en', 'ceb', 'de', 'fr', 'sv', 'nl', 'ru', 'es', 'it', 'arz', 'pl', 'ja', 'zh', 'vi', 'uk', 'war', 'ar', 'pt', 'fa',
  'ca', 'sr', 'id', 'ko', 'no', 'ce', 'fi', 'cs', 'tr', 'hu', 'tt', 'sh', 'ro', 'zh_min_nan', 'eu', 'ms', 'eo', 'he',
  'hy', 'da', 'bg', 'cy', 'sk', 'azb', 'uz', 'et', 'simple', 'be', 'kk', 'min', 'el', 'hr', 'lt', 'gl', 'az', 'ur', 'sl',
  'lld', 'ka', 'nn', 'hi', 'th', 'ta', 'bn', 'la', 'mk', 'ast', 'lv', 'af', 'tg', 'my', 'zh_yue', 'te', 'sq', 'mr',
  'ml', 'bs', 'is', 'sw', 'ga', 'ky', 'jv', 'lb',
]);

// Wikis whose domain does not follow the Wikipedia pattern.
const SPECIAL_WIKIS: Readonly<Record<string, string>> = {
  commonswiki: 'commons.wikimedia.org',
  metawiki: 'meta.wikimedia.org',
  wikidatawiki: 'www.wikidata.org',
  mediawikiwiki: 'www.mediawiki.org',
  specieswiki: 'species.wikimedia.org',
  testwiki: 'test.wikipedia.org',
  test2wiki: 'test2.wikipedia.org',
  testwikidatawiki: 'test.wikidata.org',
  be_x_oldwiki: 'be-tarask.wikipedia.org',
};

/** The shipped domain of a wiki id, or null when the id is not one of the wikis shipped. */
export function shippedWikiDomain(wiki: string): string | null {
  const special = SPECIAL_WIKIS[wiki];
  if (special !== undefined) return special;
  if (!wiki.endsWith('wiki')) return null;
  const code = wiki.slice(0, -'wiki'.length);
  return LARGEST_WIKIPEDIAS.has(code) ? `${code.replace(/_/g, '-')}.wikipedia.org` : null;
}

/** The query of one site-matrix page: every language wiki and special wiki with its database name and URL. */
export function siteMatrixQuery(cont?: string): Record<string, string> {
  return {
    action: 'sitematrix',
    smtype: 'language|special',
    smlangprop: 'site',
    smsiteprop: 'dbname|url',
    smlimit: 'max',
    format: 'json',
    formatversion: '2',
    ...(cont === undefined ? {} : { smcontinue: cont }),
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** One site-matrix answer: database name → domain, and the continuation when there is more. */
export function parseSiteMatrix(json: Record<string, unknown>): { domains: Map<string, string>; cont: string | undefined } {
  const matrix = record(json.sitematrix);
  if (!matrix) throw new Error('site matrix answer has no sitematrix');
  const domains = new Map<string, string>();
  const add = (site: unknown) => {
    const s = record(site);
    if (typeof s?.dbname !== 'string' || typeof s.url !== 'string') return;
    try {
      domains.set(s.dbname, new URL(s.url).hostname);
    } catch {
      /* a malformed URL names no domain */
    }
  };
  for (const [key, value] of Object.entries(matrix)) {
    if (key === 'count') continue;
    if (key === 'specials' && Array.isArray(value)) value.forEach(add);
    else if (Array.isArray(record(value)?.site)) (record(value)!.site as unknown[]).forEach(add);
  }
  const cont = record(json.continue)?.smcontinue;
  return { domains, cont: typeof cont === 'string' ? cont : undefined };
}

export interface WikiDomainsOptions {
  /** The operator's own wiki id → domain map (`mediawiki.wiki_domains`), for wikis the site matrix does not list. */
  overrides: Readonly<Record<string, string>>;
  /** GET the site matrix host's Action API; throws the client's RouterErrors. */
  fetchSiteMatrix: (params: Record<string, string>) => Promise<Record<string, unknown>>;
  ttlMs?: number;
  now?: () => number;
}

const SITE_MATRIX_TTL_MS = 24 * 3600_000;
// A site matrix is one or two pages; the bound only stops a misbehaving server from looping us.
const MAX_PAGES = 20;

/** Wiki id → domain; the site matrix is loaded once per TTL, shared by concurrent callers, never guessed at. */
export class WikiDomains {
  private matrix: { domains: Map<string, string>; at: number } | null = null;
  private loading: Promise<Map<string, string>> | null = null;
  private readonly now: () => number;

  constructor(private readonly options: WikiDomainsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The domain serving `wiki`: the event's own `meta.domain` when it has one, else shipped, configured or site-matrix
   * names. A wiki nobody knows is a PermanentError; a site matrix that cannot be read is the client's TransientError.
   */
  domainOf(wiki: string, metaDomain?: string | null): string | Promise<string> {
    if (metaDomain) return metaDomain;
    const known = this.options.overrides[wiki] ?? shippedWikiDomain(wiki);
    if (known !== null && known !== undefined) return known;
    const cached = this.matrix && this.now() - this.matrix.at < (this.options.ttlMs ?? SITE_MATRIX_TTL_MS) ? this.matrix.domains : null;
    if (cached) return this.lookUp(cached, wiki);
    return this.load().then((domains) => this.lookUp(domains, wiki));
  }

  private lookUp(domains: Map<string, string>, wiki: string): string {
    const domain = domains.get(wiki);
    if (domain === undefined) {
      throw new PermanentError(`mediawiki: wiki ${JSON.stringify(wiki)} is not in the site matrix (add it to mediawiki.wiki_domains)`);
    }
    return domain;
  }

  /** The site matrix, fetched again; an expired copy stands in while the site matrix cannot be read. */
  private load(): Promise<Map<string, string>> {
    this.loading ??= (async () => {
      const domains = new Map<string, string>();
      try {
        let cont: string | undefined;
        for (let page = 0; page < MAX_PAGES; page++) {
          const json = await this.options.fetchSiteMatrix(siteMatrixQuery(cont));
          let answer: ReturnType<typeof parseSiteMatrix>;
          try {
            answer = parseSiteMatrix(json);
          } catch (err) {
            throw new TransientError(`mediawiki: the site matrix answer is unreadable: ${(err as Error).message}`, { cause: err });
          }
          for (const [db, domain] of answer.domains) domains.set(db, domain);
          cont = answer.cont;
          if (cont === undefined) break;
        }
      } catch (err) {
        if (this.matrix) return this.matrix.domains;
        throw err instanceof RouterError ? err : new TransientError(`mediawiki: the site matrix could not be read: ${(err as Error).message}`, { cause: err });
      }
      this.matrix = { domains, at: this.now() };
      return domains;
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }
}
