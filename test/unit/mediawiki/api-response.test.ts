// How Action API answers are classified: usable, retry later (with how long), or give up.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { interpretApiResponse, parseRetryAfter } from '../../../lib/mediawiki/api-response.ts';

const body = (value: unknown) => JSON.stringify(value);

describe('interpretApiResponse', () => {
  const cases: Array<[string, Parameters<typeof interpretApiResponse>[0], string, number | undefined]> = [
    ['a JSON object with HTTP 200 is usable', { status: 200, body: body({ query: {} }) }, 'ok', undefined],
    ['a maxlag error is retried after Retry-After', { status: 200, retryAfter: '7', body: body({ error: { code: 'maxlag', info: 'lagged', lag: 3 } }) }, 'transient', 7000],
    ['a maxlag error without Retry-After waits out the reported lag', { status: 200, body: body({ error: { code: 'maxlag', info: 'lagged', lag: 3.2 } }) }, 'transient', 4000],
    ['a maxlag error without any hint waits five seconds', { status: 200, body: body({ error: { code: 'maxlag' } }) }, 'transient', 5000],
    ['a read-only wiki is retried', { status: 200, body: body({ error: { code: 'readonly', info: 'maintenance' } }) }, 'transient', undefined],
    ['an internal API error is retried', { status: 200, body: body({ error: { code: 'internal_api_error_DBQueryError', info: 'x' } }) }, 'transient', undefined],
    ['a bad parameter is permanent', { status: 200, body: body({ error: { code: 'badvalue', info: 'nope' } }) }, 'permanent', undefined],
    ['HTTP 429 is retried after Retry-After', { status: 429, retryAfter: '2', body: '' }, 'transient', 2000],
    ['HTTP 503 is retried', { status: 503, body: 'Service Unavailable' }, 'transient', undefined],
    ['HTTP 404 is permanent', { status: 404, body: 'Not Found' }, 'permanent', undefined],
    ['an HTML error page with HTTP 200 is retried', { status: 200, body: '<html>proxy error</html>' }, 'transient', undefined],
    ['a JSON array is permanent', { status: 200, body: '[]' }, 'permanent', undefined],
  ];
  for (const [name, input, kind, wait] of cases) {
    test(name, () => {
      const outcome = interpretApiResponse(input);
      assert.equal(outcome.kind, kind);
      assert.equal(outcome.kind === 'transient' ? outcome.retryAfterMs : undefined, wait);
    });
  }

  test('Retry-After may be an HTTP date', () => {
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('garbage', now), undefined);
  });
});
