// Wiki id → domain: the event's meta.domain when present, shipped names, the operator's, then the site matrix.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WikiDomains, parseSiteMatrix, shippedWikiDomain } from '../../../lib/mediawiki/wiki-domains.ts';
import { PermanentError, TransientError } from '../../../lib/errors.ts';

// The shape of a real formatversion=2 answer (language entries keyed by number, then `specials`).
const MATRIX = {
  sitematrix: {
    count: 4,
    0: { code: 'aa', name: 'Qafár af', site: [{ url: 'https://aa.wikipedia.org', dbname: 'aawiki', code: 'wiki' }] },
    1: {
      code: 'gsw',
      name: 'Alemannisch',
      site: [
        { url: 'https://als.wikipedia.org', dbname: 'alswiki', code: 'wiki' },
        { url: 'https://als.wiktionary.org', dbname: 'alswiktionary', code: 'wiktionary' },
      ],
    },
    specials: [{ url: 'https://wikimania.wikimedia.org', dbname: 'wikimaniawiki', code: 'wikimania' }],
  },
};

describe('shippedWikiDomain', () => {
  const cases: Array<[string, string | null]> = [
    ['enwiki', 'en.wikipedia.org'],
    ['zh_min_nanwiki', 'zh-min-nan.wikipedia.org'],
    ['simplewiki', 'simple.wikipedia.org'],
    ['commonswiki', 'commons.wikimedia.org'],
    ['wikidatawiki', 'www.wikidata.org'],
    ['be_x_oldwiki', 'be-tarask.wikipedia.org'],
    ['alswiki', null],
    ['enwiktionary', null],
    ['my_wiki', null],
  ];
  for (const [wiki, domain] of cases) test(`${wiki} → ${domain}`, () => assert.equal(shippedWikiDomain(wiki), domain));
});

describe('parseSiteMatrix', () => {
  test('maps every language and special wiki by its database name', () => {
    const { domains, cont } = parseSiteMatrix(MATRIX);
    assert.deepEqual(Object.fromEntries(domains), {
      aawiki: 'aa.wikipedia.org',
      alswiki: 'als.wikipedia.org',
      alswiktionary: 'als.wiktionary.org',
      wikimaniawiki: 'wikimania.wikimedia.org',
    });
    assert.equal(cont, undefined);
  });
  test('reads the continuation', () => {
    assert.equal(parseSiteMatrix({ ...MATRIX, continue: { smcontinue: 'wiki.zu' } }).cont, 'wiki.zu');
  });
});

describe('WikiDomains', () => {
  const setup = (fetch: (p: Record<string, string>) => Promise<Record<string, unknown>>, now = () => 0) => {
    const calls: Array<Record<string, string>> = [];
    const domains = new WikiDomains({ overrides: { my_wiki: 'localhost' }, fetchSiteMatrix: (p) => (calls.push(p), fetch(p)), ttlMs: 1000, now });
    return { domains, calls };
  };

  test('uses the event’s meta.domain, then shipped and configured names, without a request', async () => {
    const { domains, calls } = setup(async () => MATRIX);
    assert.equal(await domains.domainOf('enwiki', 'en.m.wikipedia.org'), 'en.m.wikipedia.org');
    assert.equal(await domains.domainOf('enwiki'), 'en.wikipedia.org');
    assert.equal(await domains.domainOf('enwiki', null), 'en.wikipedia.org');
    assert.equal(await domains.domainOf('my_wiki'), 'localhost');
    assert.equal(calls.length, 0);
  });

  test('asks the site matrix once for wikis it does not ship, concurrent callers sharing the request, pages followed', async () => {
    const { domains, calls } = setup(async (p) => (p.smcontinue ? { sitematrix: { specials: [{ dbname: 'zuwiki', url: 'https://zu.wikipedia.org' }] } } : { ...MATRIX, continue: { smcontinue: 'x' } }));
    const [a, b] = await Promise.all([domains.domainOf('alswiki'), domains.domainOf('aawiki')]);
    assert.deepEqual([a, b, await domains.domainOf('zuwiki')], ['als.wikipedia.org', 'aa.wikipedia.org', 'zu.wikipedia.org']);
    assert.equal(calls.length, 2, 'two pages, once');
  });

  test('a wiki the site matrix does not list is a permanent error naming the setting', async () => {
    const { domains } = setup(async () => MATRIX);
    await assert.rejects(async () => domains.domainOf('nosuchwiki'), (err: unknown) => err instanceof PermanentError && /mediawiki\.wiki_domains/.test(err.message));
  });

  test('a site matrix that cannot be read is retriable, and an expired copy stands in once there is one', async () => {
    let clock = 0;
    let fail = true;
    const { domains, calls } = setup(async () => {
      if (fail) throw new TransientError('API answered HTTP 503');
      return MATRIX;
    }, () => clock);
    await assert.rejects(async () => domains.domainOf('alswiki'), TransientError);
    fail = false;
    assert.equal(await domains.domainOf('alswiki'), 'als.wikipedia.org');
    clock = 5000; // expired
    fail = true;
    assert.equal(await domains.domainOf('alswiki'), 'als.wikipedia.org', 'the expired matrix stands in');
    assert.equal(calls.length, 3);
  });

  test('an unreadable answer is retriable', async () => {
    const { domains } = setup(async () => ({ nothing: true }));
    await assert.rejects(async () => domains.domainOf('alswiki'), TransientError);
  });
});
