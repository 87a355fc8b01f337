import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countNewlines, LineCounter } from '../../../lib/sources/line-count.ts';

describe('countNewlines', () => {
  const cases: Array<[string, string, number | undefined, number]> = [
    ['none', 'abc', undefined, 0],
    ['each one', 'a\nb\n\nc', undefined, 3],
    ['only within the length', 'a\nb\nc\n', 3, 1],
    ['an empty buffer', '', undefined, 0],
  ];
  for (const [name, text, length, expected] of cases) test(name, () => assert.equal(countNewlines(Buffer.from(text), length), expected));
});

describe('LineCounter', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imr-lines-'));
  // [what is written (append after the first), lines when not final, lines when final]
  const steps: Array<[string, number, number]> = [
    ['{"n":1}\n{"n":2}\n', 2, 2],
    ['{"n":3}', 2, 3],
    ['\n{"n":4}\n', 4, 4],
  ];
  test('counts complete lines, the last partial one only when final, and re-reads only what was appended', () => {
    const path = join(dir, 'events.ndjson');
    const counter = new LineCounter(path);
    assert.equal(counter.lines(true), 0, 'a missing file has no lines');
    steps.forEach(([text, open, final], i) => {
      if (i === 0) writeFileSync(path, text);
      else appendFileSync(path, text);
      assert.deepEqual([counter.lines(false), counter.lines(true)], [open, final], `after step ${i}`);
    });
  });

  test('a file that shrank (replaced) is counted afresh', () => {
    const path = join(dir, 'replaced.ndjson');
    const counter = new LineCounter(path);
    writeFileSync(path, 'a\nb\nc\n');
    assert.equal(counter.lines(true), 3);
    writeFileSync(path, 'x\n');
    assert.equal(counter.lines(true), 1);
  });

  test('counts across chunk boundaries', () => {
    const path = join(dir, 'large.ndjson');
    const line = `${'x'.repeat(999)}\n`;
    writeFileSync(path, line.repeat(3000));
    assert.equal(new LineCounter(path).lines(true), 3000);
  });
});
