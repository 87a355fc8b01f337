// `resolve_page`: finds the page id of a title through the Action API (normalisation and redirects
// followed), batched with concurrent events of the same wiki. Made for the legacy Android feedback stream,
// which names pages by display title and wiki by the app language.
//
// A title that names no page (deleted, never existed, invalid) is a recorded permanent outcome: a row in
// unprocessable_event, and the chain ends. Retrying cannot make the page exist.
import { Type } from '@sinclair/typebox';
import { compileTemplateTree } from '../rules/template.ts';
import { InvalidEventError } from '../errors.ts';
import { apiUrlFor } from '../mediawiki/action-api.ts';
import { pageTitleToDbKey } from '../mediawiki/titles.ts';
import { legacyWiki } from '../recommendations/feedback.ts';
import type { UnprocessableRow } from '../recommendations/revision-rows.ts';
import type { HandlerDefinition } from './types.ts';
import type { HandlerEnvironment } from './environment.ts';

const Options = Type.Object(
  {
    title: Type.String({ default: '{{message.page_title}}', 'x-kind': 'template', description: 'Display or DB-key title' }),
    lang: Type.String({
      default: '{{message.lang}}',
      'x-kind': 'template',
      description: 'App languages; the first gives `<lang>wiki` and `<lang>.wikipedia.org`',
    }),
    domain: Type.Optional(Type.String({ 'x-kind': 'template', 'x-default': 'from `lang`', description: 'Wiki domain override' })),
    wiki: Type.Optional(Type.String({ 'x-kind': 'template', 'x-default': 'from `lang`', description: 'Wiki id override' })),
  },
  { additionalProperties: false },
);

export interface ResolvedPage {
  wiki: string;
  domain: string;
  pageId: number;
  title: string;
  redirectedFrom?: string;
}

export const resolvePageHandler: HandlerDefinition<typeof Options, HandlerEnvironment> = {
  name: 'resolve_page',
  description: 'Resolves a page title to its page id through the Action API (normalisation and redirects followed, batched per wiki).',
  details: 'A title that names no page is recorded in `unprocessable_event` and ends the chain (skipped, reason `page_missing` or `title_invalid`).',
  examples: [{ summary: 'The legacy Android stream: title and app languages from the event', options: {} }],
  options: Options,
  create(options, env) {
    const { mediawiki: gateway, store } = env;
    const templates = compileTemplateTree({ title: options.title, lang: options.lang, domain: options.domain, wiki: options.wiki });
    return {
      async run(ctx) {
        const t = templates.evaluate(ctx) as { title?: unknown; lang?: unknown; domain?: unknown; wiki?: unknown };
        const derived = t.domain && t.wiki ? null : legacyWiki(t.lang);
        const domain = String(t.domain || derived!.domain);
        const wiki = String(t.wiki || derived!.wiki);
        apiUrlFor(env.config.mediawiki, domain);
        const rawTitle = typeof t.title === 'string' ? t.title : '';
        const title = pageTitleToDbKey(rawTitle);
        const meta = (ctx.message.meta ?? {}) as Record<string, unknown>;
        const unresolved = async (reason: UnprocessableRow['reason'], ref: string) => {
          await store.write({
            unprocessable: [
              { wiki, ref: `title:${ref}`, reason, pageId: null, stream: ctx.source.stream, eventId: typeof meta.id === 'string' ? meta.id : null },
            ],
          });
          ctx.log.info({ wiki, title: ref, reason }, 'page not resolved');
          return { result: { wiki, domain, title: ref, unresolved: reason }, stop: true, skipped: reason };
        };
        if (title === null) {
          if (rawTitle.trim() === '') throw new InvalidEventError('resolve_page: the event has no page title');
          return unresolved('title_invalid', rawTitle.slice(0, 255));
        }
        const lookup = await gateway.page(domain, title);
        if (lookup.kind === 'missing') return unresolved('page_missing', lookup.title);
        if (lookup.kind === 'invalid') return unresolved('title_invalid', lookup.title);
        const result: ResolvedPage = {
          wiki,
          domain,
          pageId: lookup.pageId,
          title: lookup.title,
          ...(lookup.redirectedFrom === undefined ? {} : { redirectedFrom: lookup.redirectedFrom }),
        };
        return { result };
      },
    };
  },
};
