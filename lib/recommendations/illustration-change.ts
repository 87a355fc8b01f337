// Whether a revision left its page illustrated, and whether it made it so: what page_image_state records and what
// decides the weighted-tag clears (a page that becomes illustrated leaves the "add an image" task). Two rules: "shows
// any image" (here), and the ImageMatching model's (icons do not count; lib/illustration decides it).
import type { PageImageChange } from './revision-rows.ts';

/** `illustrated.rule`: the model's rule (docs/state.md, "What counts as illustrated") or "the wikitext embeds a file". */
export type IllustrationRule = 'model' | 'any_image';

/** What made a page illustrated: a file that counts, or PageImages' page image. */
export type IllustrationSource = 'image' | 'page_image';

/** A revision's verdict as page_image_state keeps it. */
export interface PageIllustration {
  rule: IllustrationRule;
  illustrated: boolean;
  /** Null when not illustrated. */
  source: IllustrationSource | null;
  /** Images found to count (every image under any_image; under the model's rule look-ups stop at the first). */
  counted: string[];
}

/** A stored verdict; `rule` and `counted` are null on rows written before migration 007 (by the any-image rule). */
export interface StoredIllustration {
  rule: IllustrationRule | null;
  illustrated: boolean;
  source: IllustrationSource | null;
  counted: string[] | null;
  /** The stored revision made the page a redirect: never illustrated, and judged without a look. */
  redirect: boolean;
}

export interface IllustrationChange {
  /** The page is illustrated after the revision (a redirect never is). Null when the revision is unavailable. */
  illustrated: boolean | null;
  /** It was before (false for a creation); null when the parent is unknown. */
  wasIllustrated: boolean | null;
  /** The revision made an unillustrated page illustrated. Never true for a page whose image was merely kept. */
  becameIllustrated: boolean;
}

/** The any-image verdict of a revision's images (null when they are unavailable). */
export function anyImagePageIllustration(change: Pick<PageImageChange, 'images' | 'isRedirect'>): PageIllustration | null {
  if (change.images === null) return null;
  const counted = change.isRedirect ? [] : [...change.images];
  return { rule: 'any_image', illustrated: counted.length > 0, source: counted.length > 0 ? 'image' : null, counted };
}

/**
 * Whether the parent was illustrated: false for a creation, null when its images are unknown, else what the stored
 * state says when it is the parent's (whatever rule wrote it: what the router's state said), else `parentByRule`.
 */
export function wasIllustrated<T = boolean>(change: PageImageChange, parentByRule: () => T): boolean | null | T {
  if (change.parentRevId === null) return false;
  if (!change.parentKnown) return null;
  if (change.parentIllustration) return change.parentIllustration.illustrated;
  return parentByRule();
}

/** The parent's images: this revision's `images`, without what it added, with what it removed. */
export function parentImages(images: readonly string[], diff: Pick<PageImageChange, 'added' | 'removed'>): string[] {
  const added = new Set(diff.added);
  return [...images.filter((image) => !added.has(image)), ...diff.removed];
}

export function illustrationChange(illustrated: boolean | null, was: boolean | null): IllustrationChange {
  return { illustrated, wasIllustrated: was, becameIllustrated: illustrated === true && was === false };
}

export function anyImageIllustration(change: PageImageChange): IllustrationChange {
  const verdict = anyImagePageIllustration(change);
  if (verdict === null) return illustrationChange(null, null);
  const images = change.images!;
  return illustrationChange(verdict.illustrated, wasIllustrated(change, () => parentImages(images, change).length > 0));
}
