// Classifies a raw Action API answer (HTTP status, Retry-After, body) as usable JSON, a transient failure
// worth retrying, or a permanent one. Pure, so every status and error code is covered by table tests.
import { responseText } from './response-text.ts';

export type ApiOutcome =
  | { kind: 'ok'; json: Record<string, unknown> }
  | { kind: 'transient'; message: string; retryAfterMs?: number }
  | { kind: 'permanent'; message: string };

/** An answer's status, Retry-After header and undecoded body: what a request brings back, or crosses to a thread. */
export interface ApiAnswerBytes {
  status: number;
  retryAfter: string | undefined;
  bytes: Uint8Array;
}

export interface RawApiResponse {
  status: number;
  /** The Retry-After header as received (seconds or an HTTP date). */
  retryAfter?: string | undefined;
  body: string;
  /** For Retry-After given as a date. */
  now?: number;
}

// Error codes that say "not now" rather than "never": replica lag, read-only maintenance, server bugs
// that are usually transient, and rate limiting.
const RETRIABLE_CODES = new Set(['maxlag', 'readonly', 'ratelimited', 'internal_api_error', 'http-timed-out', 'dberror']);
const DEFAULT_MAXLAG_WAIT_MS = 5000;

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function isRetriableCode(code: string): boolean {
  return RETRIABLE_CODES.has(code) || code.startsWith('internal_api_error_');
}

export function interpretApiResponse(response: RawApiResponse): ApiOutcome {
  const retryAfterMs = parseRetryAfter(response.retryAfter, response.now);
  const { status } = response;
  if (status === 429 || status === 408 || status >= 500) {
    return { kind: 'transient', message: `API answered HTTP ${status}`, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  }
  if (status < 200 || status >= 300) return { kind: 'permanent', message: `API answered HTTP ${status}` };
  let json: unknown;
  try {
    json = JSON.parse(response.body);
  } catch {
    // A proxy error page with status 200 happens during incidents; the API itself always answers JSON.
    return { kind: 'transient', message: 'API answered HTTP 200 with a body that is not JSON' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { kind: 'permanent', message: 'API answered JSON that is not an object' };
  }
  const error = (json as Record<string, unknown>).error;
  if (error !== undefined && error !== null) {
    const { code, info, lag } = error as { code?: unknown; info?: unknown; lag?: unknown };
    const codeText = typeof code === 'string' ? code : 'unknown';
    const message = `API error ${codeText}: ${typeof info === 'string' ? info : ''}`.trim();
    if (!isRetriableCode(codeText)) return { kind: 'permanent', message };
    let wait = retryAfterMs;
    if (wait === undefined && codeText === 'maxlag') wait = typeof lag === 'number' && lag > 0 ? Math.ceil(lag) * 1000 : DEFAULT_MAXLAG_WAIT_MS;
    return { kind: 'transient', message, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  return { kind: 'ok', json: json as Record<string, unknown> };
}

/** interpretApiResponse of an answer still in bytes (decoded by responseText). */
export function interpretApiAnswer(answer: ApiAnswerBytes): ApiOutcome {
  return interpretApiResponse({ status: answer.status, retryAfter: answer.retryAfter, body: responseText(answer.bytes) });
}
