// `judge_illustration`: whether a revision leaves its page illustrated under `illustrated.rule`, and whether it made
// it so (lib/illustration/revision-verdict.ts): what record_page_images records and what the weighted-tag clears follow.
//
// Under the model's rule it asks the wiki's Action API only what can change the answer (file usage counts, the
// article count, PageImages' props), through the router's one IllustrationJudge; failures reject, so the event is
// retried, never guessed. Props of a revision younger than `illustrated.settle_ms` are asked again after the rest of
// that time, through the engine's retry. Under `any_image` it asks nothing.
import { Type } from '@sinclair/typebox';
import { PermanentError } from '../errors.ts';
import type { PageImageChange } from '../recommendations/revision-rows.ts';
import { revisionVerdict, type VerdictSettings } from '../illustration/revision-verdict.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    from: Type.String({ default: 'image_diff', 'x-kind': 'step name', description: 'The step whose result is the diff' }),
  },
  { additionalProperties: false },
);

export const judgeIllustrationHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'judge_illustration',
  description: "Decides whether the revision leaves its page illustrated, by `illustrated.rule` (the ImageMatching model's rule or any image), and whether it made it so.",
  details: `Result (\`results.judge_illustration\`): \`rule\`, \`illustrated\` (null for an unavailable revision), \`source\`
(\`image\`: a file that counts; \`page_image\`: PageImages' page image; null), \`counted\` (images found to count; look-ups stop at
the first), \`icons\` (icons met), \`wasIllustrated\`, \`becameIllustrated\` and \`how\` (\`judged\`, \`carried\`: the parent's
stored verdict still holds, \`any_image\`, \`redirect\`, \`unavailable\`). Put it after \`image_diff\` and before
\`record_page_images\`, which records it and reports it.

Under \`rule: model\` a file linked from more than threshold(articles) articles is an icon and does not count; where no
file counts, PageImages' props of the page decide (\`illustrated.page_images\`). Look-ups go to the wiki's Action API
(\`prop=fileusage\` for up to 50 files, \`meta=siteinfo\` statistics once a day, \`prop=pageprops\` for up to 50 pages), cached
and shared by concurrent events; none when the parent's stored verdict still holds (same images, or an image it counted
still there). A failed look-up fails the step as retriable. Props of a revision younger than \`illustrated.settle_ms\`, or of
an older one than the API's, are asked again later through the rule's retry (docs/state.md#what-counts-as-illustrated).`,
  examples: [{ summary: "Judge image_diff's revision by the configured rule", options: {} }],
  options: Options,
  create(options, env) {
    const settings: VerdictSettings = {
      rule: env.config.illustrated.rule,
      pageImages: env.config.illustrated.page_images,
      settleMs: env.config.illustrated.settle_ms,
    };
    return {
      async run(ctx) {
        const change = ctx.results[options.from] as PageImageChange | undefined;
        if (!change || typeof change !== 'object' || !('revId' in change)) {
          throw new PermanentError(`judge_illustration: no result of step "${options.from}" (put image_diff before it)`);
        }
        return { result: await revisionVerdict(change, settings, env.illustration) };
      },
    };
  },
};
