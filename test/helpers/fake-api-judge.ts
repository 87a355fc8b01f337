// An IllustrationJudge asking the local API stand-in's fixtures directly (FakeMediaWiki.answer, no HTTP), for unit
// tests: every request's parameters are recorded, and errors put in `failNext` are thrown instead of answering.
import { IllustrationJudge, type IllustrationJudgeOptions } from '../../lib/illustration/illustration-judge.ts';
import type { FakeMediaWiki } from './mediawiki-server.ts';

export interface FakeApiJudge {
  judge: IllustrationJudge;
  /** Every request, as its parameters. */
  calls: Array<Record<string, string>>;
  /** Throw this from the next request instead of answering. */
  failNext: unknown[];
}

export function fakeApiJudge(wiki: FakeMediaWiki, options: Partial<IllustrationJudgeOptions> = {}): FakeApiJudge {
  const calls: Array<Record<string, string>> = [];
  const failNext: unknown[] = [];
  const judge = new IllustrationJudge({
    api: () => ({
      get: async (params) => {
        calls.push(params);
        if (failNext.length > 0) throw failNext.shift();
        return wiki.answer(new URLSearchParams(params)) as Record<string, unknown>;
      },
    }),
    batchLingerMs: 5,
    ...options,
  });
  return { judge, calls, failNext };
}
