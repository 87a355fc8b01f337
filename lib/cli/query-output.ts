// How `imagematching-router query` prints rows: an aligned table (as psql does), CSV (as COPY ... CSV HEADER), or one
// JSON object per row with typed values. Pure: rows arrive as PostgreSQL's text form, the same from either back end.
import pg from 'pg';

export const QUERY_FORMATS = ['table', 'json', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export interface QueryColumn {
  name: string;
  /** PostgreSQL type OID (pg_type.oid). */
  typeId: number;
}

export interface QueryRows {
  columns: QueryColumn[];
  /** Each value in PostgreSQL's text form; null for SQL NULL. */
  rows: (string | null)[][];
  /** The statement's command (SELECT, SHOW, ...), for statements without columns. */
  command: string;
}

// Type OIDs (pg_type): numbers are right-aligned in tables; dates, times, intervals and bytea stay as PostgreSQL
// writes them in JSON too (converting them would depend on this process's time zone or invent a shape).
const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);
const AS_TEXT_IN_JSON = new Set([17, 1082, 1083, 1114, 1184, 1186, 1266, 1182, 1183, 1115, 1185, 1187, 1270, 1001]);
const INT8 = 20;
const INT8_ARRAY = 1016;

const toNumberIfSafe = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
};

/** A value for JSON: as node-postgres parses it (numbers, booleans, JSON, arrays), bigints as numbers when exact. */
export function typedValue(text: string | null, typeId: number): unknown {
  if (text === null) return null;
  if (AS_TEXT_IN_JSON.has(typeId)) return text;
  if (typeId === INT8) return toNumberIfSafe(text);
  const parsed: unknown = pg.types.getTypeParser(typeId, 'text')(text);
  if (typeId === INT8_ARRAY && Array.isArray(parsed)) return parsed.map(toNumberIfSafe);
  return parsed;
}

function jsonLines(result: QueryRows): string[] {
  const names = result.columns.map((c, i) => (result.columns.findIndex((o) => o.name === c.name) === i ? c.name : `${c.name}#${i + 1}`));
  return result.rows.map((row) => JSON.stringify(Object.fromEntries(row.map((v, i) => [names[i]!, typedValue(v, result.columns[i]!.typeId)]))));
}

/** CSV as PostgreSQL's COPY writes it: NULL is an empty field, an empty string is `""`. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return value === '' || /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvLines(result: QueryRows): string[] {
  return [result.columns.map((c) => csvField(c.name)).join(','), ...result.rows.map((row) => row.map(csvField).join(','))];
}

const width = (s: string): number => [...s].length;
const pad = (s: string, n: number, right: boolean): string => (right ? ' '.repeat(n - width(s)) + s : s + ' '.repeat(n - width(s)));

function tableLines(result: QueryRows): string[] {
  if (result.columns.length === 0) return [result.command];
  // One line per row: line breaks inside a value are shown as \n.
  const cells = result.rows.map((row) => row.map((v) => (v === null ? '' : v.replaceAll('\r', '\\r').replaceAll('\n', '\\n'))));
  // A loop, not Math.max(...cells): spreading a large result into arguments overflows the call stack.
  const widths = result.columns.map((c, i) => cells.reduce((w, row) => Math.max(w, width(row[i]!)), width(c.name)));
  const right = result.columns.map((c) => NUMERIC_TYPES.has(c.typeId));
  const line = (values: string[], alignRight: boolean[]) => values.map((v, i) => pad(v, widths[i]!, alignRight[i]!)).join(' | ').trimEnd();
  const header = result.columns.map((c, i) => {
    const extra = widths[i]! - width(c.name);
    return ' '.repeat(Math.floor(extra / 2)) + c.name + ' '.repeat(extra - Math.floor(extra / 2));
  });
  const n = result.rows.length;
  // psql's aligned format: ` a | b`, `---+---`, `(n rows)`.
  return [
    ` ${line(header, header.map(() => false))}`.trimEnd(),
    widths.map((w) => '-'.repeat(w + 2)).join('+'),
    ...cells.map((row) => ` ${line(row, right)}`.trimEnd()),
    `(${n} row${n === 1 ? '' : 's'})`,
  ];
}

export function formatRows(result: QueryRows, format: QueryFormat): string[] {
  switch (format) {
    case 'json':
      return jsonLines(result);
    case 'csv':
      return result.columns.length === 0 ? [] : csvLines(result);
    case 'table':
      return tableLines(result);
  }
}
