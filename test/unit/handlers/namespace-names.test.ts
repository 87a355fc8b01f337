// The `namespaces` option's resolution: bundled names never touch the event's logger (it is built on first use,
// and building one per event was a measurable share of the revision rules' allocations); a siteinfo failure does.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { namespaceNamesFor } from '../../../lib/handlers/namespace-names.ts';
import type { MediaWikiGateway } from '../../../lib/mediawiki/client.ts';
import { defaultNamespaceNames } from '../../../lib/wikitext/siteinfo.ts';
import type { Logger } from '../../../lib/log.ts';

const page = { wiki: 'dewiki', domain: 'de.wikipedia.org' };

/** A step context whose logger counts how often it is asked for, and records warnings. */
function countingContext() {
  const warnings: unknown[] = [];
  const ctx = {
    reads: 0,
    get log(): Logger {
      ctx.reads += 1;
      return { warn: (fields: unknown) => warnings.push(fields) } as unknown as Logger;
    },
  };
  return { ctx, warnings };
}

/** A gateway whose siteinfo request fails with `message` (the endpoint then falls back as the real one does). */
function failingSiteinfo(message: string): MediaWikiGateway {
  return {
    endpoint: () => ({
      namespaceNames: async (wiki: string, onError: (err: Error) => void) => {
        onError(new Error(message));
        return defaultNamespaceNames(wiki);
      },
    }),
  } as unknown as MediaWikiGateway;
}

describe('namespaceNamesFor', () => {
  test("bundled names are the wiki's defaults and never build the event's logger", () => {
    const { ctx } = countingContext();
    const names = namespaceNamesFor('bundled', failingSiteinfo('unused'), page, ctx);
    assert.equal(names, defaultNamespaceNames('dewiki'));
    assert.equal(ctx.reads, 0);
  });

  test("a siteinfo failure is logged through the event's logger and falls back to the bundled names", async () => {
    const { ctx, warnings } = countingContext();
    const names = await namespaceNamesFor('siteinfo', failingSiteinfo('HTTP 503'), page, ctx);
    assert.equal(names, defaultNamespaceNames('dewiki'));
    assert.equal(ctx.reads, 1);
    assert.deepEqual(warnings, [{ err: 'HTTP 503', domain: 'de.wikipedia.org' }]);
  });
});
