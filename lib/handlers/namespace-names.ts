// Which File and Media namespace names a step extracts images with: the option both `fetch_revisions`
// (`images: true`) and `image_diff` take, and its resolution per wiki.
import { Type } from '@sinclair/typebox';
import type { Logger } from '../log.ts';
import type { MediaWikiGateway } from '../mediawiki/client.ts';
import { defaultNamespaceNames, type FileNamespaceNames } from '../wikitext/siteinfo.ts';

export const NamespacesOption = Type.Union([Type.Literal('bundled'), Type.Literal('siteinfo')], {
  default: 'bundled',
  description: "File namespace names to extract with: bundled ones per wiki, or the wiki's siteinfo (cached a day, bundled names on failure)",
});

/**
 * The names for `wiki` at `domain`: bundled, or from the wiki's siteinfo through `gateway` (bundled when it fails).
 * Takes the step's context rather than its logger: an event's logger is built on first use, and most never log.
 */
export function namespaceNamesFor(
  mode: 'bundled' | 'siteinfo',
  gateway: MediaWikiGateway,
  page: { wiki: string; domain: string },
  ctx: { readonly log: Logger },
): FileNamespaceNames | Promise<FileNamespaceNames> {
  if (mode === 'bundled') return defaultNamespaceNames(page.wiki);
  return gateway
    .endpoint(page.domain)
    .namespaceNames(page.wiki, (err) => ctx.log.warn({ err: err.message, domain: page.domain }, 'siteinfo failed; using bundled names'));
}
