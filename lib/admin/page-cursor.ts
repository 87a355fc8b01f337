// The opaque keyset cursor of GET /v1/suggestions/:wiki: the wiki and the last page id returned, as base64url JSON.
// Bound to its wiki, so a cursor of one wiki given for another is refused rather than silently skipping pages.

import { decodeOpaqueJson } from './cursor.ts';

export interface PageCursor {
  wiki: string;
  /** bigint as decimal text. */
  pageId: string;
}

const TAG = 'suggestible-pages/1';
const PAGE_ID = /^[1-9][0-9]{0,18}$/;

export function encodePageCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify([TAG, cursor.wiki, cursor.pageId]), 'utf8').toString('base64url');
}

/** The cursor, or null when the text is not one this server issued. */
export function decodePageCursor(text: string): PageCursor | null {
  const parsed = decodeOpaqueJson(text, 512);
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== TAG) return null;
  const [, wiki, pageId] = parsed as unknown[];
  if (typeof wiki !== 'string' || typeof pageId !== 'string' || !PAGE_ID.test(pageId)) return null;
  return { wiki, pageId };
}
