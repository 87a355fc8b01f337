// The body of an extraction worker thread (see extraction-pool.ts): extracts images from each batch of texts it
// is sent and answers with one message holding the names of each, or the error message where extraction threw.
import { parentPort } from 'node:worker_threads';
import { extractImages } from './extract-images.ts';
import type { ExtractionReply, ExtractionRequest } from './extraction-pool.ts';
import type { FileNamespaceNames } from './siteinfo.ts';

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

function extractOne({ id, text, names }: ExtractionRequest): ExtractionReply {
  try {
    return { id, images: extractImages(text, interned(names)) };
  } catch (err) {
    return { id, error: err instanceof Error ? err.message : String(err) };
  }
}
