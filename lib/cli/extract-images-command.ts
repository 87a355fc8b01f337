// `imagematching-router extract-images --wiki WIKI FILE [--siteinfo FILE | --api URL] [--explain]`: prints the
// images a wikitext file embeds, to check the extractor against a real page by hand. The shell around lib/wikitext.
import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { MediaWikiSchema, type MediaWikiConfig } from '../config/schema.ts';
import { ActionApi } from '../mediawiki/action-api.ts';
import { explainImages, extractImages } from '../wikitext/extract-images.ts';
import {
  defaultNamespaceNames,
  hasBundledNamespaceNames,
  namespaceNamesFromSiteinfo,
  namespacesQuery,
  type FileNamespaceNames,
} from '../wikitext/siteinfo.ts';

export interface ExtractImagesOptions {
  wiki: string;
  /** Path of a wikitext file; `-` reads standard input. */
  file: string;
  explain?: boolean;
  /** A saved `meta=siteinfo&siprop=general|namespaces|namespacealiases` answer to take the namespace names from. */
  siteinfo?: string;
  /** An Action API address (`https://de.wikipedia.org/w/api.php`) to ask for that answer. */
  api?: string;
  /** User-Agent for `api`; the configuration's default when absent. */
  userAgent?: string;
}

export interface CommandOutput {
  out(line: string): void;
  err(line: string): void;
}

const consoleOutput: CommandOutput = {
  out: (line) => console.log(line),
  err: (line) => process.stderr.write(`${line}\n`),
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The wiki id a siteinfo answer names (`query.general.wikiid`), if any. */
function wikiIdOf(json: unknown): string | undefined {
  const query = (json as { query?: { general?: { wikiid?: unknown } } } | null)?.query;
  return typeof query?.general?.wikiid === 'string' ? query.general.wikiid : undefined;
}

/** Asks the Action API at `address` for its siteinfo with the router's client (User-Agent, timeout, maxlag). */
async function fetchSiteinfo(address: string, userAgent: string | undefined): Promise<Record<string, unknown>> {
  const url = new URL(address);
  const defaults = Value.Default(MediaWikiSchema, {}) as MediaWikiConfig;
  // The operator named this address on the command line: it is the one host allowed.
  const settings: MediaWikiConfig = { ...defaults, api_url: url.href, allowed_domains: [url.hostname], ...(userAgent ? { user_agent: userAgent } : {}) };
  const api = new ActionApi(url.hostname, settings);
  try {
    return await api.get(namespacesQuery());
  } finally {
    await api.close();
  }
}

/** The namespace names to extract with: from the siteinfo file or API when given, else the bundled ones (with a warning when there are none). */
async function namespaceNames(opts: ExtractImagesOptions, io: CommandOutput): Promise<FileNamespaceNames | null> {
  if (opts.siteinfo === undefined && opts.api === undefined) {
    if (!hasBundledNamespaceNames(opts.wiki)) {
      io.err(
        `extract-images: warning: ${opts.wiki} is not a wiki with bundled namespace names; only the canonical File:, Image: and Media: ` +
          'prefixes are recognised (give --siteinfo FILE or --api URL for its own names)',
      );
    }
    return defaultNamespaceNames(opts.wiki);
  }
  const source = opts.siteinfo ?? opts.api!;
  try {
    const json: unknown = opts.siteinfo !== undefined ? JSON.parse(await readFile(opts.siteinfo, 'utf8')) : await fetchSiteinfo(opts.api!, opts.userAgent);
    const names = namespaceNamesFromSiteinfo(json);
    const wikiId = wikiIdOf(json);
    if (wikiId !== undefined && wikiId !== opts.wiki) io.err(`extract-images: warning: the siteinfo from ${source} is for ${wikiId}, not ${opts.wiki}`);
    return names;
  } catch (error) {
    io.err(`extract-images: cannot read the namespace names from ${source}: ${reasonOf(error)}`);
    return null;
  }
}

/**
 * Returns the process exit code: 0; 1 (with a message on stderr) when the file or the siteinfo cannot be read;
 * 2 when both --siteinfo and --api are given.
 */
export async function extractImagesCommand(opts: ExtractImagesOptions, io: CommandOutput = consoleOutput): Promise<number> {
  if (opts.siteinfo !== undefined && opts.api !== undefined) {
    io.err('extract-images: give --siteinfo or --api, not both');
    return 2;
  }
  let wikitext: string;
  try {
    wikitext = opts.file === '-' ? await readStdin() : await readFile(opts.file, 'utf8');
  } catch (error) {
    io.err(`extract-images: cannot read ${opts.file === '-' ? 'stdin' : opts.file}: ${reasonOf(error)}`);
    return 1;
  }
  const names = await namespaceNames(opts, io);
  if (names === null) return 1;
  if (opts.explain === true) {
    const occurrences = explainImages(wikitext, names);
    const images = [...new Set(occurrences.map((occurrence) => occurrence.image))].sort();
    io.out(JSON.stringify({ images, occurrences }, null, 2));
  } else {
    io.out(JSON.stringify({ images: extractImages(wikitext, names) }));
  }
  return 0;
}
