// The command-line interface: one commander program, one small async function per command.
// Exit codes: 0 success, 1 command failed (e.g. invalid rules), 2 bad configuration or usage.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { PROJECT_ROOT } from '../project-root.ts';
import { ConfigError } from '../errors.ts';
import { loadConfigFile } from '../config/load.ts';
import { loadRules, formatProblem } from '../rules/load.ts';
import { testCommand } from './test-command.ts';
import { queryCommand } from './query-command.ts';
import { handlers } from '../handlers/registry.ts';
import { extractImagesCommand } from './extract-images-command.ts';
import { runCommand } from './run-command.ts';
import { checkInputPaths } from './input-paths.ts';
import { migrateCommand } from './migrate-command.ts';
import { redriveCommand } from './redrive-command.ts';
import { importSuggestionsCommand } from './import-suggestions-command.ts';
import { RuleLoadError, checkAllowedHosts } from '../app/router.ts';
import { demoCommand } from '../demo/run-demo.ts';
import { unknownClusters } from '../app/sinks.ts';

const DEFAULT_CONFIG = process.env.IMAGEMATCHING_ROUTER_CONFIG ?? 'config.yaml';

/** The version in package.json, read when asked (`--version`), so it is the one installed. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('imagematching-router')
    .description('Rule-driven Kafka event router that keeps ImageMatching recommendation state current in PostgreSQL')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError();

  program
    .command('migrate')
    .description('apply pending database migrations (idempotent)')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(async (opts: { config: string }) => {
      process.exitCode = await migrateCommand(opts);
    });

  program
    .command('run')
    .description('run the router: consume, route through the rules, write state; SIGTERM/SIGINT stop it gracefully')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action(async (opts: { config: string }) => {
      process.exitCode = await runCommand(opts);
    });

  program
    .command('demo')
    .description('run the real pipeline on a bundled sample: no Kafka, no database server, no network')
    .action(async () => {
      process.exitCode = await demoCommand();
    });

  program
    .command('redrive')
    .description("re-inject dead letters into their rule's input (its retry topic, due now)")
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('-r, --rule <name>', 'only dead letters of this rule')
    .option('--since <time>', 'only dead letters that failed at or after this ISO time')
    .option('--until <time>', 'only dead letters that failed before this ISO time')
    .option('--error-class <class>', 'only dead letters of this error class (e.g. PermanentError)')
    .option('--include-unparseable', 'also re-inject letters of events that could not be parsed (they would fail again)')
    .option('--dry-run', 'list what would be re-injected, produce nothing')
    .action(async (opts: { config: string; rule?: string; errorClass?: string; since?: string; until?: string; dryRun?: boolean; includeUnparseable?: boolean }) => {
      process.exitCode = await redriveCommand(opts);
    });

  program
    .command('import-suggestions')
    .description('load image-suggestion datasets (.ndjson/.jsonl, .tsv, .parquet; Cassandra or imagerec_prod shape) for /v1/suggestions')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .option('--keep <n>', 'then keep only the newest N datasets of every wiki')
    .option('--max-skipped <n>', 'bad rows skipped before the import is aborted instead (default 1000)')
    .argument('<paths...>', 'dataset files or folders (Hive partition folders such as wiki=enwiki/snapshot=2021-01 give columns)')
    .action(async (paths: string[], opts: { config: string; keep?: string; maxSkipped?: string }) => {
      process.exitCode = await importSuggestionsCommand({ ...opts, paths });
    });

  program
    .command('validate')
    .description('check rule files or folders; prints file:line:column: rule.path: reason per problem, exit 1 if any')
    .argument('<paths...>', 'rule files or folders of *.yaml files')
    .action((paths: string[]) => {
      const { rules, problems } = loadRules(paths, handlers);
      for (const problem of problems) console.log(formatProblem(problem));
      if (problems.length > 0) {
        console.error(`${problems.length} problem(s) found`);
        process.exitCode = 1;
      } else {
        console.log(`ok: ${rules.length} rule(s) valid`);
      }
    });

  program
    .command('test')
    .description('dry-run events through the rules with no side effects, or run the rule tests of rule folders (<folder>/tests/*.yaml); exit 1 on a failure')
    .option('-c, --config <file>', 'take the rules from this configuration (rules.paths)')
    .option('--rules <path>', 'rule file or folder (repeatable; default rules/)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--stream <name>', "the stream the events arrive on (default: each event's meta.stream)")
    .option('--json', 'one JSON object per event or test')
    .argument('[paths...]', 'NDJSON event files or - (stdin); or rule folders and test files (default: rules/)')
    .action(async (paths: string[], opts: { config?: string; rules?: string[]; stream?: string; json?: boolean }) => {
      process.exitCode = await testCommand({ paths, ...opts });
    });

  program
    .command('query')
    .description('run one SQL statement read-only (BEGIN READ ONLY) against the PostgreSQL server or the embedded database, print its rows')
    .option('-c, --config <file>', `configuration file: its database.url, else its database.embedded_path (default ${DEFAULT_CONFIG})`)
    .option('--db <url-or-path>', 'a postgres:// URL, or the folder of an embedded database (instead of --config)')
    .option('--format <format>', 'table, json (one object per row) or csv; default: table on a terminal, json otherwise')
    .argument('<sql>', 'one SQL statement, or - to read it from stdin')
    .action(async (sql: string, opts: { config?: string; db?: string; format?: string }) => {
      const config = opts.config ?? (opts.db === undefined ? DEFAULT_CONFIG : undefined);
      process.exitCode = await queryCommand({ sql, ...opts, config }, { out: (l) => console.log(l), err: (l) => console.error(l), isTTY: process.stdout.isTTY === true });
    });

  program
    .command('check-config')
    .description('validate a configuration file and its rules without connecting to anything')
    .option('-c, --config <file>', 'configuration file', DEFAULT_CONFIG)
    .action((opts: { config: string }) => {
      const { config, file } = loadConfigFile(opts.config);
      checkInputPaths(config);
      const { rules, problems, hosts } = loadRules(config.rules.paths, handlers);
      for (const problem of problems) console.log(formatProblem(problem));
      if (problems.length > 0) {
        process.exitCode = 1;
        return;
      }
      const enabled = rules.filter((r) => r.enabled);
      checkAllowedHosts(config, enabled, hosts);
      // As run refuses them: a rule (or its produce step) on a Kafka cluster the config does not define.
      const unknown = config.source.type === 'kafka' ? unknownClusters(config, enabled) : [];
      for (const problem of unknown) console.log(problem);
      if (unknown.length > 0) {
        process.exitCode = 1;
        return;
      }
      console.log(`ok: ${file} is valid; ${rules.length} rule(s) from ${config.rules.paths.join(', ')}`);
    });

  program
    .command('extract-images')
    .description('print the images a wikitext file embeds, as {"images": [...]} (sorted, unique, normalised)')
    .requiredOption('-w, --wiki <wiki>', 'wiki id, e.g. enwiki or dewiki (selects localised namespace names)')
    .option('--explain', 'also show where each image was found')
    .option('--siteinfo <file>', "take the namespace names from a saved siteinfo answer (siprop=general|namespaces|namespacealiases)")
    .option('--api <url>', "take the namespace names from this Action API's siteinfo, e.g. https://de.wikipedia.org/w/api.php")
    .option('--user-agent <ua>', 'User-Agent for --api (default: the configuration default)')
    .argument('<file>', 'wikitext file, or - for standard input')
    .action(async (file: string, opts: { wiki: string; explain?: boolean; siteinfo?: string; api?: string; userAgent?: string }) => {
      process.exitCode = await extractImagesCommand({ ...opts, file, explain: opts.explain === true });
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof RuleLoadError) {
      for (const line of err.problems) console.error(line);
      console.error('imagematching-router: invalid rules; run `imagematching-router validate` for details');
      return 1;
    }
    if (err instanceof ConfigError) {
      for (const problem of err.problems) console.error(`imagematching-router: configuration error: ${problem}`);
      return 2;
    }
    console.error(`imagematching-router: ${(err as Error).message ?? String(err)}`);
    return 1;
  }
}
