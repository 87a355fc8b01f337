// `record_page_images`: writes a revision's image diff to PostgreSQL (page_image_state forward-only,
// image_change, applied/removed statuses), batched with concurrent events into one transaction.
//
// An unavailable revision is recorded in unprocessable_event and ends the chain: there is nothing to derive. So do
// a revision whose parent is unavailable (its image set is recorded, no change is claimed) and one that turned the
// page into a redirect; each counts as skipped with its reason.
// The page is recorded with judge_illustration's verdict when that step ran (else the any-image verdict), and the
// result's illustrated / wasIllustrated / becameIllustrated follow it.
// `stop_when_unchanged` ends the chain after recording when neither the image set nor the verdict changed, so a
// following `produce` step emits only real changes while every revision still moves the stored state forward
// (which is what lets the next event skip fetching its parent).
import { Type } from '@sinclair/typebox';
import { PermanentError } from '../errors.ts';
import { revisionRows, type PageImageChange } from '../recommendations/revision-rows.ts';
import type { HandlerDefinition } from './types.ts';
import type { SkipReason } from '../engine/observer.ts';
import { anyImageIllustration, type IllustrationChange } from '../recommendations/illustration-change.ts';
import { pageIllustration, type RevisionVerdict } from '../illustration/revision-verdict.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    from: Type.String({ default: 'image_diff', 'x-kind': 'step name', description: 'The step whose result is the diff' }),
    illustration: Type.String({
      default: 'judge_illustration',
      'x-kind': 'step name',
      description: 'The step whose result is the illustration verdict to record; when it did not run, the any-image verdict',
    }),
    stop_when_unchanged: Type.Boolean({ default: false, description: 'End the chain after recording when no image was added or removed and the verdict did not change' }),
  },
  { additionalProperties: false },
);

/**
 * Why a revision's diff was not applied, if it was not: its text is unavailable (only an unprocessable_event row),
 * its parent's is (the image set is recorded, no change claimed), or it made the page a redirect.
 */
function skipReason(change: PageImageChange): SkipReason | undefined {
  if (change.images === null) return change.unavailable ?? 'revision_missing';
  if (change.isRedirect) return 'redirect';
  if (!change.parentKnown) return 'parent_unavailable';
  return undefined;
}

export const recordPageImagesHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'record_page_images',
  description: 'Writes the diff to `page_image_state` (forward-only), `image_change` and `recommendation_status`, batched with concurrent events into one transaction.',
  details: `An unavailable revision is recorded in \`unprocessable_event\` and ends the chain; so does a revision whose parent
is unavailable (its image set is recorded, no change claimed) or that made the page a redirect. Each of those counts as
skipped, with its reason. The page is recorded with the verdict of the step named by \`illustration\` (\`judge_illustration\`:
\`illustrated\`, \`counted_images\`, \`illustration_source\`, \`illustration_rule\`), or when that step did not run with the
any-image verdict. The result (\`results.record_page_images\`) says whether the page is \`illustrated\` after the revision,
\`wasIllustrated\` before it, and \`becameIllustrated\` (the edit made an unillustrated page illustrated: what a weighted-tag
clear needs; a kept image never makes it true), with the verdict's \`source\`, \`countedImages\` and \`rule\`. With
\`stop_when_unchanged\` a revision whose images did not change still goes on when its verdict differs from the stored
one (e.g. a page first judged by the model's rule after it was recorded by the any-image rule).`,
  examples: [{ summary: 'Record every revision, and let only changes go on to a produce step', options: { stop_when_unchanged: true } }],
  options: Options,
  create(options, env) {
    const { store } = env;
    return {
      async run(ctx) {
        const change = ctx.results[options.from] as PageImageChange | undefined;
        if (!change || typeof change !== 'object' || !('revId' in change)) {
          throw new PermanentError(`record_page_images: no result of step "${options.from}" (put image_diff before it)`);
        }
        const verdict = ctx.results[options.illustration] as RevisionVerdict | undefined;
        const judged = verdict !== undefined && typeof verdict === 'object' && 'how' in verdict ? verdict : undefined;
        const illustration = judged ? pageIllustration(judged) : null;
        const rows = revisionRows(change, illustration ?? undefined);
        await store.write({ revision: rows });
        const page = rows.page;
        const changeOf: IllustrationChange = judged ?? anyImageIllustration(change);
        const result = {
          changes: rows.changes.length,
          statuses: rows.statuses.length,
          unavailable: change.unavailable,
          illustrated: changeOf.illustrated,
          wasIllustrated: changeOf.wasIllustrated,
          becameIllustrated: changeOf.becameIllustrated,
          source: page?.illustrationSource ?? null,
          countedImages: page?.countedImages ?? [],
          rule: page?.illustrationRule ?? judged?.rule ?? 'any_image',
        };
        const skipped = skipReason(change);
        const verdictChanged = changeOf.illustrated !== null && changeOf.wasIllustrated !== null && changeOf.illustrated !== changeOf.wasIllustrated;
        const stop = skipped !== undefined || (options.stop_when_unchanged && !change.changed && !verdictChanged);
        return { result, ...(stop ? { stop: true } : {}), ...(skipped === undefined ? {} : { skipped }) };
      },
    };
  },
};
