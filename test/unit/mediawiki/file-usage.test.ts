// prop=fileusage answers read to usage counts per file: complete answers, answers cut by the shared limit (the cut
// file and files without rows stay open), normalised and localised titles, missing and invalid files.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { FILE_USAGE_MAX_LIMIT, fileUsageQuery, parseFileUsage } from '../../../lib/mediawiki/file-usage.ts';

const rows = (count: number, from = 1000): Array<{ pageid: number }> => Array.from({ length: count }, (_, i) => ({ pageid: from + i }));

describe('fileUsageQuery', () => {
  test('asks for the namespace-0 usage of every file, enough rows for each, page ids only', () => {
    assert.deepEqual(fileUsageQuery(['Eiffel_Tower.jpg', 'Flag_of_France.svg'], 48), {
      action: 'query',
      prop: 'fileusage',
      titles: 'File:Eiffel Tower.jpg|File:Flag of France.svg',
      funamespace: '0',
      fuprop: 'pageid',
      fulimit: '96',
      format: 'json',
      formatversion: '2',
    });
  });

  test('never asks for more rows than the API gives without apihighlimits', () => {
    assert.equal(fileUsageQuery(Array.from({ length: 50 }, (_, i) => `F${i}.jpg`), 48).fulimit, String(FILE_USAGE_MAX_LIMIT));
  });

  test('refuses more than 50 titles, none, or a row count the limit cannot carry', () => {
    assert.throws(() => fileUsageQuery(Array.from({ length: 51 }, (_, i) => `F${i}.jpg`), 4), RangeError);
    assert.throws(() => fileUsageQuery([], 4), RangeError);
    assert.throws(() => fileUsageQuery(['A.jpg'], 501), RangeError);
  });
});

describe('parseFileUsage', () => {
  test('a complete answer gives exact counts, zero for a file no article links', () => {
    const json = {
      batchcomplete: true,
      query: {
        normalized: [
          { fromencoded: false, from: 'File:Eiffel_Tower.jpg', to: 'File:Eiffel Tower.jpg' },
          { fromencoded: false, from: 'File:New_upload.jpg', to: 'File:New upload.jpg' },
        ],
        pages: [
          { ns: 6, title: 'File:Eiffel Tower.jpg', missing: true, known: true, fileusage: rows(3) },
          { ns: 6, title: 'File:New upload.jpg', missing: true, known: true },
        ],
      },
    };
    assert.deepEqual(parseFileUsage(json, ['Eiffel_Tower.jpg', 'New_upload.jpg']), [
      { kind: 'counted', name: 'Eiffel_Tower.jpg', count: 3, complete: true },
      { kind: 'counted', name: 'New_upload.jpg', count: 0, complete: true },
    ]);
  });

  test('an answer cut by the limit: files before the cut are complete, the cut file and files without rows are lower bounds', () => {
    // Rows in il_to order: A (2 rows), Flag (cut after 94 rows), Z not reached; fulimit 96.
    const json = {
      continue: { fucontinue: 'Flag_of_France.svg|3021', continue: '||' },
      query: {
        pages: [
          { ns: 6, title: 'File:A photo.jpg', missing: true, known: true, fileusage: rows(2) },
          { ns: 6, title: 'File:Flag of France.svg', missing: true, known: true, fileusage: rows(94) },
          { ns: 6, title: 'File:Z photo.jpg', missing: true, known: true },
        ],
      },
    };
    assert.deepEqual(parseFileUsage(json, ['A_photo.jpg', 'Flag_of_France.svg', 'Z_photo.jpg']), [
      { kind: 'counted', name: 'A_photo.jpg', count: 2, complete: true },
      { kind: 'counted', name: 'Flag_of_France.svg', count: 94, complete: false },
      { kind: 'counted', name: 'Z_photo.jpg', count: 0, complete: false },
    ]);
  });

  test('a cut that falls between two files leaves the next file open even when it has no rows yet', () => {
    const json = {
      continue: { fucontinue: 'B.jpg|7', continue: '||' },
      query: { pages: [{ ns: 6, title: 'File:A.jpg', fileusage: rows(4) }, { ns: 6, title: 'File:B.jpg' }] },
    };
    assert.deepEqual(
      parseFileUsage(json, ['A.jpg', 'B.jpg']).map((l) => l.kind === 'counted' && [l.count, l.complete]),
      [[4, true], [0, false]],
    );
  });

  test('a cut answer whose continuation names no known file leaves every file open', () => {
    const json = {
      continue: { fucontinue: '734591|3021', continue: '||' },
      query: { pages: [{ ns: 6, title: 'File:A.jpg', fileusage: rows(4) }, { ns: 6, title: 'File:B.jpg', fileusage: rows(1) }] },
    };
    assert.ok(parseFileUsage(json, ['A.jpg', 'B.jpg']).every((l) => l.kind === 'counted' && !l.complete));
  });

  test('titles localised by the wiki are matched through normalisation', () => {
    const json = {
      batchcomplete: true,
      query: {
        normalized: [{ from: 'File:Kölner Dom.jpg', to: 'Datei:Kölner Dom.jpg' }],
        pages: [{ pageid: 77, ns: 6, title: 'Datei:Kölner Dom.jpg', fileusage: rows(5) }],
      },
    };
    assert.deepEqual(parseFileUsage(json, ['Kölner_Dom.jpg']), [{ kind: 'counted', name: 'Kölner_Dom.jpg', count: 5, complete: true }]);
  });

  test('a title the API refuses is invalid, with its reason', () => {
    const json = { batchcomplete: true, query: { pages: [{ title: 'File:Bad<name>.jpg', invalidreason: 'The requested page title contains invalid characters: "<".', invalid: true }] } };
    assert.deepEqual(parseFileUsage(json, ['Bad<name>.jpg']), [
      { kind: 'invalid', name: 'Bad<name>.jpg', reason: 'The requested page title contains invalid characters: "<".' },
    ]);
  });

  test('a file absent from the answer, or an answer without pages, is not counted as unused', () => {
    assert.deepEqual(parseFileUsage({ batchcomplete: true, query: { pages: [] } }, ['A.jpg']), [{ kind: 'counted', name: 'A.jpg', count: 0, complete: false }]);
    assert.deepEqual(parseFileUsage({ batchcomplete: true }, ['A.jpg']), [{ kind: 'counted', name: 'A.jpg', count: 0, complete: false }]);
  });

  test('a name asked twice gets the same answer twice', () => {
    const json = { batchcomplete: true, query: { pages: [{ ns: 6, title: 'File:A.jpg', fileusage: rows(2) }] } };
    assert.deepEqual(parseFileUsage(json, ['A.jpg', 'A.jpg']).map((l) => l.kind === 'counted' && l.count), [2, 2]);
  });
});
