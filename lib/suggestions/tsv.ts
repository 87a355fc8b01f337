// Tab-separated lines as Hive, psql and PostgreSQL's COPY write them: fields split on tabs, backslash escapes
// (\t \n \r \\) decoded, `\N` or an empty field is null. Also the reverse, for COPY's text format.

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', '\\': '\\', b: '\b', f: '\f', v: '\v' };

/** One field: null for `\N` or empty; escapes decoded; an unknown escape keeps the character after the backslash. */
export function unescapeTsvField(field: string): string | null {
  if (field === '' || field === '\\N') return null;
  if (!field.includes('\\')) return field;
  let out = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i]!;
    if (c === '\\' && i + 1 < field.length) {
      const next = field[++i]!;
      out += ESCAPES[next] ?? next;
    } else {
      out += c;
    }
  }
  return out;
}

/** The fields of one line (without its line break; a trailing `\r` is dropped). */
export function parseTsvLine(line: string): Array<string | null> {
  const body = line.endsWith('\r') ? line.slice(0, -1) : line;
  return body.split('\t').map(unescapeTsvField);
}

/** Header names: Hive prefixes them with the table (`imagerec_prod.page_id`), which is dropped. */
export function parseTsvHeader(line: string): string[] {
  return parseTsvLine(line).map((name) => (name ?? '').trim().replace(/^[A-Za-z0-9_]+\./, ''));
}

const COPY_SPECIAL = /[\\\t\n\r]/;

/** A value in COPY's text format: `\N` for null, backslash, tab and line breaks escaped. */
export function copyTextField(value: string | null): string {
  if (value === null) return '\\N';
  if (!COPY_SPECIAL.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** A text[] literal ({"a","b"}): every element quoted, `"` and `\` escaped inside. */
export function pgTextArray(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
