// HTTP client for one wiki's Action API: keep-alive undici Agent, bounded concurrency, timeout, maxlag,
// a descriptive User-Agent, and failures turned into TransientError / PermanentError for the engine.
import { Agent, request } from 'undici';
import type { MediaWikiConfig } from '../config/schema.ts';
import { PermanentError, TransientError } from '../errors.ts';
import { isHostAllowed } from '../net/host-allowlist.ts';
import { interpretApiAnswer, type ApiAnswerBytes, type ApiOutcome } from './api-response.ts';
import type { IoObserver } from '../observe/io-observer.ts';

/** Waits for one of `limit` slots; FIFO so a busy wiki cannot starve an early request. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}

export type ApiSettings = Pick<MediaWikiConfig, 'api_url' | 'user_agent' | 'allowed_domains' | 'timeout_ms' | 'max_concurrency_per_domain' | 'maxlag'>;

/** Domain names only: letters, digits, dots and dashes (an event could carry anything in meta.domain). */
const DOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i;

/** The API address for `domain`, or a PermanentError when the domain is malformed or not allowed. */
export function apiUrlFor(settings: Pick<ApiSettings, 'api_url' | 'allowed_domains'>, domain: string): URL {
  if (!DOMAIN.test(domain)) throw new PermanentError(`mediawiki: invalid wiki domain ${JSON.stringify(domain)}`);
  if (!isHostAllowed(domain, settings.allowed_domains)) {
    throw new PermanentError(`mediawiki: domain ${domain} is not in mediawiki.allowed_domains`);
  }
  return new URL(settings.api_url.replaceAll('{domain}', domain));
}

/** An answer as received, the bytes still undecoded, and `domain action` for error messages. */
export interface RawApiAnswer extends ApiAnswerBytes {
  where: string;
}

/** The error a failed outcome stands for: transient ones keep the API's requested wait. */
export function apiFailure(where: string, outcome: Exclude<ApiOutcome, { kind: 'ok' }>): PermanentError | TransientError {
  if (outcome.kind === 'permanent') return new PermanentError(`mediawiki: ${where}: ${outcome.message}`);
  return new TransientError(`mediawiki: ${where}: ${outcome.message}`, outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs });
}

export class ActionApi {
  private readonly agent: Agent;
  private readonly slots: Semaphore;
  /** Requests sent (successful or not), for metrics and the cost tests. */
  requests = 0;
  /** Told about every request (status, latency, revisions asked for), e.g. for Prometheus. */
  observer: IoObserver | undefined;

  constructor(
    readonly domain: string,
    private readonly settings: ApiSettings,
  ) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: settings.max_concurrency_per_domain,
      headersTimeout: settings.timeout_ms,
      bodyTimeout: settings.timeout_ms,
    });
    this.slots = new Semaphore(settings.max_concurrency_per_domain);
  }

  /** GET the API with `params` (plus maxlag); resolves to the JSON answer or throws a RouterError. */
  async get(params: Record<string, string>): Promise<Record<string, unknown>> {
    const answer = await this.getRaw(params);
    const outcome = interpretApiAnswer(answer);
    if (outcome.kind === 'ok') return outcome.json;
    throw apiFailure(answer.where, outcome);
  }

  /**
   * GET the API with `params` (plus maxlag) and resolve to the answer as received, for callers that read it
   * elsewhere (an extraction thread); only a failed request (network, timeout) throws, as a TransientError.
   */
  getRaw(params: Record<string, string>): Promise<RawApiAnswer> {
    const url = apiUrlFor(this.settings, this.domain);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    // Non-ASCII as \uXXXX escapes: the answer then decodes as Latin-1, several times faster than UTF-8.
    url.searchParams.set('ascii', '1');
    if (this.settings.maxlag > 0) url.searchParams.set('maxlag', String(this.settings.maxlag));
    return this.slots.use(() => this.send(url));
  }

  private async send(url: URL): Promise<RawApiAnswer> {
    this.requests += 1;
    const where = `${this.domain} ${url.searchParams.get('action') ?? ''}`;
    const started = performance.now();
    const revids = url.searchParams.get('revids');
    const report = (code: number | null) =>
      this.observer?.apiRequest(this.domain, code, (performance.now() - started) / 1000, revids ? revids.split('|').length : undefined);
    try {
      const response = await request(url, {
        method: 'GET',
        dispatcher: this.agent,
        headers: {
          'user-agent': this.settings.user_agent,
          // Browsers may not set User-Agent; the API reads this one too, and it shows up in its logs.
          'api-user-agent': this.settings.user_agent,
          'accept-encoding': 'identity',
        },
        signal: AbortSignal.timeout(this.settings.timeout_ms),
      });
      const header = response.headers['retry-after'];
      const bytes = await response.body.bytes();
      report(response.statusCode);
      return { where, status: response.statusCode, retryAfter: Array.isArray(header) ? header[0] : header, bytes };
    } catch (err) {
      report(null);
      throw new TransientError(`mediawiki: ${where} request failed: ${(err as Error).message}`, { cause: err });
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
