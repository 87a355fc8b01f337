// The dry run of one event through a rule set: which stream it is considered on, canary drops, explanations of
// non-matches, the ordering key as the engine renders it, rendered step options with `results`/`source` templates
// left unresolved, and which steps would run. Rules are validated with the real handler registry (its defaults).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRegistry } from '../../../lib/handlers/registry.ts';
import { validateRuleSources } from '../../../lib/rules/validate.ts';
import { DryRun, STEP_STOPS, type RuleDryRun } from '../../../lib/rules/dry-run.ts';
import { compileRule } from '../../../lib/rules/compile.ts';
import { formatFailure } from '../../../lib/rules/explain-match.ts';

const registry = createRegistry();

function rulesOf(yaml: string) {
  const { rules, problems } = validateRuleSources([{ file: 'test.yaml', text: yaml }], registry);
  assert.deepEqual(problems, []);
  return rules;
}

/** Handlers as the dry run sees them, with a create() that fails the test if anything calls it. */
const guardedRegistry = new Map(
  [...registry].map(([name, h]) => [name, { ...h, create: () => assert.fail(`create() of ${name} was called by a dry run`) }]),
);

const RULES = rulesOf(`
rules:
  - name: revisions
    topics: [mediawiki.revision-create]
    match:
      - { page_namespace: 0, rev_slots: { main: { rev_slot_content_model: wikitext } } }
      - { page_namespace: 0, rev_content_model: wikitext }
    match_not: [{ rev_content_changed: false }]
    key: '{{message.database}}:{{message.page_id}}'
    steps:
      - fetch_revisions: { images: true }
      - image_diff: { stop_when_unchanged: true }
      - record_page_images: {}
      - produce:
          topic: 'imagematching.{{message.database}}'
          key: '{{results.image_diff.wiki}}:{{results.image_diff.pageId}}'
          value:
            wiki: '{{message.database}}'
            page_id: '{{message.page_id}}'
            added: '{{results.image_diff.added}}'
            where: ['{{source.topic}}', '{{message.meta.domain | upper}}']
  - name: watch
    topics: [mediawiki.revision-create, mediawiki.page_change]
    canary: true
    key: '{{message.nope}}'
    steps:
      - log: { message: 'rev {{message.rev_id}} by rule {{rule}}', fields: { missing: '{{message.nope}}', title: '{{message.page_title}}' } }
      - drop:
      - log: { message: 'never logged' }
  - name: feedback
    enabled: false
    topics: [mediawiki.image_suggestions_feedback]
    match: { meta: { domain: '/^(?<lang>[a-z]+)\\.wikipedia\\.org$/' } }
    key: '{{match.meta.domain.lang}}-{{message.page_id}}'
    steps:
      - record_feedback: {}
`);

const revision = {
  $schema: '/mediawiki/revision/create/2.0.0',
  meta: { stream: 'mediawiki.revision-create', domain: 'en.wikipedia.org', dt: '2026-11-01T10:00:00Z' },
  database: 'enwiki',
  page_id: 123,
  page_title: 'Lighthouse',
  page_namespace: 0,
  rev_id: 900,
  rev_content_changed: true,
  rev_content_model: 'wikitext',
  rev_slots: { main: { rev_slot_content_model: 'wikitext' } },
};

const dry = new DryRun(RULES, guardedRegistry);
const byRule = (rules: RuleDryRun[], name: string): RuleDryRun => rules.find((r) => r.rule === name)!;
const matched = (r: RuleDryRun) => {
  assert.equal(r.outcome, 'matched', JSON.stringify(r));
  return r as Extract<RuleDryRun, { outcome: 'matched' }>;
};

describe('the dry run chooses the stream', () => {
  const cases: [string, Record<string, unknown>, string | undefined, string | null, string | null, RegExp | undefined][] = [
    ['from meta.stream when a rule reads it', revision, undefined, 'mediawiki.revision-create', 'meta.stream', undefined],
    ['from --stream over meta.stream', revision, 'mediawiki.page_change', 'mediawiki.page_change', 'option', undefined],
    ['none when meta.stream is no rule\'s stream', { ...revision, meta: { stream: '/mediawiki/page/image-suggestions-feedback' } }, undefined, null, null, /meta\.stream "\/mediawiki\/page\/image-suggestions-feedback" is not a stream of any rule; name one with --stream/],
    ['none when the event has no meta.stream', { page_id: 1 }, undefined, null, null, /it has no meta\.stream/],
    ['the one asked for even when no rule reads it, saying so', revision, 'nothing.here', 'nothing.here', 'option', /no rule reads stream "nothing.here"/],
  ];
  for (const [name, event, stream, expected, from, note] of cases) {
    test(name, () => {
      const report = dry.event(event, stream);
      assert.equal(report.stream, expected);
      assert.equal(report.streamFrom, from);
      if (note) assert.match(report.note ?? '', note);
      else assert.equal(report.note, undefined);
      if (expected === null || expected === 'nothing.here') assert.ok(report.rules.every((r) => r.outcome === 'other_stream'));
    });
  }
});

describe('the dry run follows the engine per rule', () => {
  test('rules of other streams are not on this stream; a disabled rule is still shown, as disabled', () => {
    const { rules } = dry.event(revision);
    assert.equal(byRule(rules, 'feedback').outcome, 'other_stream');
    assert.equal(byRule(rules, 'feedback').enabled, false);
    assert.deepEqual(byRule(rules, 'feedback').topics, ['mediawiki.image_suggestions_feedback']);
  });

  test('a canary is dropped by every rule but the one that sets canary: true', () => {
    const report = dry.event({ ...revision, meta: { ...revision.meta, domain: 'canary' } });
    assert.equal(report.canary, true);
    assert.equal(byRule(report.rules, 'revisions').outcome, 'canary');
    assert.equal(byRule(report.rules, 'watch').outcome, 'matched');
  });

  test('a non-match says, per alternative, why', () => {
    const r = byRule(dry.event({ ...revision, page_namespace: 1 }).rules, 'revisions');
    assert.equal(r.outcome, 'unmatched');
    assert.deepEqual(r.outcome === 'unmatched' ? r.failures.map(formatFailure) : [], ['match[0].page_namespace: expected 0, got 1', 'match[1].page_namespace: expected 0, got 1']);
  });

  test('a null edit is excluded by match_not', () => {
    const r = byRule(dry.event({ ...revision, rev_content_changed: false }).rules, 'revisions');
    assert.deepEqual(r.outcome === 'unmatched' ? r.failures.map(formatFailure) : r, ['match_not[0] matched: rev_content_changed is false']);
  });

  test('the ordering key is the one the engine renders, null when it renders empty', () => {
    const report = dry.event(revision);
    const [revisions, watch] = [matched(byRule(report.rules, 'revisions')), matched(byRule(report.rules, 'watch'))];
    const engine = compileRule(RULES[0]!).orderingKey({ message: revision, match: {}, results: {}, rule: 'revisions' });
    assert.equal(revisions.key, engine);
    assert.equal(revisions.key, 'enwiki:123');
    assert.equal(watch.key, null);
  });

  test('captures feed the key and are reported', () => {
    const r = matched(byRule(dry.event({ meta: { domain: 'de.wikipedia.org' }, page_id: 5 }, 'mediawiki.image_suggestions_feedback').rules, 'feedback'));
    assert.equal(r.key, 'de-5');
    assert.deepEqual(r.captures, { meta: { domain: { 0: 'de.wikipedia.org', 1: 'de', lang: 'de' } } });
  });

  test('step options are rendered from the event; templates reading results or source are kept as written and listed', () => {
    const r = matched(byRule(dry.event(revision).rules, 'revisions'));
    const produce = r.steps.find((s) => s.name === 'produce')!;
    // The options the rule sets (the handler's defaults come on top).
    const { topic, key, value } = produce.options as Record<string, unknown>;
    assert.deepEqual({ topic, key, value }, {
      topic: 'imagematching.enwiki',
      key: '{{results.image_diff.wiki}}:{{results.image_diff.pageId}}',
      value: { wiki: 'enwiki', page_id: 123, added: '{{results.image_diff.added}}', where: ['{{source.topic}}', 'EN.WIKIPEDIA.ORG'] },
    });
    assert.deepEqual(produce.unresolved, ['key', 'value.added', 'value.where[0]']);
    assert.deepEqual(r.steps[0]!.options, { use_stored_parent: true, images: true, namespaces: 'bundled' });
  });

  test('a template reading a missing field leaves its option out, as in the engine; the rule root renders the rule name', () => {
    const watch = matched(byRule(dry.event(revision).rules, 'watch'));
    assert.deepEqual(watch.steps[0]!.options, { level: 'info', message: 'rev 900 by rule watch', fields: { title: 'Lighthouse' } });
    assert.deepEqual(watch.steps[0]!.unresolved, []);
  });

  test('a drop ends the steps that would run; later steps are shown as not reached', () => {
    const watch = matched(byRule(dry.event(revision).rules, 'watch'));
    assert.deepEqual(watch.steps.map((s) => [s.name, s.stops, s.reached]), [
      ['log', 'never', true],
      ['drop', 'always', true],
      ['log#2', 'never', false],
    ]);
    assert.deepEqual(watch.wouldRun, ['log', 'drop']);
  });

  test('steps that can end the chain depending on results are marked, with when', () => {
    const r = matched(byRule(dry.event(revision).rules, 'revisions'));
    assert.deepEqual(r.steps.map((s) => [s.name, s.stops]), [
      ['fetch_revisions', 'never'],
      ['image_diff', 'may'],
      ['record_page_images', 'may'],
      ['produce', 'never'],
    ]);
    assert.match(r.steps[1]!.when ?? '', /stop_when_unchanged/);
    assert.match(r.steps[2]!.when ?? '', /unavailable/);
    assert.deepEqual(r.wouldRun, ['fetch_revisions', 'image_diff', 'record_page_images', 'produce']);
  });

  test('the event is not modified', () => {
    const copy = structuredClone(revision);
    dry.event(revision);
    assert.deepEqual(revision, copy);
  });
});

describe('the stop table', () => {
  test('names every handler of the registry', () => {
    assert.deepEqual(Object.keys(STEP_STOPS).sort(), [...registry.keys()].sort());
  });

  test('says `may` for a handler it does not know', () => {
    const rules = rulesOf('rules:\n  - name: custom\n    topics: [s]\n    steps:\n      - log: {}\n');
    rules[0]!.steps[0]!.handler = 'custom_handler';
    const r = matched(new DryRun(rules, new Map()).event({ meta: { stream: 's' } }).rules[0]!);
    assert.equal(r.steps[0]!.stops, 'may');
    assert.match(r.steps[0]!.when ?? '', /unknown to the dry run/);
  });
});

describe('steps with when', () => {
  const rules = rulesOf(`
rules:
  - name: conditional
    topics: [mediawiki.revision-create]
    steps:
      - log: { message: only for enwiki }
        when: { message: { database: enwiki } }
      - log: { message: only for dewiki }
        when: { message: { database: dewiki } }
      - drop: {}
        when: { message: { database: dewiki } }
      - log: { message: only when it became illustrated }
        when: { results: { record_page_images: { becameIllustrated: true } } }
`);
  const run = new DryRun(rules, guardedRegistry).event({ meta: { stream: 'mediawiki.revision-create' }, database: 'enwiki' });

  test('a when over the event is decided; one over results is unknown; a skipped drop ends nothing', () => {
    const r = run.rules[0]!;
    assert.equal(r.outcome, 'matched');
    const m = r as Extract<RuleDryRun, { outcome: 'matched' }>;
    assert.deepEqual(m.steps.map((s) => [s.name, s.condition?.holds, s.reached]), [
      ['log', 'yes', true],
      ['log#2', 'no', true],
      ['drop', 'no', true],
      ['log#3', 'unknown', true],
    ]);
    assert.deepEqual(m.wouldRun, ['log', 'log#3']);
  });
});
