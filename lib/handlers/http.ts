// `http`: a templated HTTP request, like change-propagation's `exec`, only to hosts allowed in the config.
// Which statuses succeed, are ignored, retried or fatal is part of the rule, so SREs decide per endpoint.
import { Type } from '@sinclair/typebox';
import { Agent, request } from 'undici';
import { compileTemplateTree } from '../rules/template.ts';
import { PermanentError, TransientError } from '../errors.ts';
import { isHostAllowed } from '../net/host-allowlist.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const StatusSpec = Type.Union([Type.Integer({ minimum: 100, maximum: 599 }), Type.String({ pattern: '^[1-5]xx$' })]);

const Options = Type.Object(
  {
    method: Type.Union(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => Type.Literal(m)), { default: 'GET', description: 'HTTP method' }),
    uri: Type.String({ minLength: 1, 'x-kind': 'template', description: '`http` or `https` URI; its host must be in `http.allowed_hosts`' }),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        'x-kind': 'mapping of templates',
        description: "Request headers; the User-Agent is the config's `mediawiki.user_agent` unless set",
      }),
    ),
    body: Type.Optional(Type.Unknown({ 'x-kind': 'template tree', description: 'A string is sent as it is; anything else as JSON' })),
    timeout_ms: Type.Optional(Type.Integer({ minimum: 1, 'x-default': '`http.timeout_ms`', description: 'Request timeout' })),
    retry_on: Type.Array(StatusSpec, { default: ['5xx', 429, 408], 'x-kind': 'list of statuses', description: 'Statuses that are retried (`Retry-After` honoured)' }),
    ignore: Type.Array(StatusSpec, { default: [], 'x-kind': 'list of statuses', description: 'Statuses treated as success (e.g. `404`, `412`)' }),
  },
  { additionalProperties: false },
);

type Status = number | string;

export function statusMatches(status: number, specs: readonly Status[]): boolean {
  return specs.some((s) => (typeof s === 'number' ? s === status : Math.floor(status / 100) === Number(s[0])));
}

function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export const httpHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'http',
  description: "A templated HTTP request (change-propagation's `exec`), only to hosts in the config's `http.allowed_hosts`.",
  details: `Statuses are integers or classes such as \`'5xx'\`. A 2xx succeeds; a status in \`ignore\` succeeds; one in
\`retry_on\` is retried; anything else is a permanent failure (dead letter). Network errors and timeouts are retried.
The result (\`results.http\`) is \`{status, body}\` (JSON bodies parsed).`,
  examples: [
    {
      summary: 'Purge the page of every matching revision in a cache, a missing page being no failure',
      options: { method: 'POST', uri: 'https://purge.example.org/wiki/{{message.page_title | uri}}', ignore: [404] },
    },
    {
      summary: 'Send a JSON body built from the event',
      options: { method: 'PUT', uri: 'https://api.example.org/pages/{{message.page_id}}', body: { wiki: '{{message.database}}', rev: '{{message.rev_id}}' } },
    },
  ],
  options: Options,
  create(options, env) {
    const uri = compileTemplateTree(options.uri);
    const headers = compileTemplateTree(options.headers ?? {});
    const body = options.body === undefined ? undefined : compileTemplateTree(options.body);
    const timeout = options.timeout_ms ?? env.config.http.timeout_ms;
    const agent = new Agent({ keepAliveTimeout: 30_000, connections: 64, headersTimeout: timeout, bodyTimeout: timeout });
    return {
      async run(ctx) {
        const target = String(uri.evaluate(ctx) ?? '');
        let url: URL;
        try {
          url = new URL(target);
        } catch {
          throw new PermanentError(`http: invalid URI ${JSON.stringify(target)}`);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new PermanentError(`http: unsupported scheme ${url.protocol}`);
        if (!isHostAllowed(url.hostname, env.config.http.allowed_hosts)) {
          throw new PermanentError(`http: host ${url.hostname} is not in http.allowed_hosts`);
        }
        const requestHeaders: Record<string, string> = { 'user-agent': env.config.mediawiki.user_agent };
        for (const [k, v] of Object.entries(headers.evaluate(ctx) as Record<string, unknown>)) requestHeaders[k.toLowerCase()] = String(v);
        let payload: string | undefined;
        if (body) {
          const value = body.evaluate(ctx);
          payload = typeof value === 'string' ? value : JSON.stringify(value);
          if (typeof value !== 'string') requestHeaders['content-type'] ??= 'application/json';
        }
        let response;
        try {
          response = await request(url, {
            method: options.method as 'GET',
            headers: requestHeaders,
            body: payload,
            dispatcher: agent,
            signal: AbortSignal.timeout(timeout),
          });
        } catch (err) {
          throw new TransientError(`http: ${options.method} ${url.host}${url.pathname} failed: ${(err as Error).message}`, { cause: err });
        }
        const status = response.statusCode;
        const text = await response.body.text().catch(() => '');
        if (status >= 200 && status < 300) {
          let parsed: unknown = text;
          try {
            parsed = text && String(response.headers['content-type'] ?? '').includes('json') ? JSON.parse(text) : text;
          } catch {
            /* not JSON after all: keep the text */
          }
          return { result: { status, body: parsed } };
        }
        if (statusMatches(status, options.ignore)) return { result: { status, ignored: true } };
        const message = `http: ${options.method} ${url.host}${url.pathname} answered ${status}`;
        if (statusMatches(status, options.retry_on)) {
          throw new TransientError(message, { retryAfterMs: retryAfterMs(response.headers['retry-after']) });
        }
        throw new PermanentError(message);
      },
      async close() {
        await agent.close();
      },
    };
  },
};
