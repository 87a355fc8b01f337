// What an edit did to a page's embedded images: the set difference between the parent revision's images
// and the new revision's. Order and repetition of embeds do not matter, so moving an image is no change.

export interface ImageDiff {
  added: string[];
  removed: string[];
  unchanged: number;
}

/** `parent` null means the page was created: every image is added. Outputs are sorted and unique. */
export function diffImages(parent: readonly string[] | null, current: readonly string[]): ImageDiff {
  const before = new Set(parent ?? []);
  const after = new Set(current);
  const added = [...after].filter((image) => !before.has(image)).sort();
  const removed = [...before].filter((image) => !after.has(image)).sort();
  return { added, removed, unchanged: after.size - added.length };
}
