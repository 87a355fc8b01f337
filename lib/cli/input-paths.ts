// The file source's inputs, checked before anything starts: a path that does not exist, or a folder with no event
// file in it, is a configuration error (exit 2) at check-config and at start, not a failed run after the database is
// migrated and the admin API is up.
import { readdirSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { RouterConfig } from '../config/schema.ts';
import { EVENT_FILE } from '../sources/file-source.ts';

/** The problem with one input path, or undefined when it is a file or a folder with at least one event file. */
function inputProblem(path: string): string | undefined {
  let isFolder: boolean;
  try {
    isFolder = statSync(path).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${code ?? String(err)}`;
  }
  if (!isFolder) return undefined;
  try {
    if (!readdirSync(path).some((name) => EVENT_FILE.test(name))) return `folder ${path} has no event file (*.ndjson, *.jsonl, *.json)`;
  } catch (err) {
    return `cannot read folder ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  return undefined;
}

/** With `source.type: file`, throws one ConfigError naming every input path that cannot be read as events. */
export function checkInputPaths(config: RouterConfig): void {
  if (config.source.type !== 'file') return;
  const problems = config.source.file.paths.flatMap((path, i) => {
    const problem = inputProblem(path);
    return problem === undefined ? [] : [new ConfigError(`source.file.paths[${i}]`, problem)];
  });
  if (problems.length > 0) throw ConfigError.all(problems);
}
