// Shared by the corpus tests: where the corpus lives, which articles it holds, and an independent oracle
// (plain regular expressions over the cleaned text) for the embeds the extractor must find.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';
import type { FileNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** CORPUS_DIR, or the shared corpus next to the repository; either the corpus root or its wikitext/. */
export const corpusDir = path.resolve(process.env.CORPUS_DIR ?? path.join(repoRoot, '..', 'shared', 'corpus'));

function wikitextDir(): string | null {
  const nested = path.join(corpusDir, 'wikitext');
  if (existsSync(nested)) return nested;
  return existsSync(corpusDir) ? corpusDir : null;
}

export const corpusAvailable = wikitextDir() !== null;

// The wtf_wikipedia cache the corpus comes from files these German and Afrikaans articles under enwiki.
// They are read with the namespace names of the wiki whose text they are; under enwiki names their
// `[[Datei:...]]` would correctly be plain links (see the test that says so).
const CONTENT_WIKI: Readonly<Record<string, string>> = {
  'enwiki/BBDO.txt': 'dewiki',
  'enwiki/Bazooka.txt': 'dewiki',
  'enwiki/HMS-Irresistible.txt': 'dewiki',
  'enwiki/Mozilla-Firefox.txt': 'dewiki',
  'enwiki/Sara-C.-Bisel.txt': 'dewiki',
  'enwiki/Wendy-Mogel.txt': 'dewiki',
  'enwiki/Mark-Behr.txt': 'afwiki',
};

export interface Article {
  /** `enwiki/toronto.txt` */
  id: string;
  /** The wiki whose namespace names apply to the text. */
  wiki: string;
  names: FileNamespaceNames;
  text: string;
}

/** Every article of the corpus, sorted by id; empty when the corpus is absent. */
export function loadArticles(): Article[] {
  const dir = wikitextDir();
  if (dir === null) return [];
  const articles: Article[] = [];
  for (const wikiDir of readdirSync(dir, { withFileTypes: true })) {
    if (!wikiDir.isDirectory()) continue;
    for (const file of readdirSync(path.join(dir, wikiDir.name)).sort()) {
      if (!file.endsWith('.txt')) continue;
      const id = `${wikiDir.name}/${file}`;
      const wiki = CONTENT_WIKI[id] ?? wikiDir.name;
      const text = readFileSync(path.join(dir, wikiDir.name, file), 'utf8');
      articles.push({ id, wiki, names: defaultNamespaceNames(wiki), text });
    }
  }
  return articles.sort((a, b) => a.id.localeCompare(b.id));
}

export function loadArticle(id: string): Article {
  const article = loadArticles().find((candidate) => candidate.id === id);
  if (article === undefined) throw new Error(`corpus article ${id} not found under ${corpusDir}`);
  return article;
}

// --- The oracle: deliberately simple and written without the library's code. ---

const EXTENSIONS = 'jpe?g|png|gif|svg|tiff?|webp|ogg|oga|ogv|webm|pdf|djvu|mp3|wav|flac|mid|stl|xcf|bmp';

function oracleName(raw: string): string {
  const spaced = raw.replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/[_\s]+/g, ' ').trim();
  const first = [...spaced][0] ?? '';
  return (first.toUpperCase() + spaced.slice(first.length)).replace(/ /g, '_');
}

function clean(text: string): string {
  return text
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/<(nowiki|pre|syntaxhighlight|source|math)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<nowiki\s*\/>/gi, '');
}

export interface OracleResult {
  links: string[];
  gallery: string[];
  params: string[];
  all: string[];
}

/** What a reader of the wikitext would list as embedded, by regular expressions on the cleaned text. */
export function oracle(text: string, names: FileNamespaceNames): OracleResult {
  const cleaned = clean(text);
  const isFilePrefix = (prefix: string): boolean =>
    names.file.some((name) => name.toLowerCase().replace(/_/g, ' ') === prefix.trim().toLowerCase().replace(/_/g, ' '));
  const links: string[] = [];
  for (const match of cleaned.matchAll(/\[\[ *([^[\]|\n:]+?) *: *([^[\]|\n{}#]+?) *(?:\||\]\])/g)) {
    if (isFilePrefix(match[1]!)) links.push(oracleName(match[2]!));
  }
  const gallery: string[] = [];
  for (const match of cleaned.matchAll(/<gallery[^>]*>([\s\S]*?)<\/gallery>/gi)) {
    for (const line of match[1]!.split('\n')) {
      const file = line.split('|')[0]!.trim();
      if (file === '') continue;
      const colon = file.indexOf(':');
      gallery.push(oracleName(colon >= 0 && isFilePrefix(file.slice(0, colon)) ? file.slice(colon + 1) : file));
    }
  }
  const params: string[] = [];
  const value = new RegExp(`\\|\\s*(?:[^=|\\n{}\\[\\]]+?=)?\\s*([^=|\\n{}\\[\\]<>:/]+?\\.(?:${EXTENSIONS}))\\s*(?=\\||\\}\\})`, 'gi');
  for (const match of cleaned.matchAll(value)) params.push(oracleName(match[1]!));
  const all = [...new Set([...links, ...gallery, ...params])].sort();
  return { links, gallery, params, all };
}
