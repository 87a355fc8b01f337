// Both revision event models yield the same fields; creations have no parent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readRevisionEvent, suggestionTag } from '../../../lib/mediawiki/revision-event.ts';
import { InvalidEventError } from '../../../lib/errors.ts';

const events = fileURLToPath(new URL('../../../../shared/corpus/events/', import.meta.url));
const line = (file: string, n = 0) => JSON.parse(readFileSync(events + file, 'utf8').trim().split('\n')[n]!) as Record<string, unknown>;

test('a real revision-create event gives wiki, page, revision and parent', { skip: !existsSync(events) && 'corpus not found' }, () => {
  const e = readRevisionEvent(line('revision-create.ndjson'));
  assert.deepEqual(
    [e.wiki, e.domain, e.pageId, e.title, e.revId, e.parentRevId, e.revTimestamp, e.eventId],
    ['enwiki', 'en.wikipedia.org', 71585932, 'Luke_Harris', 1106862807, 1106729293, '2022-08-26T21:21:36Z', '7836bfc6-7372-4b6a-bd65-a3ed0a62f5de'],
  );
  assert.equal(e.text, undefined);
});

test('a page_change event gives the same fields from its nested page and revision', { skip: !existsSync(events) && 'corpus not found' }, () => {
  const e = readRevisionEvent(line('page-change.ndjson'));
  assert.deepEqual([e.wiki, e.pageId, e.revId, e.parentRevId, e.comment], ['example', 1, 2, 1, 'changed a thing']);
});

test('a page_content_change event carries the new text', () => {
  const e = readRevisionEvent({
    meta: { domain: 'en.wikipedia.org', dt: '2024-01-01T00:00:00Z' },
    wiki_id: 'enwiki',
    page: { page_id: 5, page_title: 'X', namespace_id: 0 },
    revision: { rev_id: 9, content_slots: { main: { content_body: '[[File:A.jpg]]' } } },
  });
  assert.equal(e.text, '[[File:A.jpg]]');
  assert.equal(e.parentRevId, null);
});

test('a page creation has no parent', () => {
  const e = readRevisionEvent({ meta: { domain: 'en.wikipedia.org' }, database: 'enwiki', page_id: 1, rev_id: 1 });
  assert.equal(e.parentRevId, null);
});

test('an event without a revision id is invalid', () => {
  assert.throws(() => readRevisionEvent({ meta: { domain: 'en.wikipedia.org' }, database: 'enwiki', page_id: 1 }), InvalidEventError);
});

test('the add-image tags are recognised in edit summaries', () => {
  assert.equal(suggestionTag('x #suggestededit-add-image-top'), 'top');
  assert.equal(suggestionTag('#suggestededit-add-image-infobox'), 'infobox');
  assert.equal(suggestionTag('#suggestededit-add-description'), null);
});
