// Whether a revision left its page illustrated, and whether it made it so: what decides the weighted-tag clears
// (a page that becomes illustrated leaves the "add an image" task). The rule here is "shows any image"; the model's
// rule (icons do not count) refines it where configured.
import type { PageImageChange } from './revision-rows.ts';

export interface IllustrationChange {
  /** The page shows an image after the revision (a redirect shows none). Null when the revision is unavailable. */
  illustrated: boolean | null;
  /** It showed one before (false for a creation); null when the parent is unknown. */
  wasIllustrated: boolean | null;
  /** The revision made an unillustrated page illustrated. Never true for a page whose image was merely kept. */
  becameIllustrated: boolean;
}

export function anyImageIllustration(change: PageImageChange): IllustrationChange {
  if (change.images === null) return { illustrated: null, wasIllustrated: null, becameIllustrated: false };
  const illustrated = !change.isRedirect && change.images.length > 0;
  let wasIllustrated: boolean | null;
  if (change.parentRevId === null) wasIllustrated = false;
  else if (!change.parentKnown) wasIllustrated = null;
  // The parent's images are this revision's, without what it added, with what it removed.
  else wasIllustrated = change.images.length - change.added.length + change.removed.length > 0;
  return { illustrated, wasIllustrated, becameIllustrated: illustrated && wasIllustrated === false };
}
