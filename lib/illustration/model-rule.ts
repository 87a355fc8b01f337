// What "illustrated" means to the ImageMatching model: a file linked from more than threshold(n) articles is an icon,
// and a page is illustrated by any other file it links, or by a PageImages page image. Pure, ported from the model.
//
// Source: algorithm_v3.py of https://github.com/mirrys/ImageMatching (branch instrument-data-pipeline, last commit
// 38219ea6f867f78d1c21bc131517ee6214a15e00, 2021-10-06; the same code as algorithm.ipynb on the default branch):
// - get_threshold(wiki_size) and the wiki size: COUNT(*) of namespace-0 pages that are not redirects;
// - `allowed_images` (despite the name, the icons): imagelinks targets linked from namespace 0 more than
//   threshold times (HAVING COUNT(il_to) > val), leaving out names with `"` or `,`, which so are never icons;
// - `image_pageids`: pages with any imagelinks row to a non-icon; `pageimage_pageids`: pages with a `page_image`
//   or `page_image_free` page prop. A page in neither is unillustrated and gets suggestions.
// - the placeholder substrings (`image_language_checks` / `select_image_language_udf`) and the `flag` test on
//   Wikidata images filter the *candidates* the model suggests, not the page test: see isUnsuggestableName.

/** Files linked from more namespace-0 pages than this are icons (get_threshold). Not rounded: compare with `>`. */
export function iconThreshold(articleCount: number): number {
  const size = 50_000;
  const base = 15;
  const limit = 4;
  if (articleCount >= size) {
    // Python's math.log(x, 10) is log(x) / log(10); Math.log10 differs in the last bit (60 against 59.99... at 50 M).
    return (Math.log(articleCount / size) / Math.log(10) + 1) * base;
  }
  return Math.max((articleCount / size) * base, base / limit);
}

/** The smallest usage count that makes an icon under `threshold`: enough rows to ask for before stopping. */
export function smallestIconCount(threshold: number): number {
  return Math.floor(threshold) + 1;
}

/** Whether `name` (DB key) can be an icon at all: the model's icon query leaves out names with `"` or `,`. */
export function canBeIcon(name: string): boolean {
  return !name.includes('"') && !name.includes(',');
}

// The model's list, verbatim (duplicate and all). It is matched against the lower-cased name, so `imageNA` never
// matches anything: ported as it behaves.
export const UNSUGGESTABLE_SUBSTRINGS: readonly string[] = [
  '.svg', 'flag', 'noantimage', 'no_free_image', 'image_manquante', 'replace_this_image', 'disambig', 'regions',
  'map', 'map', 'default', 'defaut', 'falta_imagem_', 'imageNA', 'noimage', 'noenzyimage',
];

/**
 * Whether the model never suggests a file by this name (DB key): its name check on candidates taken from other
 * wikis' page images (placeholders, flags, maps, disambiguation icons, every SVG). A Wikidata image is dropped for
 * `flag` alone, which this covers too; Commons-category candidates are filtered by a category list, not by name.
 * It says nothing about whether the file illustrates a page: that is the icon rule's job.
 */
export function isUnsuggestableName(name: string): boolean {
  const lower = name.toLowerCase();
  return UNSUGGESTABLE_SUBSTRINGS.some((part) => lower.includes(part));
}

/** How many namespace-0 pages link a file: exactly `count` when `complete`, else at least `count`. */
export interface UsageCount {
  count: number;
  complete: boolean;
}

/** What a file is to the model: it counts (illustrates), it is an icon, or its usage is not known well enough. */
export type ImageStatus = 'counts' | 'icon' | 'unknown';

export function imageStatus(name: string, usage: UsageCount | undefined, threshold: number): ImageStatus {
  if (!canBeIcon(name)) return 'counts';
  if (usage === undefined) return 'unknown';
  if (usage.count > threshold) return 'icon';
  return usage.complete ? 'counts' : 'unknown';
}

export interface ImagesVerdict {
  /** true: a known non-icon; false: every image is a known icon, or there is none; null: look-ups decide. */
  illustrated: boolean | null;
  /** Images known to count, in page order. Not necessarily all that do: look-ups stop at the first. */
  counted: string[];
  icons: string[];
  unknown: string[];
  /** The usage look-ups that could still change the answer: `unknown` while undecided, else none. */
  lookups: string[];
}

/** Judges a page's images (DB keys) from the usage counts known so far. */
export function judgeImages(images: readonly string[], usageOf: (name: string) => UsageCount | undefined, threshold: number): ImagesVerdict {
  const counted: string[] = [];
  const icons: string[] = [];
  const unknown: string[] = [];
  for (const name of new Set(images)) {
    const status = imageStatus(name, usageOf(name), threshold);
    (status === 'counts' ? counted : status === 'icon' ? icons : unknown).push(name);
  }
  const illustrated = counted.length > 0 ? true : unknown.length === 0 ? false : null;
  return { illustrated, counted, icons, unknown, lookups: illustrated === null ? unknown : [] };
}

/** PageImages' page props of a page (`page_image`: its best image, `page_image_free`: its best free one). */
export interface PageImageProps {
  pageImage: string | null;
  pageImageFree: string | null;
}

/** The model's second test: PageImages chose an image for the page (either prop, whatever the file). */
export function hasPageImage(props: PageImageProps): boolean {
  return props.pageImage !== null || props.pageImageFree !== null;
}
