// `redrive` through the real command on a file source: a rule it does not know is a usage error, letters can be
// chosen by error class, unparseable ones are left alone unless asked, the table says what was done, and a config whose
// database section reads an unset variable still works (redrive never opens the database).
import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../helpers/router-harness.ts';
import { buildDeadLetter, type FailureInfo } from '../../../lib/engine/parking.ts';
import { recordFromMessage, topicFile } from '../../../lib/sources/file-log.ts';

const SERVICE = 'imr-redrive-cli';
const RULES = `rules:
  - name: revision_images
    topics: [test.events]
    steps:
      - drop: {}
  - name: feedback
    topics: [test.feedback]
    steps:
      - drop: {}
`;

// [rule, step, error class, failed at]: what the letters in the dead-letter file are.
const LETTERS: Array<[string, string, string, string]> = [
  ['revision_images', 'http', 'PermanentError', '2026-11-25T10:00:00.000Z'],
  ['revision_images', 'http', 'PermanentError', '2026-11-25T12:00:00.000Z'],
  ['revision_images', 'http', 'TransientError', '2026-11-25T11:00:00.000Z'],
  ['revision_images', 'parse', 'InvalidEventError', '2026-11-25T09:00:00.000Z'],
  ['feedback', 'parse', 'InvalidEventError', '2026-11-25T09:30:00.000Z'],
];

function setUp(): { dir: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'imr-redrive-cli-'));
  writeFileSync(join(dir, 'rules.yaml'), RULES);
  writeFileSync(join(dir, 'events.ndjson'), '');
  const config = join(dir, 'config.yaml');
  // The database section reads a variable nobody set: redrive must not care.
  writeFileSync(
    config,
    `service: {name: ${SERVICE}}\ndatabase: {url: "\${IMR_TEST_UNSET_DATABASE_URL}"}\nrules: {paths: [rules.yaml]}\nlog: {level: warn}\nsource: {type: file, state_dir: state, file: {paths: [events.ndjson]}}\n`,
  );
  const topics = join(dir, 'state', 'topics');
  mkdirSync(topics, { recursive: true });
  const lines = LETTERS.map(([rule, step, errorClass, at], i) => {
    const failure: FailureInfo = { rule, step, errorClass, errorMessage: 'test', retriable: false, attempts: 1, firstFailedAt: new Date(at), failedAt: new Date(at) };
    const value = Buffer.from(step === 'parse' ? `{"broken ${i}` : JSON.stringify({ n: i }));
    return JSON.stringify(recordFromMessage(buildDeadLetter(SERVICE, { topic: 'events', partition: 0, offset: i, key: null, value, headers: [] }, { topic: 'events', partition: 0, offset: i }, failure)));
  });
  writeFileSync(topicFile(topics, `${SERVICE}.error`), `${lines.join('\n')}\n`);
  return { dir, config };
}

function cli(args: string[]) {
  const env = { ...process.env };
  delete env.IMR_TEST_UNSET_DATABASE_URL;
  const r = spawnSync(process.execPath, [join(REPO, 'bin/imagematching-router.js'), 'redrive', ...args], { cwd: REPO, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const retried = (dir: string) => {
  const file = topicFile(join(dir, 'state', 'topics'), `${SERVICE}.retry.events`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { value: string }) : [];
};

describe('redrive on the command line', () => {
  let dir: string;
  let config: string;
  before(() => ({ dir, config } = setUp()));

  test('a rule it does not know exits 2, naming the rules there are and the one meant', () => {
    const r = cli(['--config', config, '--rule', 'revision_image']);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /--rule: no enabled rule "revision_image" \(did you mean "revision_images"\?\); the rules are: revision_images, feedback/);
    assert.deepEqual(retried(dir), []);
  });

  test('--error-class chooses the letters; the dry run prints them by rule and class with first and last failure', () => {
    const r = cli(['--config', config, '--error-class', 'PermanentError', '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    const permanent = LETTERS.filter((l) => l[2] === 'PermanentError');
    assert.match(r.stdout, new RegExp(`revision_images \\| PermanentError \\| +${permanent.length} \\| ${permanent[0]![3]} \\| ${permanent[1]![3]} \\| would re-inject`));
    assert.doesNotMatch(r.stdout, /TransientError \|/);
    assert.match(r.stdout, new RegExp(`^would re-inject ${permanent.length} of ${LETTERS.length} dead letter\\(s\\)$`, 'm'));
    assert.deepEqual(retried(dir), [], 'a dry run produces nothing');
  });

  test('letters of unparseable events are left alone and counted; --include-unparseable re-injects them too', () => {
    const unparseable = LETTERS.filter((l) => l[1] === 'parse').length;
    const r = cli(['--config', config, '--rule', 'revision_images']);
    assert.equal(r.code, 0, r.stderr);
    const ofRule = LETTERS.filter((l) => l[0] === 'revision_images');
    const parseOfRule = ofRule.filter((l) => l[1] === 'parse').length;
    assert.match(r.stdout, new RegExp(`^re-injected ${ofRule.length - parseOfRule} of ${LETTERS.length} dead letter\\(s\\)$`, 'm'));
    assert.match(r.stdout, /revision_images \| InvalidEventError \| +1 \| .* \| left alone \(unparseable\)/);
    assert.match(r.stdout, new RegExp(`left ${parseOfRule} dead letter\\(s\\) of unparseable events alone`));
    assert.equal(retried(dir).length, ofRule.length - parseOfRule);
    assert.ok(retried(dir).every((m) => !m.value.startsWith('{"broken')));

    const all = cli(['--config', config, '--include-unparseable', '--dry-run']);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, new RegExp(`^would re-inject ${LETTERS.length} of ${LETTERS.length} dead letter\\(s\\)$`, 'm'));
    assert.ok(unparseable > 0);
  });
});
