// Loads the router configuration: YAML file → environment interpolation → defaults → schema validation.
// Any problem becomes a ConfigError whose message is one line naming the setting.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { Value } from '@sinclair/typebox/value';
import { ConfigError } from '../errors.ts';
import { interpolateTree, type Environment } from './interpolate.ts';
import { ConfigSchema, type RouterConfig } from './schema.ts';
import { compileSchema, describeFirstError } from '../schema-validation.ts';

const validateConfig = compileSchema(ConfigSchema, { coerceTypes: true });

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
  const interpolated = interpolateTree(raw, env, '', options.unusedSections);
  const withDefaults = Value.Default(ConfigSchema, interpolated) as unknown;
  if (!validateConfig(withDefaults)) {
    const { path, reason } = describeFirstError(validateConfig.errors ?? []);
    throw new ConfigError(path, reason);
  }
  const config = withDefaults as RouterConfig;
  checkReservedKafkaSettings(config);
  if (config.source.type === 'kafka' && !config.kafka.brokers) throw new ConfigError('kafka.brokers', 'required setting is missing');
  if (config.source.type === 'file' && config.source.file.paths.length === 0) {
    throw new ConfigError('source.file.paths', 'required with source.type file');
  }
  return config;
}

// Settings the router's delivery guarantees depend on; overriding them would silently lose or duplicate data.
const RESERVED_CONSUMER = ['enable.auto.commit', 'enable.auto.offset.store', 'group.id', 'rebalance_cb', 'offset_commit_cb'];
const RESERVED_PRODUCER = ['dr_cb', 'dr_msg_cb'];

function checkReservedKafkaSettings(config: RouterConfig): void {
  for (const key of RESERVED_CONSUMER) {
    if (key in config.kafka.consumer) throw new ConfigError(`kafka.consumer."${key}"`, 'is set by the router and cannot be overridden');
  }
  for (const key of RESERVED_PRODUCER) {
    if (key in config.kafka.producer) throw new ConfigError(`kafka.producer."${key}"`, 'is set by the router and cannot be overridden');
  }
}
