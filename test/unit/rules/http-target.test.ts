import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { disallowedHosts, uriTarget, type UriTarget } from '../../../lib/rules/http-target.ts';

describe('what an http URI says without an event', () => {
  const unsupported = (scheme: string) => `scheme "${scheme}:" is not supported: the http step calls http:// and https:// URIs only`;
  const cases: Array<[string, UriTarget]> = [
    ['https://purge.example.org/wiki/X', { scheme: 'https', host: 'purge.example.org' }],
    ['HTTP://User@API.Example.org:8080', { scheme: 'http', host: 'api.example.org' }],
    ['https://api.example.org/pages/{{message.page_id}}', { scheme: 'https', host: 'api.example.org' }],
    ['https://api.example.org?page={{message.page_id}}', { scheme: 'https', host: 'api.example.org' }],
    // A template inside the host, or right after it, may change it: not known offline.
    ['https://{{match.meta.domain.lang}}.example.org/', { scheme: 'https' }],
    ['https://api.example.org{{message.suffix}}/', { scheme: 'https' }],
    ['{{message.target}}', {}],
    ['ftp://files.example.org/x', { scheme: 'ftp', host: 'files.example.org', problem: unsupported('ftp') }],
    ['ftp://{{message.host}}/x', { scheme: 'ftp', problem: unsupported('ftp') }],
    ['file:///etc/passwd', { scheme: 'file', host: '', problem: unsupported('file') }],
    ['no uri', { problem: '"no uri" is not an absolute URI' }],
  ];
  for (const [uri, expected] of cases) {
    test(uri, () => assert.deepEqual(uriTarget(uri), expected));
  }
});

describe('hosts outside http.allowed_hosts', () => {
  const at = (host: string, line: number) => ({ rule: 'r', host, file: 'r.yaml', line, column: 14, path: `r.steps[${line}].http.uri` });
  test('are named at their URIs, with the hosts that are allowed', () => {
    assert.deepEqual(disallowedHosts([at('a.example.org', 1), at('evil.example.com', 2), at('x.wikimedia.org', 3)], ['a.example.org', '*.wikimedia.org']), [
      { file: 'r.yaml', line: 2, column: 14, path: 'r.steps[2].http.uri', reason: "host evil.example.com is not in the config's http.allowed_hosts (a.example.org, *.wikimedia.org)" },
    ]);
  });
  test('are every host when none is allowed', () => {
    assert.deepEqual(disallowedHosts([at('a.example.org', 1)], []).map((p) => p.reason), ["host a.example.org is not in the config's http.allowed_hosts (none: it is empty)"]);
  });
});
