import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { microsToIso, timeuuidFor, timeuuidMicros, timeuuidTime } from '../../../lib/suggestions/timeuuid.ts';

describe('timeuuid times', () => {
  test('the RFC 9562 example UUIDv1 reads as its documented time (2022-02-22 14:22:22 at -05:00)', () => {
    assert.equal(timeuuidTime('C232AB00-9414-11EC-B3C8-9F6BDECED846'), '2022-02-22T19:22:22.000000Z');
    assert.equal(timeuuidTime('c232ab00-9414-11ec-b3c8-9f6bdeced846'), '2022-02-22T19:22:22.000000Z');
  });

  test('microseconds survive: a timeuuid made for a time reads back as that time', () => {
    for (const iso of ['1970-01-01T00:00:00.000001Z', '2024-05-06T07:08:09.123456Z', '2099-12-31T23:59:59.999999Z']) {
      const micros = BigInt(Date.parse(iso)) * 1000n + BigInt(iso.slice(23, 26));
      const id = timeuuidFor(micros);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(timeuuidMicros(id), micros);
      assert.equal(timeuuidTime(id), iso);
    }
  });

  test('timeuuids do not sort as strings: the later of two runs can have the smaller id', () => {
    // The low 32 bits of the time come first and wrap every 2^32 × 100 ns (about 7 minutes).
    const earlier = '4137d800-0b76-11ef-8000-000000000000';
    const later = '17cb7c00-0b77-11ef-8000-000000000000';
    assert.equal(timeuuidTime(earlier), '2024-05-06T07:00:00.000000Z');
    assert.equal(timeuuidTime(later), '2024-05-06T07:06:00.000000Z');
    assert.ok(later < earlier);
    assert.equal(timeuuidFor(BigInt(Date.parse('2024-05-06T07:06:00Z')) * 1000n), later);
  });

  test('ids that are not version-1 UUIDs have no time', () => {
    for (const id of ['', 'not-a-uuid', '3f1c2b8e-6a1d-4c2e-9f0a-1b2c3d4e5f60', 'c232ab00-9414-21ec-b3c8-9f6bdeced846', 'c232ab00941411ecb3c89f6bdeced846']) {
      assert.equal(timeuuidMicros(id), null, id);
      assert.equal(timeuuidTime(id), null, id);
    }
  });

  test('microsecond times print with six fractional digits', () => {
    assert.equal(microsToIso(0n), '1970-01-01T00:00:00.000000Z');
    assert.equal(microsToIso(1_700_000_000_123_456n), '2023-11-14T22:13:20.123456Z');
  });
});
