// The cases of test/unit/rules/matcher.test.ts, shared with explain-match.test.ts so the explanation is checked to
// agree with the matcher on every one of them.

export const event = {
  database: 'enwiki',
  page_id: 42,
  page_namespace: 0,
  page_title: 'Foo_bar',
  rev_content_changed: true,
  rev_parent_id: null,
  meta: { domain: 'en.wikipedia.org', stream: 'mediawiki.revision-create' },
  performer: { user_text: 'Bob', user_groups: ['*', 'user', 'bot'], user_edit_count: 1500 },
};

/** [name, match, match_not] of patterns that match `event`. */
export const MATCHING: [string, unknown, unknown?][] = [
  ['every event when there is no match', undefined],
  ['an equal string', { database: 'enwiki' }],
  ['an equal number', { page_namespace: 0 }],
  ['an equal boolean', { rev_content_changed: true }],
  ['an explicit null with a null pattern', { rev_parent_id: null }],
  ['when every key matches', { database: 'enwiki', page_id: 42 }],
  ['a regex on a string', { page_title: '/^foo/i' }],
  ['a regex on a number', { page_id: '/^4\\d$/' }],
  ['nested objects', { meta: { domain: 'en.wikipedia.org' } }],
  ['an any-of list', { database: ['dewiki', 'enwiki'] }],
  ['an any-of list of regexes', { page_title: ['/^Zzz/', '/_bar$/'] }],
  ['a scalar against an array value', { performer: { user_groups: 'bot' } }],
  ['a regex against an array value', { performer: { user_groups: '/^us/' } }],
  ['an any-of list against an array value', { performer: { user_groups: ['sysop', 'bot'] } }],
  ['an escaped slash in a regex', { meta: { domain: '/\\/?en\\./' } }],
  ['an empty object pattern against an object', { meta: {} }],
  ['when match_not does not match', { database: 'enwiki' }, { page_namespace: 1 }],
  ['when no match_not alternative matches', undefined, [{ page_namespace: 1 }, { meta: { domain: 'x' } }]],
  ['when match_not names a missing field', undefined, { nope: null }],
  ['a list of mappings when its second mapping matches', [{ database: 'dewiki' }, { page_namespace: 0, page_id: 42 }]],
  ['a list of mappings when a field only the first names is missing', [{ rev_content_model: 'wikitext' }, { page_title: 'Foo_bar' }]],
];

/** [name, match, match_not] of patterns that do not match `event` (or, for 'a non-object event', NON_OBJECT_EVENT). */
export const NOT_MATCHING: [string, unknown, unknown?][] = [
  ['a different string', { database: 'dewiki' }],
  ['a number against its string form', { page_namespace: '0' }],
  ['a string against its number form', { database: 0 }],
  ['a missing field, even with a null pattern', { rev_id: null }],
  ['a missing field with a regex', { comment: '/.*/' }],
  ['a regex against an object', { meta: '/.*/' }],
  ['a regex against a boolean', { rev_content_changed: '/true/' }],
  ['a nested pattern against a scalar', { database: { x: 1 } }],
  ['a nested pattern against null', { rev_parent_id: {} }],
  ['when one key of several fails', { database: 'enwiki', page_id: 43 }],
  ['an any-of list without a match', { database: ['dewiki', 'frwiki'] }],
  ['an empty any-of list', { database: [] }],
  ['a scalar absent from an array value', { performer: { user_groups: 'sysop' } }],
  ['a non-object event', { database: 'enwiki' }],
  ['when match_not given as an object matches', undefined, { meta: { domain: '/wikipedia/' } }],
  ['when any match_not alternative matches', { database: 'enwiki' }, [{ page_namespace: 1 }, { page_title: 'Foo_bar' }]],
  ['a list of mappings none of which matches', [{ database: 'dewiki' }, { page_namespace: 0, page_id: 43 }]],
  ['a list of mappings that matches while match_not does too', [{ database: 'enwiki' }], { page_namespace: 0 }],
];

export const NON_OBJECT_EVENT = 'enwiki';
export const targetOf = (name: string): unknown => (name === 'a non-object event' ? NON_OBJECT_EVENT : event);

/** [name, match, captures] of patterns that match `event` with these captures. */
export const CAPTURING: [string, unknown, Record<string, unknown>][] = [
  ['nothing for patterns without regexes', { database: 'enwiki', meta: { domain: 'en.wikipedia.org' } }, {}],
  [
    'named and positional groups at the pattern path',
    { meta: { domain: '/^(?<lang>[a-z-]+)\\.(wikipedia)\\.org$/' } },
    { meta: { domain: { 0: 'en.wikipedia.org', 1: 'en', 2: 'wikipedia', lang: 'en' } } },
  ],
  ['positional groups of a top-level field', { page_title: '/^(\\w+?)_(\\w+)$/' }, { page_title: { 0: 'Foo_bar', 1: 'Foo', 2: 'bar' } }],
  ['the first matching alternative of an any-of list', { page_title: ['/^(Zzz)/', '/^(F)(o)/', '/^(Fo)/'] }, { page_title: { 0: 'Fo', 1: 'F', 2: 'o' } }],
  ['the first matching element of an array value', { performer: { user_groups: '/^(u|b)/' } }, { performer: { user_groups: { 0: 'u', 1: 'u' } } }],
  ['undefined for groups that did not participate', { database: '/^en(x)?wiki$/' }, { database: { 0: 'enwiki', 1: undefined } }],
  ['those of the first matching mapping of a list', [{ database: '/^(de)wiki$/' }, { database: '/^(en)(wiki)$/' }, { database: '/^(enwiki)$/' }], { database: { 0: 'enwiki', 1: 'en', 2: 'wiki' } }],
];
