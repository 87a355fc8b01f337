// Writes the handler reference of docs/rules.md from the handlers' specs (lib/handlers/reference.ts):
// `npm run docs:rules`. A unit test fails while the file and the specs disagree.
import { readFileSync, writeFileSync } from 'node:fs';
import { handlers } from '../lib/handlers/registry.ts';
import { handlerReference, withReference } from '../lib/handlers/reference.ts';

const path = new URL('../docs/rules.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const next = withReference(doc, handlerReference(handlers.values()));
if (next !== doc) writeFileSync(path, next);
console.log(next === doc ? 'docs/rules.md is up to date' : 'docs/rules.md: handler reference rewritten');
