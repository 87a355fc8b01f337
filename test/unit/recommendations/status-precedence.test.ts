// The status state machine, as a table: current observation × incoming observation → the one kept.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { nextStatus, STATUSES, type StatusObservation, type RecommendationStatus } from '../../../lib/recommendations/status-precedence.ts';

const T0 = Date.parse('2024-01-01T00:00:00Z');
const obs = (status: RecommendationStatus, minutes: number, revId: number | null = null): StatusObservation => ({
  status,
  eventTime: T0 + minutes * 60_000,
  revId,
});

describe('status precedence', () => {
  const cases: Array<[string, StatusObservation | null, StatusObservation, RecommendationStatus]> = [
    ['a first observation is taken as it is', null, obs('undecided', 0), 'undecided'],
    ['a later undecided does not unblock a rejection', obs('rejected', 0), obs('undecided', 5), 'rejected'],
    ['an earlier rejection arriving late still beats undecided', obs('undecided', 5), obs('rejected', 0), 'rejected'],
    ['a later invalidation does not hide a rejection', obs('rejected', 0), obs('invalidated', 5), 'rejected'],
    ['an invalidation beats undecided', obs('undecided', 0), obs('invalidated', 5), 'invalidated'],
    ['a newer acceptance overrides an older rejection', obs('rejected', 0), obs('accepted', 5), 'accepted'],
    ['an older acceptance does not override a newer rejection', obs('rejected', 5), obs('accepted', 0), 'rejected'],
    ['the edit applying an accepted suggestion makes it applied', obs('accepted', 0), obs('applied', 1, 10), 'applied'],
    ['an acceptance arriving after its own edit does not downgrade applied', obs('applied', 1, 10), obs('accepted', 0), 'applied'],
    ['removing an applied image makes it removed', obs('applied', 0, 10), obs('removed', 5, 11), 'removed'],
    ['re-adding a removed image makes it applied again', obs('removed', 5, 11), obs('applied', 9, 12), 'applied'],
    ['an older removal replayed after a re-add is ignored', obs('applied', 9, 12), obs('removed', 5, 11), 'applied'],
    ['a revert in the same second as the addition wins by revision id', obs('applied', 0, 10), obs('removed', 0, 11), 'removed'],
    ['an addition replayed after its revert in the same second stays removed', obs('removed', 0, 11), obs('applied', 0, 10), 'removed'],
    ['at the same time a rejection beats an acceptance', obs('accepted', 0), obs('rejected', 0), 'rejected'],
    ['at the same time a rejection beats an acceptance whatever the order', obs('rejected', 0), obs('accepted', 0), 'rejected'],
    ['an invalidation does not hide an applied image', obs('applied', 0, 10), obs('invalidated', 5), 'applied'],
    ['a newer undecided replaces an older undecided', obs('undecided', 0), obs('undecided', 5), 'undecided'],
  ];
  for (const [name, current, incoming, expected] of cases) {
    test(name, () => {
      assert.equal(nextStatus(current, incoming).status, expected);
    });
  }

  test('a duplicate observation keeps the stored one (idempotent)', () => {
    const stored = obs('rejected', 3);
    assert.equal(nextStatus(stored, { ...stored }), stored);
  });

  test('the outcome does not depend on the order observations arrive in', () => {
    const all: StatusObservation[] = [];
    for (const status of STATUSES) for (const minutes of [0, 5]) all.push(obs(status, minutes, status === 'applied' || status === 'removed' ? 10 + minutes : null));
    for (const a of all) {
      for (const b of all) {
        assert.deepEqual(nextStatus(a, b), nextStatus(b, a), `${a.status}@${a.eventTime} vs ${b.status}@${b.eventTime}`);
        for (const c of all) {
          assert.deepEqual(nextStatus(nextStatus(a, b), c), nextStatus(a, nextStatus(b, c)));
        }
      }
    }
  });
});
