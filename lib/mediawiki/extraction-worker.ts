// The body of an extraction worker thread (see extraction-pool.ts): extracts images from each batch of texts and
// revisions answers it is sent and answers with one message holding the names of each text, the lookups of each
// answer, or the error message where extraction threw.
import { parentPort } from 'node:worker_threads';
import { readRevisionImages } from './revision-images.ts';
import { extractImages } from '../wikitext/extract-images.ts';
import type { ExtractionReply, ExtractionRequest } from './extraction-pool.ts';
import type { FileNamespaceNames } from '../wikitext/siteinfo.ts';

parentPort!.on('message', (batch: ExtractionRequest[]) => {
  parentPort!.postMessage(batch.map(extractOne));
});

// Names arrive as a new object with every text; the extractor caches per names object, so reuse the first copy.
const internedNames = new Map<string, FileNamespaceNames>();

function interned(names: FileNamespaceNames): FileNamespaceNames {
  const key = JSON.stringify(names);
  let known = internedNames.get(key);
  if (known === undefined) internedNames.set(key, (known = names));
  return known;
}

function extractOne(request: ExtractionRequest): ExtractionReply {
  const { id, names } = request;
  try {
    if ('answer' in request) return { id, outcome: readRevisionImages(request.answer, request.requested, interned(names)) };
    return { id, images: extractImages(request.text, interned(names)) };
  } catch (err) {
    return { id, error: err instanceof Error ? err.message : String(err), errorName: err instanceof Error ? err.name : 'Error' };
  }
}
