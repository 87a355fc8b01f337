// Reads a revisions answer straight to image lists: decode, classify, parse and extract in one pure call, so
// an extraction thread can take the answer's bytes and hand back a few file names per revision instead of
// texts of up to a few hundred kilobytes each (fetch_revisions with `images: true`, docs/design-decisions.md).
import { extractImages } from '../wikitext/extract-images.ts';
import type { FileNamespaceNames } from '../wikitext/siteinfo.ts';
import { interpretApiAnswer, type ApiAnswerBytes, type ApiOutcome } from './api-response.ts';
import { parseRevisions, type RevisionLookup } from './revisions.ts';

type FoundRevision = Extract<RevisionLookup, { kind: 'found' }>;

/** A revision lookup with the images of the text in place of the text. */
export type RevisionImagesLookup =
  | Exclude<RevisionLookup, { kind: 'found' }>
  | (Omit<FoundRevision, 'text'> & { images: string[] })
  /** Extraction threw on this text (a bug, never seen on the corpus or in fuzzing): fails its event alone. */
  | { kind: 'failed'; revId: number; message: string };

/** What an answer held: lookups in request order, or why the request failed (as interpretApiResponse says). */
export type RevisionImagesOutcome = { kind: 'ok'; lookups: RevisionImagesLookup[] } | Exclude<ApiOutcome, { kind: 'ok' }>;

/** The part of a raw answer the reader needs (what crosses to an extraction thread). */
export type RevisionsAnswer = ApiAnswerBytes;

function withImages(lookup: RevisionLookup, names: FileNamespaceNames): RevisionImagesLookup {
  if (lookup.kind !== 'found') return lookup;
  const { text, ...rest } = lookup;
  try {
    return { ...rest, images: extractImages(text, names) };
  } catch (err) {
    return { kind: 'failed', revId: lookup.revId, message: `image extraction failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** One lookup per id of `requested`, images extracted with `names`; or the failure the answer stands for. */
export function readRevisionImages(answer: RevisionsAnswer, requested: readonly number[], names: FileNamespaceNames): RevisionImagesOutcome {
  const outcome = interpretApiAnswer(answer);
  if (outcome.kind !== 'ok') return outcome;
  return { kind: 'ok', lookups: parseRevisions(outcome.json, requested).map((lookup) => withImages(lookup, names)) };
}
