// The `log` step's line: each key once (the raw text is checked, since JSON.parse hides repeated keys).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { logHandler } from '../../../lib/handlers/log.ts';
import { captureLog } from '../../helpers/log-lines.ts';
import { duplicateKeys } from '../../helpers/json-keys.ts';
import type { StepContext } from '../../../lib/engine/step.ts';
import type { HandlerEnvironment } from '../../../lib/handlers/environment.ts';

const source = { topic: 'eqiad.mediawiki.revision-create', partition: 3, offset: 42, key: null, stream: 'mediawiki.revision-create' };

async function logLine(fields: Record<string, unknown> | undefined, bind: (log: ReturnType<typeof captureLog>['log']) => StepContext['log']) {
  const captured = captureLog('info', 'imr-test');
  const step = logHandler.create({ level: 'info', message: 'revision {{message.rev_id}}', ...(fields ? { fields } : {}) }, {} as HandlerEnvironment);
  const ctx: StepContext = { message: { rev_id: 7, database: 'enwiki' }, match: {}, results: {}, source, rule: 'watch', log: bind(captured.log) };
  await step.run(ctx);
  assert.equal(captured.raw.length, 1);
  return captured.raw[0]!;
}

// As the engine hands it to steps: the rule's logger, and the event's coordinates bound per event.
const eventLogger = (log: ReturnType<typeof captureLog>['log']) => log.child({ rule: 'watch' }).child({ topic: source.topic, partition: source.partition, offset: source.offset });

describe('the log step', () => {
  const cases: Array<{ name: string; fields?: Record<string, unknown>; bind: typeof eventLogger; expect: Record<string, unknown> }> = [
    {
      name: "the event's logger carries the coordinates: they are not repeated",
      bind: eventLogger,
      expect: { service: 'imr-test', rule: 'watch', topic: source.topic, partition: 3, offset: 42, msg: 'revision 7' },
    },
    {
      name: 'user fields with keys the line has already go under fields',
      fields: { topic: 'mine', wiki: '{{message.database}}', service: 'x', msg: 'y', level: 'z', fields: 'f' },
      bind: eventLogger,
      expect: { service: 'imr-test', rule: 'watch', topic: source.topic, partition: 3, offset: 42, wiki: 'enwiki', fields: { topic: 'mine', service: 'x', msg: 'y', level: 'z', fields: 'f' }, msg: 'revision 7' },
    },
    {
      name: 'a logger without the coordinates (a dry run) gets them from the step',
      fields: { wiki: '{{message.database}}' },
      bind: (log) => log.child({ rule: 'watch' }),
      expect: { service: 'imr-test', rule: 'watch', topic: source.topic, partition: 3, offset: 42, wiki: 'enwiki', msg: 'revision 7' },
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const raw = await logLine(c.fields, c.bind);
      assert.deepEqual(duplicateKeys(raw), [], raw);
      const { time: _time, level, ...rest } = JSON.parse(raw) as Record<string, unknown>;
      assert.equal(level, 'info');
      assert.deepEqual(rest, c.expect);
    });
  }

  test('the duplicate-key scan finds repeated keys at any depth', () => {
    assert.deepEqual(duplicateKeys('{"a":1,"b":{"c":[1,{"d":"x\\"}","d":2}],"c":3},"a":"}"}'), ['b.c[1].d', 'b.c', 'a']);
  });
});
