// The handler registry: YAML step name → handler module. Adding a handler means adding its module here;
// the rule validator and the docs read option schemas from this one map.
import type { HandlerDefinition } from './types.ts';
import { dropHandler } from './drop.ts';
import { httpHandler } from './http.ts';
import { logHandler } from './log.ts';
import { produceHandler } from './produce.ts';
import { fetchRevisionsHandler } from './fetch-revisions.ts';
import { imageDiffHandler } from './image-diff.ts';
import { judgeIllustrationHandler } from './judge-illustration.ts';
import { recordPageImagesHandler } from './record-page-images.ts';
import { recordFeedbackHandler } from './record-feedback.ts';
import { resolvePageHandler } from './resolve-page.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler has its own option and env types
export type AnyHandler = HandlerDefinition<any, any>;

const BUILTIN: AnyHandler[] = [
  httpHandler,
  produceHandler,
  logHandler,
  dropHandler,
  fetchRevisionsHandler,
  imageDiffHandler,
  judgeIllustrationHandler,
  recordPageImagesHandler,
  recordFeedbackHandler,
  resolvePageHandler,
];

export function createRegistry(extra: AnyHandler[] = []): ReadonlyMap<string, AnyHandler> {
  const map = new Map<string, AnyHandler>();
  for (const handler of [...BUILTIN, ...extra]) {
    if (map.has(handler.name)) throw new Error(`handler ${handler.name} registered twice`);
    map.set(handler.name, handler);
  }
  return map;
}

export const handlers = createRegistry();
