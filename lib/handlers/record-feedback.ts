// `record_feedback`: records a user's decision on an image suggestion (either feedback stream) as a
// recommendation_status row, merged with what is stored by the precedence in lib/recommendations/status-precedence.ts.
import { Type } from '@sinclair/typebox';
import { PermanentError } from '../errors.ts';
import { normalizeFeedback, type FeedbackDecision } from '../recommendations/feedback.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    page_from: Type.String({
      default: 'resolve_page',
      'x-kind': 'step name',
      description: 'The step giving the page id when the event has none (the legacy Android stream)',
    }),
  },
  { additionalProperties: false },
);

const hasPage = (d: FeedbackDecision): d is FeedbackDecision & { pageId: number } => d.pageId !== null;

export const recordFeedbackHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'record_feedback',
  description: 'Records image-suggestion feedback (`mediawiki.image_suggestions_feedback` of every version, or the legacy Android stream after `resolve_page`) in `recommendation_status`, merged by the precedence of docs/state.md.',
  examples: [{ summary: 'Feedback that names its page', options: {} }],
  options: Options,
  create(options, env) {
    const { store } = env;
    return {
      async run(ctx) {
        const resolved = ctx.results[options.page_from] as { pageId?: unknown } | undefined;
        const pageId = typeof resolved?.pageId === 'number' ? resolved.pageId : null;
        const decision = normalizeFeedback(ctx.message, pageId, ctx.source.stream);
        if (!hasPage(decision)) {
          throw new PermanentError(`record_feedback: no page id (add a resolve_page step before record_feedback for ${decision.source})`);
        }
        await store.write({ feedback: decision });
        return { result: { wiki: decision.wiki, pageId: decision.pageId, image: decision.image, status: decision.status } };
      },
    };
  },
};
