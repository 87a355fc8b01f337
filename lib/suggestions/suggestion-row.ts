// The two dataset shapes that exist and their mapping to one suggestion row: the Cassandra table
// image_suggestions.suggestions (weekly pipeline) and the older Hive table imagerec_prod. Pure: values in, row or reason out.
import { normalizeFileTitle } from '../wikitext/file-title.ts';
import { microsToIso, timeuuidMicros } from './timeuuid.ts';

export type DatasetShape = 'cassandra' | 'imagerec_prod';

/** One suggestion as the read API serves it (the Data Gateway's row), before it gets its dataset's key. */
export interface SuggestionRow {
  datasetId: string;
  wiki: string;
  /** Decimal text: page ids are bigint in PostgreSQL. */
  pageId: string;
  /** File name in DB-key form (underscores, first letter upper-case, no `File:`), as the router's state keeps it. */
  image: string;
  sectionIndex: number | null;
  sectionHeading: string | null;
  pageTitle: string | null;
  confidence: number;
  kind: string[];
  foundOn: string[];
  originWiki: string | null;
  pageRev: string | null;
  pageQid: string | null;
}

export type MappedRecord =
  | { kind: 'row'; row: SuggestionRow; /** The dataset's time according to this row (µs since the epoch), if it says. */ timeMicros: bigint | null }
  | { kind: 'skip'; reason: SkipReason }
  | { kind: 'bad'; reason: string };

/** Rows that are valid but carry no suggestion to serve: counted, not reported as bad. */
export type SkipReason = 'without_suggestion' | 'not_article';

const SHAPE_COLUMNS: Record<DatasetShape, { required: string[]; optional: string[] }> = {
  cassandra: {
    required: ['wiki', 'page_id', 'id', 'image', 'confidence'],
    optional: ['origin_wiki', 'found_on', 'kind', 'page_rev', 'section_heading', 'section_index', 'page_qid'],
  },
  imagerec_prod: {
    required: ['wiki', 'page_id', 'image_id', 'confidence_rating', 'dataset_id'],
    optional: ['page_title', 'source', 'instance_of', 'is_article_page', 'insertion_ts', 'snapshot'],
  },
};

/**
 * The shape of a file from its column names (the file's plus the Hive partition columns of its path), or a reason
 * naming what is missing. `image` + `id` is Cassandra's; `image_id` + `confidence_rating` is imagerec_prod's.
 */
export function detectShape(columns: readonly string[]): { shape: DatasetShape } | { error: string } {
  const have = new Set(columns);
  const shape: DatasetShape | null = have.has('image_id') || have.has('confidence_rating') ? 'imagerec_prod' : have.has('image') || have.has('id') ? 'cassandra' : null;
  if (shape === null) {
    return { error: `columns [${columns.join(', ')}] are neither the Cassandra shape (${SHAPE_COLUMNS.cassandra.required.join(', ')}) nor imagerec_prod's (${SHAPE_COLUMNS.imagerec_prod.required.join(', ')})` };
  }
  const missing = SHAPE_COLUMNS[shape].required.filter((c) => !have.has(c));
  if (missing.length > 0) return { error: `${shape} shape: missing column(s) ${missing.join(', ')}` };
  return { shape };
}

const WIKI = /^[a-z][a-z0-9_]{0,63}$/;
const QID = /^Q[1-9][0-9]{0,15}$/;
const MAX_TEXT = 1024;

class BadValue extends Error {}

const isAbsent = (v: unknown) => v === null || v === undefined || v === '';

function text(value: unknown, column: string, required: boolean): string | null {
  if (isAbsent(value)) {
    if (required) throw new BadValue(`${column} is missing`);
    return null;
  }
  if (typeof value !== 'string') throw new BadValue(`${column} must be text, got ${typeof value}`);
  if (value.length > MAX_TEXT) throw new BadValue(`${column} is longer than ${MAX_TEXT} characters`);
  return value;
}

function wikiId(value: unknown, column: string, required: boolean): string | null {
  const v = text(value, column, required);
  if (v !== null && !WIKI.test(v)) throw new BadValue(`${column} ${JSON.stringify(v)} is not a wiki id such as enwiki`);
  return v;
}

/** A non-negative integer (JSON number, Parquet int32/int64, or decimal text) as decimal text. */
function integer(value: unknown, column: string, required: boolean, min = 0): string | null {
  if (isAbsent(value)) {
    if (required) throw new BadValue(`${column} is missing`);
    return null;
  }
  // Most values are JS numbers well inside the range: no BigInt needed for those.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return String(value);
  let digits: string | null = null;
  if (typeof value === 'bigint') digits = value.toString();
  else if (typeof value === 'number' && Number.isSafeInteger(value)) digits = String(value);
  else if (typeof value === 'string' && /^[0-9]{1,19}$/.test(value)) digits = value.replace(/^0+(?=.)/, '');
  if (digits === null || BigInt(digits) < BigInt(min) || BigInt(digits) > 9223372036854775807n) {
    throw new BadValue(`${column} must be an integer${min > 0 ? ` of at least ${min}` : ''}, got ${JSON.stringify(String(value))}`);
  }
  return digits;
}

function smallInteger(value: unknown, column: string): number | null {
  const v = integer(value, column, false);
  if (v !== null && Number(v) > 2147483647) throw new BadValue(`${column} is out of range`);
  return v === null ? null : Number(v);
}

function finiteNumber(value: unknown, column: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new BadValue(`${column} must be a non-negative number, got ${JSON.stringify(value ?? null)}`);
  return n;
}

/** A CQL set literal ({'a', 'b'}, as cqlsh writes), a PostgreSQL array literal ({a,"b c"}) or a JSON array. */
export function parseTextList(literal: string): string[] | null {
  const s = literal.trim();
  if (s === '') return [];
  if (s.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(s);
      return Array.isArray(parsed) && parsed.every((x) => typeof x === 'string') ? parsed : null;
    } catch {
      return null;
    }
  }
  if (!s.startsWith('{') || !s.endsWith('}')) return null;
  const out: string[] = [];
  let i = 1;
  const end = s.length - 1;
  while (i < end) {
    while (i < end && (s[i] === ' ' || s[i] === ',')) i++;
    if (i >= end) break;
    const quote = s[i] === "'" || s[i] === '"' ? s[i] : null;
    let item = '';
    if (quote) {
      i++;
      for (;;) {
        if (i >= end) return null; // unterminated
        const c = s[i]!;
        if (quote === "'" && c === "'" && s[i + 1] === "'") {
          item += "'"; // cqlsh doubles a quote inside a quoted element
          i += 2;
        } else if (quote === '"' && c === '\\' && i + 1 < end) {
          item += s[i + 1];
          i += 2;
        } else if (c === quote) {
          i++;
          break;
        } else {
          item += c;
          i++;
        }
      }
    } else {
      while (i < end && s[i] !== ',') item += s[i++];
      item = item.trim();
    }
    out.push(item);
  }
  return out;
}

function textList(value: unknown, column: string): string[] {
  if (isAbsent(value)) return [];
  const list = Array.isArray(value) ? value : typeof value === 'string' ? parseTextList(value) : null;
  if (list === null || !list.every((x) => typeof x === 'string' && x.length > 0 && x.length <= MAX_TEXT)) {
    throw new BadValue(`${column} must be a list of text (JSON array or {'a','b'}), got ${JSON.stringify(value)}`);
  }
  return list as string[];
}

function fileName(value: unknown, column: string): string {
  const raw = text(value, column, true)!;
  const title = normalizeFileTitle(raw);
  if (title === null) throw new BadValue(`${column} ${JSON.stringify(raw)} is not a valid file name`);
  return title;
}

function bool(value: unknown, column: string): boolean | null {
  if (isAbsent(value)) return null;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new BadValue(`${column} must be true or false, got ${JSON.stringify(value)}`);
}

function mapCassandra(v: Record<string, unknown>): MappedRecord {
  const id = text(v.id, 'id', true)!;
  const micros = timeuuidMicros(id);
  if (micros === null) throw new BadValue(`id ${JSON.stringify(id)} is not a timeuuid (a version-1 UUID)`);
  const qid = text(v.page_qid, 'page_qid', false);
  if (qid !== null && !QID.test(qid)) throw new BadValue(`page_qid ${JSON.stringify(qid)} is not a Wikidata item id`);
  return {
    kind: 'row',
    timeMicros: micros,
    row: {
      datasetId: id.toLowerCase(),
      wiki: wikiId(v.wiki, 'wiki', true)!,
      pageId: integer(v.page_id, 'page_id', true, 1)!,
      image: fileName(v.image, 'image'),
      sectionIndex: smallInteger(v.section_index, 'section_index'),
      sectionHeading: text(v.section_heading, 'section_heading', false),
      pageTitle: null,
      confidence: finiteNumber(v.confidence, 'confidence'),
      kind: textList(v.kind, 'kind'),
      foundOn: textList(v.found_on, 'found_on'),
      originWiki: wikiId(v.origin_wiki, 'origin_wiki', false),
      pageRev: integer(v.page_rev, 'page_rev', false),
      pageQid: qid,
    },
  };
}

/** imagerec_prod's confidence_rating as a number for the Data Gateway's `confidence` (only the order matters). */
export const RATING_CONFIDENCE: Readonly<Record<string, number>> = { high: 0.9, medium: 0.5, low: 0.1 };

/** imagerec_prod's `source` as the Data Gateway's `kind`: the inverse of GrowthExperiments' KIND_TO_SOURCE. */
export const SOURCE_KIND: Readonly<Record<string, string>> = {
  wikipedia: 'istype-lead-image',
  wikidata: 'istype-wikidata-image',
  commons: 'istype-commons-category',
};

/** insertion_ts (epoch seconds, a double) or the snapshot partition (YYYY-MM or YYYY-MM-DD) as µs since the epoch. */
function imagerecTime(v: Record<string, unknown>): bigint | null {
  if (!isAbsent(v.insertion_ts)) {
    const seconds = finiteNumber(v.insertion_ts, 'insertion_ts');
    return BigInt(Math.round(seconds * 1e6));
  }
  if (isAbsent(v.snapshot)) return null;
  const snapshot = text(v.snapshot, 'snapshot', false)!;
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(snapshot);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] ?? 1)) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).getUTCMonth() !== Number(m[2]) - 1) throw new BadValue(`snapshot ${JSON.stringify(snapshot)} is not YYYY-MM or YYYY-MM-DD`);
  return BigInt(ms) * 1000n;
}

function mapImagerec(v: Record<string, unknown>): MappedRecord {
  const wiki = wikiId(v.wiki, 'wiki', true)!;
  const pageId = integer(v.page_id, 'page_id', true, 1)!;
  const datasetId = text(v.dataset_id, 'dataset_id', true)!;
  const timeMicros = imagerecTime(v);
  if (bool(v.is_article_page, 'is_article_page') === false) return { kind: 'skip', reason: 'not_article' };
  // The export writes pages the model found nothing for with an empty image_id, confidence_rating and source.
  if (isAbsent(v.image_id)) return { kind: 'skip', reason: 'without_suggestion' };
  const rating = text(v.confidence_rating, 'confidence_rating', true)!;
  const confidence = RATING_CONFIDENCE[rating];
  if (confidence === undefined) throw new BadValue(`confidence_rating ${JSON.stringify(rating)} is not high, medium or low`);
  const source = text(v.source, 'source', false);
  if (source !== null && SOURCE_KIND[source] === undefined) throw new BadValue(`source ${JSON.stringify(source)} is not wikipedia, wikidata or commons`);
  return {
    kind: 'row',
    timeMicros,
    row: {
      datasetId,
      wiki,
      pageId,
      image: fileName(v.image_id, 'image_id'),
      sectionIndex: null,
      sectionHeading: null,
      pageTitle: text(v.page_title, 'page_title', false),
      confidence,
      kind: source === null ? [] : [SOURCE_KIND[source]!],
      foundOn: [],
      originWiki: 'commonswiki',
      pageRev: null,
      pageQid: null,
    },
  };
}

/** Maps one record of a file of `shape`; a bad value gives the column and why. */
export function mapRecord(shape: DatasetShape, values: Record<string, unknown>): MappedRecord {
  try {
    return shape === 'cassandra' ? mapCassandra(values) : mapImagerec(values);
  } catch (err) {
    if (err instanceof BadValue) return { kind: 'bad', reason: err.message };
    throw err;
  }
}

/** A dataset time in µs as ISO text for a timestamptz parameter. */
export const datasetTimeIso = microsToIso;
