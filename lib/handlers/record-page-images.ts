// `record_page_images`: writes a revision's image diff to PostgreSQL (page_image_state forward-only,
// image_change, applied/removed statuses), batched with concurrent events into one transaction.
//
// An unavailable revision is recorded in unprocessable_event and ends the chain: there is nothing to derive.
// `stop_when_unchanged` ends the chain after recording when the image set did not change, so a following
// `produce` step emits only real changes while every revision still moves the stored state forward
// (which is what lets the next event skip fetching its parent).
import { Type } from '@sinclair/typebox';
import { PermanentError } from '../errors.ts';
import { storeFor } from '../store/recommendations.ts';
import { revisionRows, type PageImageChange } from '../store/revision-rows.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    from: Type.String({ default: 'image_diff', description: 'Name of the step whose result is the image diff' }),
    stop_when_unchanged: Type.Boolean({ default: false, description: 'End the chain (successfully) after recording when no image was added or removed' }),
  },
  { additionalProperties: false },
);

export const recordPageImagesHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'record_page_images',
  description: 'Record the image diff of a revision in page_image_state, image_change and recommendation_status.',
  options: Options,
  create(options, env) {
    if (!env.pool) throw new Error('record_page_images needs a database (database.url)');
    const store = storeFor(env.pool, undefined, env.io);
    return {
      async run(ctx) {
        const change = ctx.results[options.from] as PageImageChange | undefined;
        if (!change || typeof change !== 'object' || !('revId' in change)) {
          throw new PermanentError(`record_page_images: no result of step "${options.from}" (put image_diff before it)`);
        }
        const rows = revisionRows(change);
        await store.write({ revision: rows });
        const result = { changes: rows.changes.length, statuses: rows.statuses.length, unavailable: change.unavailable };
        const stop = change.images === null || (options.stop_when_unchanged && !change.changed);
        return { result, ...(stop ? { stop: true } : {}) };
      },
    };
  },
};
