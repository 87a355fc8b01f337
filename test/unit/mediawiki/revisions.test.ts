// Reading prop=revisions answers: results are mapped by revid, and every way a text can be missing is told apart.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseRevisions, revisionsQuery } from '../../../lib/mediawiki/revisions.ts';

const rev = (revid: number, parentid: number, content: string) => ({
  revid,
  parentid,
  timestamp: '2024-01-01T00:00:00Z',
  slots: { main: { contentmodel: 'wikitext', contentformat: 'text/x-wiki', content } },
});

describe('parseRevisions', () => {
  test('maps revisions by revid, not by their position in the answer', () => {
    const json = {
      batchcomplete: true,
      query: {
        pages: [
          { pageid: 2, ns: 0, title: 'B page', revisions: [rev(20, 19, 'b')] },
          { pageid: 1, ns: 0, title: 'A page', revisions: [rev(11, 10, 'a2'), rev(10, 0, 'a1')] },
        ],
      },
    };
    const out = parseRevisions(json, [10, 20, 11]);
    assert.deepEqual(out.map((r) => (r.kind === 'found' ? [r.revId, r.text, r.pageId, r.parentId] : r.kind)), [
      [10, 'a1', 1, null],
      [20, 'b', 2, 19],
      [11, 'a2', 1, 10],
    ]);
    assert.equal(out[1]!.kind === 'found' && out[1]!.title, 'B_page');
  });

  test('unknown revision ids in badrevids are missing', () => {
    const json = { query: { badrevids: { '99': { revid: 99, missing: true } }, pages: [{ pageid: 1, ns: 0, title: 'A', revisions: [rev(10, 0, 'x')] }] } };
    assert.deepEqual(parseRevisions(json, [99, 10]).map((r) => r.kind), ['missing', 'found']);
  });

  test('texthidden on the revision or its main slot means hidden', () => {
    const json = {
      query: {
        pages: [
          {
            pageid: 1,
            ns: 0,
            title: 'A',
            revisions: [
              { revid: 10, parentid: 9, texthidden: true, slots: { main: {} } },
              { revid: 11, parentid: 10, slots: { main: { texthidden: true } } },
              { revid: 12, parentid: 11, slots: { main: { contentmodel: 'wikitext' } } },
            ],
          },
        ],
      },
    };
    assert.deepEqual(parseRevisions(json, [10, 11, 12]).map((r) => r.kind), ['hidden', 'hidden', 'hidden']);
  });

  test('revisions left out of a continued answer are incomplete, so they are asked for again', () => {
    const json = { continue: { rvcontinue: '12', continue: '||' }, query: { pages: [{ pageid: 1, ns: 0, title: 'A', revisions: [rev(10, 0, 'x'), { revid: 12, parentid: 10, slots: { main: {} } }] }] } };
    assert.deepEqual(parseRevisions(json, [10, 12, 13]).map((r) => r.kind), ['found', 'incomplete', 'incomplete']);
  });

  test('an id absent from a complete answer is missing', () => {
    assert.deepEqual(parseRevisions({ batchcomplete: true, query: { pages: [] } }, [5]).map((r) => r.kind), ['missing']);
  });

  test('the request asks for ids, timestamp and content of the main slot in formatversion 2', () => {
    assert.deepEqual(revisionsQuery([1, 2]), {
      action: 'query',
      prop: 'revisions',
      revids: '1|2',
      rvprop: 'ids|timestamp|content',
      rvslots: 'main',
      format: 'json',
      formatversion: '2',
    });
  });
});
