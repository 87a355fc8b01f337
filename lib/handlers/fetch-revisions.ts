// `fetch_revisions`: loads the wikitext of an event's revision and of its parent from the Action API,
// batched with concurrent events of the same wiki. Skips what is already known: the new text when the event
// carries it (page_content_change), the parent when the stored page state is that very revision.
//
// Unavailable text (unknown id, revision-deleted or suppressed) is a result, not an error: the revision
// cannot become available by retrying, and dead-lettering routine rev-deletions would bury real failures.
// Later steps see `unavailable` and record the revision in `unprocessable_event` instead of its images.
//
// With `images: true` the step returns the revisions' image lists instead of their texts: each API answer goes
// as bytes to the extraction threads (`wikitext.extract_threads`), which decode, parse and scan it, so neither
// the answers nor the texts reach the event loop; with no threads the same happens in the event loop.
import { Type } from '@sinclair/typebox';
import { PermanentError, TransientError } from '../errors.ts';
import type { MediaWikiGateway } from '../mediawiki/client.ts';
import { apiUrlFor } from '../mediawiki/action-api.ts';
import { readRevisionEvent, type RevisionEventFields } from '../mediawiki/revision-event.ts';
import type { RevisionImagesLookup } from '../mediawiki/revision-images.ts';
import type { RevisionLookup } from '../mediawiki/revisions.ts';
import type { ImageExtractor } from '../mediawiki/extraction-pool.ts';
import type { FileNamespaceNames } from '../wikitext/siteinfo.ts';
import type { StoredIllustration } from '../recommendations/illustration-change.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';
import { NamespacesOption, namespaceNamesFor } from './namespace-names.ts';

const Options = Type.Object(
  {
    use_stored_parent: Type.Boolean({
      default: true,
      description: "Take the parent's images from `page_image_state` when the stored revision is the parent (saves one fetch)",
    }),
    images: Type.Boolean({
      default: false,
      description:
        "Return the revisions' image lists (`images`, `parentImages`) instead of their texts (`text` and `parentText` are then null or absent): each API answer is decoded, parsed and scanned in one go, on an extraction thread when `wikitext.extract_threads` > 0, so texts never reach the event loop ([design-decisions.md](design-decisions.md#revisions-fetched-as-image-lists))",
    }),
    namespaces: { ...NamespacesOption, description: "With `images: true`: the File namespace names to extract with, as `image_diff`'s option" },
  },
  { additionalProperties: false },
);

export type Unavailable = 'revision_missing' | 'revision_hidden';

/** The event's fields, plus the texts or their images (or why they are unavailable). */
export interface FetchedRevisions extends Omit<RevisionEventFields, 'text' | 'domain'> {
  /** The wiki's domain: the event's meta.domain, or derived from its wiki id. */
  domain: string;
  /** The stream the event was consumed from: the `source` of the statuses its diff writes. */
  stream: string;
  /** The revision's wikitext; null when unavailable or fetched as images. */
  text: string | null;
  /** The revision's images when fetched with `images: true` (absent when unavailable: see `unavailable`). */
  images?: string[];
  /** The parent's wikitext; null when unavailable or the page was created; undefined when not fetched as text. */
  parentText: string | null | undefined;
  /** The parent's images: from stored state, when that made fetching the parent unnecessary, or fetched as images. */
  parentImages?: string[];
  /** The parent's stored illustration verdict, when the stored state is the parent's (judge_illustration reads it). */
  parentIllustration?: StoredIllustration;
  unavailable: Unavailable | null;
  parentUnavailable: Unavailable | null;
}

interface Content {
  text: string | null;
  /** Present when fetched as images and available. */
  images?: string[];
  unavailable: Unavailable | null;
  timestamp?: string | null;
}

function contentOf(lookup: RevisionLookup | RevisionImagesLookup, domain: string): Content {
  switch (lookup.kind) {
    case 'found':
      return 'images' in lookup
        ? { text: null, images: lookup.images, unavailable: null, timestamp: lookup.timestamp }
        : { text: lookup.text, unavailable: null, timestamp: lookup.timestamp };
    case 'failed':
      // The same text fails the same way every time: dead-letter this event with the reason, not its batch.
      throw new PermanentError(`${lookup.message} (revision ${lookup.revId} of ${domain})`);
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
  description: "Fetches the wikitext of the event's revision and of its parent from the wiki's Action API, or their image lists.",
  details: `The API is \`mediawiki.api_url\` of the wiki's domain: \`meta.domain\` when the event has one, else derived from its
wiki id (docs/state.md); only domains in \`mediawiki.allowed_domains\` are called. Revision ids of concurrent events of
the same wiki share requests of up to \`mediawiki.batch_size\` ids, collected for \`mediawiki.batch_linger_ms\`. Reads
\`mediawiki.revision-create\` and \`mediawiki.page_change\`/\`page_content_change\` events (the latter carry the new
text: only the parent is fetched). A revision that makes its page a redirect fetches nothing. Unknown or hidden
revisions are a result (\`unavailable\`), not an error; timeouts, 5xx, 429 and \`maxlag\` are retried (honouring
\`Retry-After\`).`,
  examples: [
    { summary: 'Image lists, read off the event loop when extraction threads are configured', options: { images: true } },
    { summary: "Texts, with the wiki's own namespace names for a later image_diff", options: { use_stored_parent: true } },
  ],
  options: Options,
  create(options, env) {
    const gateway = env.mediawiki;
    const extractor = options.images ? env.extractor : null;
    const store = options.use_stored_parent ? env.store : null;
    return {
      async run(ctx) {
        const event = readRevisionEvent(ctx.message);
        const domain = await gateway.domains.domainOf(event.wiki, event.domain);
        apiUrlFor(env.config.mediawiki, domain);
        // A redirect shows no image, whatever its text holds (categories, templates): nothing to fetch.
        if (event.isRedirect) return { result: redirectRevision(event, domain, ctx.source.stream) };
        let parentImages: string[] | undefined;
        let parentIllustration: StoredIllustration | undefined;
        if (store && event.parentRevId !== null) {
          const stored = await store.pageState(event.wiki, event.pageId);
          if (stored && stored.revId === event.parentRevId) ({ images: parentImages, illustration: parentIllustration } = stored);
        }
        const needParent = event.parentRevId !== null && parentImages === undefined;
        const fetch = extractor ? imagesFetcher(gateway, extractor, await namespaceNamesFor(options.namespaces, gateway, { wiki: event.wiki, domain }, ctx)) : textFetcher(gateway);
        // Both ids go to the batcher in the same tick, so they share a request.
        const [revision, parent] = await Promise.all([
          event.text === undefined ? fetch.revision(domain, event.revId) : fetch.carried(event.text),
          needParent ? fetch.revision(domain, event.parentRevId!) : Promise.resolve(undefined),
        ]);
        const current = 'kind' in revision ? contentOf(revision, domain) : revision;
        const previous = parent ? contentOf(parent, domain) : undefined;
        if (previous?.images) parentImages = previous.images;
        const result: FetchedRevisions = {
          wiki: event.wiki,
          domain,
          stream: ctx.source.stream,
          pageId: event.pageId,
          title: event.title,
          namespace: event.namespace,
          revId: event.revId,
          parentRevId: event.parentRevId,
          revTimestamp: event.revTimestamp ?? current.timestamp ?? null,
          comment: event.comment,
          isRevert: event.isRevert,
          isRedirect: false,
          text: current.text,
          ...(current.images === undefined ? {} : { images: current.images }),
          parentText: event.parentRevId === null ? null : (previous?.text ?? (previous?.unavailable ? null : undefined)),
          ...(parentImages === undefined ? {} : { parentImages }),
          ...(parentIllustration === undefined ? {} : { parentIllustration }),
          unavailable: current.unavailable,
          parentUnavailable: previous?.unavailable ?? null,
          eventId: event.eventId,
          eventTime: event.eventTime,
        };
        if (result.unavailable) ctx.log.info({ wiki: event.wiki, revId: event.revId, reason: result.unavailable }, 'revision text unavailable');
        else if (result.parentUnavailable) {
          ctx.log.info({ wiki: event.wiki, revId: event.revId, parentRevId: event.parentRevId, reason: result.parentUnavailable }, 'parent revision text unavailable: images recorded, no diff');
        }
        return { result };
      },
    };
  },
};

/** A revision that leaves the page a redirect: no image, nothing fetched, its parent irrelevant. */
function redirectRevision(event: RevisionEventFields, domain: string, stream: string): FetchedRevisions {
  return {
    wiki: event.wiki,
    domain,
    stream,
    pageId: event.pageId,
    title: event.title,
    namespace: event.namespace,
    revId: event.revId,
    parentRevId: event.parentRevId,
    revTimestamp: event.revTimestamp,
    comment: event.comment,
    isRevert: event.isRevert,
    isRedirect: true,
    text: null,
    images: [],
    parentText: undefined,
    unavailable: null,
    parentUnavailable: null,
    eventId: event.eventId,
    eventTime: event.eventTime,
  };
}

/** How one event's texts are looked up: as texts, or as image lists; `carried` takes the text the event brought. */
interface Fetcher {
  revision(domain: string, revId: number): Promise<RevisionLookup | RevisionImagesLookup>;
  carried(text: string): Promise<Content>;
}

function textFetcher(gateway: MediaWikiGateway): Fetcher {
  return {
    revision: (domain, revId) => gateway.revision(domain, revId),
    carried: async (text) => ({ text, unavailable: null }),
  };
}

function imagesFetcher(gateway: MediaWikiGateway, extractor: ImageExtractor, names: FileNamespaceNames): Fetcher {
  return {
    revision: (domain, revId) => gateway.revisionImages(domain, revId, names, extractor),
    carried: async (text) => ({ text: null, images: await extractor.extract(text, names), unavailable: null }),
  };
}
