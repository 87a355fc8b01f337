// `fetch_revisions`: loads the wikitext of an event's revision and of its parent from the Action API,
// batched with concurrent events of the same wiki. Skips what is already known: the new text when the event
// carries it (page_content_change), the parent when the stored page state is that very revision.
//
// Unavailable text (unknown id, revision-deleted or suppressed) is a result, not an error: the revision
// cannot become available by retrying, and dead-lettering routine rev-deletions would bury real failures.
// Later steps see `unavailable` and record the revision in `unprocessable_event` instead of its images.
import { Type } from '@sinclair/typebox';
import { TransientError } from '../errors.ts';
import { acquireGateway } from '../mediawiki/client.ts';
import { apiUrlFor } from '../mediawiki/action-api.ts';
import { readRevisionEvent, type RevisionEventFields } from '../mediawiki/revision-event.ts';
import type { RevisionLookup } from '../mediawiki/revisions.ts';
import { storeFor } from '../store/recommendations.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    use_stored_parent: Type.Boolean({
      default: true,
      description: 'Take the parent image set from page_image_state when the stored revision is the parent (saves one fetch)',
    }),
  },
  { additionalProperties: false },
);

export type Unavailable = 'revision_missing' | 'revision_hidden';

/** The event's fields, plus the texts (or why they are unavailable). */
export interface FetchedRevisions extends Omit<RevisionEventFields, 'text'> {
  /** The revision's wikitext; null when unavailable. */
  text: string | null;
  /** The parent's wikitext; null when unavailable or the page was created; undefined when not fetched. */
  parentText: string | null | undefined;
  /** The parent's images from stored state, when that made fetching the parent unnecessary. */
  parentImages?: string[];
  unavailable: Unavailable | null;
  parentUnavailable: Unavailable | null;
}

function textOf(lookup: RevisionLookup, domain: string): { text: string | null; unavailable: Unavailable | null; timestamp?: string | null } {
  switch (lookup.kind) {
    case 'found':
      return { text: lookup.text, unavailable: null, timestamp: lookup.timestamp };
    case 'missing':
      return { text: null, unavailable: 'revision_missing' };
    case 'hidden':
      return { text: null, unavailable: 'revision_hidden' };
    case 'incomplete':
      throw new TransientError(`mediawiki: ${domain} did not return revision ${lookup.revId} (result size limit); retrying`);
  }
}

export const fetchRevisionsHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'fetch_revisions',
  description: "Fetch the wikitext of the event's revision and its parent (batched per wiki; stored parent images reused).",
  options: Options,
  create(options, env) {
    const { gateway, release } = acquireGateway(env.config.mediawiki, env.io);
    const store = options.use_stored_parent && env.pool ? storeFor(env.pool, undefined, env.io) : null;
    return {
      async run(ctx) {
        const event = readRevisionEvent(ctx.message);
        apiUrlFor(env.config.mediawiki, event.domain);
        let parentImages: string[] | undefined;
        if (store && event.parentRevId !== null) {
          const stored = await store.pageState(event.wiki, event.pageId);
          if (stored && stored.revId === event.parentRevId) parentImages = stored.images;
        }
        const needParent = event.parentRevId !== null && parentImages === undefined;
        // Both ids go to the batcher in the same tick, so they share a request.
        const [revision, parent] = await Promise.all([
          event.text === undefined ? gateway.revision(event.domain, event.revId) : Promise.resolve(undefined),
          needParent ? gateway.revision(event.domain, event.parentRevId!) : Promise.resolve(undefined),
        ]);
        const current = revision ? textOf(revision, event.domain) : { text: event.text ?? null, unavailable: null };
        const previous = parent ? textOf(parent, event.domain) : undefined;
        const result: FetchedRevisions = {
          wiki: event.wiki,
          domain: event.domain,
          pageId: event.pageId,
          title: event.title,
          namespace: event.namespace,
          revId: event.revId,
          parentRevId: event.parentRevId,
          revTimestamp: event.revTimestamp ?? ('timestamp' in current ? (current.timestamp ?? null) : null),
          comment: event.comment,
          isRevert: event.isRevert,
          text: current.text,
          parentText: event.parentRevId === null ? null : previous?.text,
          ...(parentImages === undefined ? {} : { parentImages }),
          unavailable: current.unavailable,
          parentUnavailable: previous?.unavailable ?? null,
          eventId: event.eventId,
          eventTime: event.eventTime,
        };
        if (result.unavailable) ctx.log.info({ wiki: event.wiki, revId: event.revId, reason: result.unavailable }, 'revision text unavailable');
        return { result };
      },
      close: release,
    };
  },
};
