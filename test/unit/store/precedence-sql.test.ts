// The status precedence rendered as SQL, and the migration that spells it out, agree with the router's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pageLocksSql } from '../../../lib/store/recommendations.ts';
import { precedenceKeySql } from '../../../lib/store/precedence-sql.ts';
import { STATUSES } from '../../../lib/recommendations/status-precedence.ts';

describe('the status precedence in SQL', () => {
  // The SQL rendering is checked against compareObservations for every pair in test/integration/store/status-merge.test.ts.
  test('the SQL precedence key names every status and only takes a plain alias', () => {
    const sql = precedenceKeySql('excluded');
    for (const status of STATUSES) assert.equal(sql.split(`WHEN '${status}' THEN`).length - 1, 2, status);
    assert.match(sql, /excluded\.event_dt, coalesce\(excluded\.rev_id, 0\)/);
    assert.throws(() => precedenceKeySql("s; DROP TABLE x"), /not a plain SQL alias/);
  });

  for (const migration of ['003_merge_statuses_function', '006_section_feedback']) {
    test(`the status function of migration ${migration} uses this precedence and the store's page locks`, () => {
      const text = readFileSync(new URL(`../../../lib/store/migrations/${migration}.sql`, import.meta.url), 'utf8');
      assert.ok(text.includes(`WHERE ${precedenceKeySql('excluded')} > ${precedenceKeySql('s')};`), 'the ON CONFLICT condition is the rendered precedence');
      const spaced = (sql: string) => sql.replace(/\s+/g, ' ');
      assert.ok(spaced(text).includes(spaced(`PERFORM ${pageLocksSql('accepted')};`)), 'the page locks are those of lockPages');
    });
  }
});
