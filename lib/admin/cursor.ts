// The opaque keyset cursor of /v1/recommendations: the (updated_at, wiki, page_id, image) of the last row
// returned, as base64url JSON. Timestamps keep PostgreSQL's microseconds so no row is skipped or repeated.
export interface RecommendationCursor {
  /** updated_at in UTC with microseconds, e.g. 2024-05-01T12:00:00.123456Z (as the query formats it). */
  updatedAt: string;
  wiki: string;
  /** bigint as a decimal string, as pg returns it. */
  pageId: string;
  image: string;
}

const VERSION = 1;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const PAGE_ID = /^[0-9]{1,19}$/;
const MAX_CURSOR_LENGTH = 2048;

export function encodeCursor(cursor: RecommendationCursor): string {
  return Buffer.from(JSON.stringify([VERSION, cursor.updatedAt, cursor.wiki, cursor.pageId, cursor.image]), 'utf8').toString('base64url');
}

/** The JSON value an opaque cursor holds, or undefined when the text is not base64url JSON of at most `maxLength`. */
export function decodeOpaqueJson(text: string, maxLength: number): unknown {
  if (text.length === 0 || text.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The cursor, or null when the text is not one this server issued (wrong shape, version or field types). */
export function decodeCursor(text: string): RecommendationCursor | null {
  const parsed = decodeOpaqueJson(text, MAX_CURSOR_LENGTH);
  if (!Array.isArray(parsed) || parsed.length !== 5 || parsed[0] !== VERSION) return null;
  const [, updatedAt, wiki, pageId, image] = parsed as unknown[];
  if (typeof updatedAt !== 'string' || !TIMESTAMP.test(updatedAt) || Number.isNaN(Date.parse(updatedAt))) return null;
  if (typeof wiki !== 'string' || wiki.length === 0 || typeof image !== 'string' || image.length === 0) return null;
  if (typeof pageId !== 'string' || !PAGE_ID.test(pageId)) return null;
  return { updatedAt, wiki, pageId, image };
}
