// Rows sent to PostgreSQL as one JSON parameter (json_to_recordset), with the text conversion pg's own
// encoding would have given: a lone UTF-16 surrogate becomes U+FFFD instead of failing the batch.

// JSON.stringify writes a lone surrogate as a `\udXXX` escape, which PostgreSQL refuses to turn into text
// ("invalid Unicode surrogate pair"); pg's UTF-8 encoding of the same string would have stored U+FFFD.
// The escape counts only after an even run of backslashes (`\\` is an escaped backslash).
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/** `JSON.stringify(rows)` for a `$n::json` parameter; lone surrogates in strings become U+FFFD. */
export function jsonParameter(rows: unknown): string {
  const json = JSON.stringify(rows);
  // Well-formed pairs are written as they are, not escaped: most batches have no escape to look at.
  return json.includes('\\ud') ? json.replace(LONE_SURROGATE_ESCAPE, '$1\\ufffd') : json;
}
