// Loads the router configuration: YAML file → environment interpolation → defaults → schema validation.
// Every problem found becomes one line of a single ConfigError (`setting: reason`), so all are reported at once.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../errors.ts';
import { interpolateTree, type Environment } from './interpolate.ts';
import { ConfigSchema, type RouterConfig } from './schema.ts';
import { compileSchema, describeErrors } from '../schema-validation.ts';

// `verbose` keeps each error's schema, so an unknown key comes with the keys that are known.
const validateConfig = compileSchema(ConfigSchema, { coerceTypes: true, verbose: true });

export interface LoadedConfig {
  config: RouterConfig;
  /** Absolute path of the file it came from (rule paths are relative to its folder). */
  file: string;
}

export interface LoadOptions {
  /** Top-level sections the command never reads: an unset `${VAR}` there is empty, not an error (redrive: `database`). */
  unusedSections?: readonly string[];
}

export function loadConfigFile(file: string, env: Environment = process.env, options: LoadOptions = {}): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('', `cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const absolute = resolve(file);
  const config = parseConfig(text, env, file, options);
  const relative = (p: string) => (isAbsolute(p) ? p : resolve(dirname(absolute), p));
  config.rules.paths = config.rules.paths.map(relative);
  config.source.state_dir = relative(config.source.state_dir);
  config.database.embedded_path = relative(config.database.embedded_path);
  config.source.file.paths = config.source.file.paths.map(relative);
  return { config, file: absolute };
}

/** Parse and validate config text; `source` names the file in messages. */
export function parseConfig(text: string, env: Environment, source = 'config', options: LoadOptions = {}): RouterConfig {
  let raw: unknown;
  try {
    raw = yaml.load(text, { filename: source });
  } catch (err) {
    const mark = (err as { mark?: { line: number; column: number } }).mark;
    const where = mark ? `${source}:${mark.line + 1}:${mark.column + 1}` : source;
    throw new ConfigError('', `${where}: invalid YAML: ${(err as { reason?: string }).reason ?? String(err)}`);
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('', `${source}: must be a YAML mapping`);
  // Every problem is collected and reported together, so a broken file is fixed in one round.
  const problems: ConfigError[] = [];
  const interpolated = interpolateTree(raw, env, '', problems, options.unusedSections);
  const config = Value.Default(ConfigSchema, interpolated) as RouterConfig;
  if (!validateConfig(config)) {
    // A string left uninterpolated is already reported; its schema errors would only repeat it.
    const unset = new Set(problems.map((p) => p.setting));
    for (const { path, reason } of describeErrors(validateConfig.errors ?? [])) if (!unset.has(path)) problems.push(new ConfigError(path, reason));
  }
  // The checks a schema cannot say; they read the tree warily, as it may be the invalid one just reported.
  checkReservedKafkaSettings(config, problems);
  if (config.source?.type === 'kafka' && config.kafka?.brokers === '') problems.push(new ConfigError('kafka.brokers', 'required setting is missing'));
  if (config.source?.type === 'file' && config.source.file?.paths?.length === 0) {
    problems.push(new ConfigError('source.file.paths', 'required with source.type file'));
  }
  if (problems.length > 0) throw ConfigError.all(problems);
  return config;
}

// Settings the router's delivery guarantees depend on; overriding them would silently lose or duplicate data.
const RESERVED_CONSUMER = ['enable.auto.commit', 'enable.auto.offset.store', 'group.id', 'rebalance_cb', 'offset_commit_cb'];
const RESERVED_PRODUCER = ['dr_cb', 'dr_msg_cb'];

function checkReservedKafkaSettings(config: RouterConfig, problems: ConfigError[]): void {
  const reserved = (section: 'consumer' | 'producer', keys: readonly string[]) => {
    const settings: unknown = config.kafka?.[section];
    if (settings === null || typeof settings !== 'object') return;
    for (const key of keys) if (key in settings) problems.push(new ConfigError(`kafka.${section}."${key}"`, 'is set by the router and cannot be overridden'));
  };
  reserved('consumer', RESERVED_CONSUMER);
  reserved('producer', RESERVED_PRODUCER);
}
