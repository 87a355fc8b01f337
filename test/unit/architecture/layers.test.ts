// The architecture as a test: lib/ folders sit in layers, and a module imports only its own layer or lower ones,
// so the pure core never reaches up into I/O or wiring. Only the composition root (lib/app) builds shared services;
// module-level state elsewhere is constants or memo caches of pure functions, each listed here with why.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = fileURLToPath(new URL('../../../lib/', import.meta.url));

// Lowest first. A folder may import its own layer and every layer below it.
const LAYERS: string[][] = [
  ['(root)', 'config'], // errors, log, schema validation; the configuration's types
  ['observe', 'messaging', 'batching', 'net', 'progress'], // neutral interfaces and mechanisms several folders share
  ['recommendations', 'wikitext', 'rules'], // the pure domain: state logic, image extraction, the rule language
  ['mediawiki', 'store', 'kafka', 'sources'], // I/O adapters
  ['illustration', 'suggestions'], // services over the adapters: the model's illustration rule, the suggestion datasets
  ['engine'], // consumption, ordering, offsets, retries, parking
  ['handlers'], // the rule steps
  ['metrics', 'admin'], // operations
  ['app'], // the composition root
  ['cli', 'demo'], // entry points
];

const layerOf = new Map(LAYERS.flatMap((folders, level) => folders.map((f) => [f, level] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'migrations' ? [] : files(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const folderOf = (path: string) => {
  const rel = relative(LIB, path).split('/');
  return rel.length > 1 ? rel[0]! : '(root)';
};

const sources = files(LIB).map((path) => ({ path, text: readFileSync(path, 'utf8') }));

describe('the layers of lib/', () => {
  test('every folder has a layer', () => {
    const unknown = [...new Set(sources.map((s) => folderOf(s.path)))].filter((f) => !layerOf.has(f));
    assert.deepEqual(unknown, [], 'add new folders to LAYERS');
  });

  test('no module imports from a higher layer', () => {
    const upward: string[] = [];
    for (const { path, text } of sources) {
      const from = folderOf(path);
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = normalize(join(dirname(path), m[1]!));
        const to = folderOf(target);
        if ((layerOf.get(to) ?? 0) > (layerOf.get(from) ?? 0)) upward.push(`${relative(LIB, path)} -> ${relative(LIB, target)}`);
      }
    }
    assert.deepEqual(upward, []);
  });
});

// Module-level state that is not a service: memo caches of pure functions, keyed by value or by the very object.
const PURE_CACHES = new Map([
  ['schema-validation.ts: instances', 'one Ajv per set of options; compiled schemas are pure'],
  ['mediawiki/extraction-worker.ts: internedNames', "a thread's own copy of each namespace-names object"],
  ['mediawiki/client.ts: namesKeys', 'the JSON of each shared namespace-names object, computed once'],
  ['wikitext/siteinfo.ts: bundled', 'one frozen namespace-names object per bundled language'],
  ['wikitext/file-title.ts: nameSets', 'normalised names of each namespace-names array'],
  ['rules/validate.ts: optionValidators', 'the compiled option schema of each handler'],
]);

describe('services are built by the composition root only', () => {
  test('no module outside lib/app keeps a service or a mutable collection at module level, beyond the listed pure caches', () => {
    const found: string[] = [];
    for (const { path, text } of sources) {
      if (folderOf(path) === 'app') continue;
      for (const m of text.matchAll(/^(?:export )?(?:const|let) ([A-Za-z_$][\w$]*)(?:: [^=]+)? = new ([A-Za-z_$][\w$]*)/gm)) {
        const [, name, type] = m;
        if (type === 'RegExp' || type === 'TextDecoder' || type === 'TextEncoder') continue;
        // A Set built once from constants is a constant.
        if (type === 'Set' && !/=\s*new Set<[^>]*>\(\)/.test(m[0])) continue;
        const key = `${relative(LIB, path)}: ${name}`;
        if (!PURE_CACHES.has(key)) found.push(`${key} (new ${type})`);
      }
    }
    assert.deepEqual(found, []);
  });
});
