import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkInputPaths } from '../../../lib/cli/input-paths.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { ConfigError } from '../../../lib/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'imr-inputs-'));
writeFileSync(join(dir, 'events.ndjson'), '{}\n');
mkdirSync(join(dir, 'full'));
writeFileSync(join(dir, 'full', 'a.jsonl'), '{}\n');
mkdirSync(join(dir, 'empty'));
mkdirSync(join(dir, 'other'));
writeFileSync(join(dir, 'other', 'notes.txt'), 'not events\n');

function problems(type: string, paths: string[]): readonly string[] {
  const config = parseConfig(`source: {type: ${type}, file: {paths: ${JSON.stringify(paths.map((p) => join(dir, p)))}}}\nkafka: {brokers: "b:1"}\n`, {});
  try {
    checkInputPaths(config);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
}

describe('the file source inputs', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['a file and a folder with an event file are fine', ['events.ndjson', 'full'], []],
    ['a missing file is named', ['events.ndjson', 'gone.ndjson'], [`source.file.paths[1]: ${join(dir, 'gone.ndjson')} does not exist`]],
    ['a folder without event files is named', ['empty'], [`source.file.paths[0]: folder ${join(dir, 'empty')} has no event file (*.ndjson, *.jsonl, *.json)`]],
    [
      'every bad path is named at once',
      ['other', 'full', 'gone'],
      [`source.file.paths[0]: folder ${join(dir, 'other')} has no event file (*.ndjson, *.jsonl, *.json)`, `source.file.paths[2]: ${join(dir, 'gone')} does not exist`],
    ],
  ];
  for (const [name, paths, expected] of cases) {
    test(name, () => assert.deepEqual(problems('file', paths), expected));
  }

  test('are not looked at when the source is Kafka', () => {
    assert.deepEqual(problems('kafka', ['gone.ndjson']), []);
  });
});
