// `image_diff`: the images of the revision and of its parent (extractImages with the wiki's namespace
// names, or the lists fetch_revisions extracted with `images: true`), what the edit added and removed, and
// whether it came from the Android "add image" task.
//
// Reverts need no special case: a rollback that drops an image yields it in `removed`, as any edit would.
// `stop_when_unchanged` ends the chain for revisions whose image set did not change, so a following
// `produce` step only emits real changes (put it on record_page_images instead when state must be kept).
import { Type } from '@sinclair/typebox';
import { PermanentError } from '../errors.ts';
import { suggestionTag } from '../mediawiki/revision-event.ts';
import { inThreadExtractor, type ImageExtractor } from '../mediawiki/extraction-pool.ts';
import { diffImages } from '../wikitext/image-diff.ts';
import type { FileNamespaceNames } from '../wikitext/siteinfo.ts';
import type { PageImageChange } from '../recommendations/revision-rows.ts';
import type { FetchedRevisions } from './fetch-revisions.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';
import { NamespacesOption, namespaceNamesFor } from './namespace-names.ts';

const Options = Type.Object(
  {
    from: Type.String({ default: 'fetch_revisions', 'x-kind': 'step name', description: 'The step whose result holds the texts or image lists' }),
    namespaces: NamespacesOption,
    stop_when_unchanged: Type.Boolean({ default: false, description: 'End the chain (successfully) when no image was added or removed' }),
  },
  { additionalProperties: false },
);

/** The diff of one fetched revision pair; pure but for where `extractor` runs, so edit pairs are tested without HTTP. */
export async function diffRevision(fetched: FetchedRevisions, names: FileNamespaceNames, extractor: ImageExtractor = inThreadExtractor): Promise<PageImageChange> {
  let parentImages: Promise<string[] | null | undefined> | string[] | null | undefined;
  if (fetched.parentRevId === null || fetched.isRedirect) parentImages = null; // a creation: everything is added
  else if (fetched.parentImages !== undefined) parentImages = fetched.parentImages;
  else if (typeof fetched.parentText === 'string') parentImages = extractor.extract(fetched.parentText, names);
  else parentImages = undefined; // the parent's text is hidden or missing: its images are unknown
  let ownImages: Promise<string[]> | string[] | null;
  if (fetched.images !== undefined) ownImages = fetched.images; // fetched as images
  else ownImages = fetched.text === null ? null : extractor.extract(fetched.text, names);
  const [images, parent] = await Promise.all([ownImages, parentImages]);
  const parentKnown = parent !== undefined;
  // A page turned into a redirect loses no image editorially (the article went elsewhere): no diff is claimed.
  const diff = images !== null && parentKnown && !fetched.isRedirect ? diffImages(parent ?? null, images) : { added: [], removed: [] };
  const tag = suggestionTag(fetched.comment);
  return {
    wiki: fetched.wiki,
    domain: fetched.domain,
    pageId: fetched.pageId,
    title: fetched.title,
    revId: fetched.revId,
    parentRevId: fetched.parentRevId,
    revTimestamp: fetched.revTimestamp,
    dt: fetched.revTimestamp ?? new Date(fetched.eventTime).toISOString(),
    images: images === null ? null : [...new Set(images)].sort(),
    parentKnown,
    ...(parentKnown && fetched.parentIllustration ? { parentIllustration: fetched.parentIllustration } : {}),
    added: diff.added,
    removed: diff.removed,
    changed: diff.added.length + diff.removed.length > 0,
    bySuggestion: tag !== null,
    suggestionTag: tag,
    isRevert: fetched.isRevert,
    isRedirect: fetched.isRedirect,
    stream: fetched.stream,
    unavailable: fetched.unavailable,
    eventId: fetched.eventId,
    eventTime: fetched.eventTime,
  };
}

export const imageDiffHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'image_diff',
  description: 'Images of the revision and of its parent, which were added and removed, the current set, and whether the edit summary carries an Android add-image tag.',
  details: `Result: \`results.image_diff\` (docs/state.md). When \`fetch_revisions\` ran with \`images: true\`, its image lists are
used as they are (its \`namespaces\` option applies). Reverts need no special case: a rollback that drops an image
reports it removed, as any edit would.`,
  examples: [{ summary: "Diff with each wiki's live namespace names", options: { namespaces: 'siteinfo' } }],
  options: Options,
  create(options, env) {
    return {
      async run(ctx) {
        const fetched = ctx.results[options.from] as FetchedRevisions | undefined;
        if (!fetched || typeof fetched !== 'object' || !('revId' in fetched)) {
          throw new PermanentError(`image_diff: no result of step "${options.from}" (put fetch_revisions before image_diff)`);
        }
        const names = await namespaceNamesFor(options.namespaces, env.mediawiki, fetched, ctx);
        const change = await diffRevision(fetched, names, env.extractor);
        return { result: change, ...(options.stop_when_unchanged && !change.changed ? { stop: true } : {}) };
      },
    };
  },
};
