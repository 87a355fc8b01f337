// An aligned table for command summaries, drawn as `query` draws rows (numbers right-aligned).
import { formatRows } from './query-output.ts';

const INT8 = 20;
const TEXT = 25;

/** `rows` of strings and numbers under `headers`; a column is numeric when every value in it is a number. */
export function textTable(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  return formatRows(
    {
      columns: headers.map((name, i) => ({ name, typeId: numeric[i] ? INT8 : TEXT })),
      rows: rows.map((r) => r.map((v) => String(v))),
      command: 'SELECT',
    },
    'table',
  );
}
