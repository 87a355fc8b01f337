// `imagematching-router extract-images --wiki WIKI FILE [--explain]`: prints the images a wikitext file
// embeds, to check the extractor against a real page by hand. The shell around the pure lib/wikitext core.
import { readFile } from 'node:fs/promises';
import { explainImages, extractImages } from '../wikitext/extract-images.ts';
import { defaultNamespaceNames } from '../wikitext/siteinfo.ts';

export interface ExtractImagesOptions {
  wiki: string;
  /** Path of a wikitext file; `-` reads standard input. */
  file: string;
  explain?: boolean;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Returns the process exit code: 0, or 1 (with a message on stderr) when the file cannot be read. */
export async function extractImagesCommand(
  opts: ExtractImagesOptions,
  out: (line: string) => void = console.log,
): Promise<number> {
  let wikitext: string;
  try {
    wikitext = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`extract-images: cannot read ${opts.file === '-' ? 'stdin' : opts.file}: ${reason}\n`);
    return 1;
  }
  // Bundled names keep this offline; a wiki not bundled still gets the canonical File:/Image: prefixes.
  const names = defaultNamespaceNames(opts.wiki);
  if (opts.explain === true) {
    const occurrences = explainImages(wikitext, names);
    const images = [...new Set(occurrences.map((occurrence) => occurrence.image))].sort();
    out(JSON.stringify({ images, occurrences }, null, 2));
  } else {
    out(JSON.stringify({ images: extractImages(wikitext, names) }));
  }
  return 0;
}
