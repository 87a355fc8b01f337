// A shipped migration is never edited: databases that applied it refuse to start when its text changes (migrate
// compares checksums). This keeps the shipped text as it was applied; a new migration adds its line here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readMigrations } from '../../../lib/store/migrate.ts';

const SHIPPED: Readonly<Record<string, string>> = {
  '1_recommendation_state': 'da25e9c3dd34fa0051ed81bef71d7bdbe7d8d7b9ce4ad33757665715537b245b',
  '2_exclusions_and_unprocessable': '10e3f2ff4b469dd4683ce40d39107d12635f4756a3fb2d1aec7d20fe23b38280',
  '3_merge_statuses_function': '761e481486bdd634bc77c9301f097eca1445665987fba156ce4049b8b0cb6427',
  '4_redirects': 'eed4b9a949af2760668b0deae6ed2e99a7064d2eb3553216af9ec5951667892b',
  '5_suggestion_datasets': 'c07af416a4f6ce434ce1d68e5622e8fac3617b5cf92764ab37917cf23e796c49',
  '6_section_feedback': '9d77e9099ee459fce30275af6cb7374e64e47b14f0b53471f6836696ea40854e',
  '7_illustration_rule': 'ce96fd13c3eb525414ba91bf94e40865e9bf600a769dd39449023ccd83993cb4',
};

test('no shipped migration was edited, and every migration is listed here', () => {
  const actual = Object.fromEntries(readMigrations().map((m) => [`${m.version}_${m.name}`, m.checksum]));
  assert.deepEqual(actual, SHIPPED);
});
