import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createDependencyWatch } from '../../../lib/admin/dependency-watch.ts';
import { captureLog } from '../../helpers/log-lines.ts';

/** A database whose answer the test switches. */
function switchableDb() {
  let up = true;
  return {
    set up(value: boolean) {
      up = value;
    },
    query: (() => (up ? Promise.resolve({ rows: [] }) : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')))) as never,
  };
}

describe('dependency watch', () => {
  test('logs one warning when the database stops answering and one info line with the downtime when it is back', async () => {
    const db = switchableDb();
    const { log, lines } = captureLog('debug');
    let clock = 1_000_000;
    const watch = createDependencyWatch({ pool: db, log, databaseUrl: 'postgres://router:s3cret@db1001:5432/imagematching', now: () => clock });
    await watch.check();
    assert.deepEqual(lines(), [], 'nothing to say while it answers');

    db.up = false;
    for (let i = 0; i < 5; i++) {
      await watch.check();
      clock += 5000;
    }
    db.up = true;
    await watch.check();
    await watch.check();

    const said = lines().map(({ level, msg, dependency, setting, url, reason, downtime_seconds }) => ({ level, msg, dependency, setting, url, reason, downtime_seconds }));
    assert.deepEqual(said, [
      {
        level: 'warn',
        msg: 'database unreachable: events wait until it answers',
        dependency: 'database',
        setting: 'database.url',
        url: 'postgres://router:***@db1001:5432/imagematching',
        reason: 'connect ECONNREFUSED 127.0.0.1:5432',
        downtime_seconds: undefined,
      },
      {
        level: 'info',
        msg: 'database reachable again after 25 s',
        dependency: 'database',
        setting: 'database.url',
        url: 'postgres://router:***@db1001:5432/imagematching',
        reason: undefined,
        downtime_seconds: 25,
      },
    ]);
    assert.ok(!JSON.stringify(lines()).includes('s3cret'), 'the password is never logged');
  });

  test('the embedded database is named by its setting', async () => {
    const db = switchableDb();
    const { log, lines } = captureLog();
    const watch = createDependencyWatch({ pool: db, log });
    db.up = false;
    await watch.check();
    assert.equal(lines()[0]?.setting, 'database.embedded_path');
  });

  test('started, it probes on its interval until stopped', async () => {
    const db = switchableDb();
    db.up = false;
    const { log, lines } = captureLog();
    const watch = createDependencyWatch({ pool: db, log, databaseUrl: 'postgres://router@db1001/imagematching', intervalMs: 1 });
    watch.start();
    while (lines().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await watch.stop();
    assert.equal(lines()[0]?.level, 'warn');
  });
});
