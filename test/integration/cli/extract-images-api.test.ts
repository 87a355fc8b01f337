// `extract-images --api URL` against the local Action API over real HTTP: the wiki's own namespace names are asked
// for with a descriptive User-Agent, and a failed answer is a clear error (exit 1), never a silent fallback.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractImagesCommand, type ExtractImagesOptions } from '../../../lib/cli/extract-images-command.ts';
import { FakeMediaWiki } from '../../helpers/mediawiki-server.ts';
import { REPO } from '../../helpers/router-harness.ts';

const page = join(mkdtempSync(join(tmpdir(), 'imr-extract-api-')), 'page.wiki');
writeFileSync(page, '[[Fael:A.jpg|thumb]] [[Bilde:B.png]] [[File:C.svg]]');

async function run(opts: Omit<ExtractImagesOptions, 'file'>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await extractImagesCommand({ ...opts, file: page }, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out, err };
}

describe('extract-images --api', () => {
  const api = new FakeMediaWiki();
  let address: string;

  before(async () => {
    await api.start();
    address = api.url.replace('{domain}', 'xx.wikipedia.org');
    api.siteinfo.general = { wikiid: 'xxwiki', lang: 'xx' };
    api.siteinfo.namespaces = { '6': { id: 6, name: 'Fael', canonical: 'File' }, '-2': { id: -2, name: 'Medya', canonical: 'Media' } };
    api.siteinfo.namespacealiases = [{ id: 6, alias: 'Bilde' }];
  });
  beforeEach(() => {
    api.requests.length = 0;
    api.failures.length = 0;
  });
  after(async () => {
    await api.stop();
  });

  test("extracts with the wiki's names after one siteinfo request", async () => {
    const { code, out, err } = await run({ wiki: 'xxwiki', api: address });
    assert.equal(code, 0, err.join('\n'));
    assert.deepEqual(err, []);
    assert.deepEqual(JSON.parse(out[0]!), { images: ['A.jpg', 'B.png', 'C.svg'] });
    assert.equal(api.requests.length, 1);
    const params = api.requests[0]!.params;
    assert.equal(params.get('meta'), 'siteinfo');
    assert.equal(params.get('siprop'), 'general|namespaces|namespacealiases');
    assert.equal(params.get('formatversion'), '2');
  });

  test('sends the default descriptive User-Agent, or the one given', async () => {
    await run({ wiki: 'xxwiki', api: address });
    await run({ wiki: 'xxwiki', api: address, userAgent: 'checker/1.0 (ops@example.org)' });
    assert.match(String(api.requests[0]!.headers['user-agent']), /^imagematching-router\/[\d.]+ \(.+@.+\)$/);
    assert.equal(api.requests[1]!.headers['user-agent'], 'checker/1.0 (ops@example.org)');
  });

  const failures: Array<[string, { status?: number; body?: unknown }, RegExp]> = [
    ['a server error', { status: 503, body: 'busy' }, /API answered HTTP 503/],
    ['maxlag', { body: { error: { code: 'maxlag', info: 'Waiting for a database server: 7 seconds lagged.', lag: 7 } } }, /API error maxlag/],
    ['an API error', { body: { error: { code: 'readapidenied', info: 'You need read permission.' } } }, /API error readapidenied/],
    ['an answer without namespaces', { body: { batchcomplete: true, query: {} } }, /Malformed siteinfo response: query\.namespaces is missing/],
  ];
  for (const [what, failure, message] of failures) {
    test(`${what} gives exit code 1 with the reason and prints no images`, async () => {
      api.failures.push(failure);
      const { code, out, err } = await run({ wiki: 'xxwiki', api: address });
      assert.equal(code, 1);
      assert.deepEqual(out, []);
      assert.match(err.join('\n'), new RegExp(`cannot read the namespace names from ${address.replace(/[.?]/g, '\\$&')}: `));
      assert.match(err.join('\n'), message);
    });
  }

  test('an address nobody answers at gives exit code 1 with the reason', async () => {
    const { code, err } = await run({ wiki: 'xxwiki', api: 'http://127.0.0.1:9/w/api.php' });
    assert.equal(code, 1);
    assert.match(err.join('\n'), /cannot read the namespace names from http:\/\/127\.0\.0\.1:9\/w\/api\.php: .*request failed/);
  });

  test('the installed command takes --api and --siteinfo as options', async () => {
    // Asynchronous: the API answering it runs in this process.
    const cli = (args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'extract-images', ...args], { cwd: REPO }, (error, stdout, stderr) => {
          resolve({ status: error ? Number(error.code) : 0, stdout, stderr });
        });
      });
    const viaApi = await cli(['--wiki', 'xxwiki', '--api', address, page]);
    assert.equal(viaApi.status, 0, viaApi.stderr);
    assert.deepEqual(JSON.parse(viaApi.stdout), { images: ['A.jpg', 'B.png', 'C.svg'] });
    const both = await cli(['--wiki', 'xxwiki', '--api', address, '--siteinfo', page, page]);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /give --siteinfo or --api, not both/);
  });
});
