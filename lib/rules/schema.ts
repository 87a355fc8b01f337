// TypeBox schemas for rule files (the YAML shape, validated with ajv) and normalizeRule, which fills in
// every default and turns `steps` into named `{handler, name, options}` entries for the engine.
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';

export const RULE_NAME_PATTERN = '^[a-z][a-z0-9_]*$';

/** Defaults for every optional rule key. */
export const RULE_DEFAULTS = Object.freeze({
  description: '',
  /** Ordering key; a key that renders empty (or only ':') means "use the Kafka message key". */
  key: '{{message.database}}:{{message.page_id}}',
  concurrency: 50,
  enabled: true,
  canary: false,
  cluster: 'main',
  retry: Object.freeze({ in_process: 2, limit: 3, delay_ms: 1000, max_delay_ms: 300_000 }),
});

/**
 * `x-error` is a non-standard keyword (ajv runs with `strict: false`): the validator uses it as the
 * message when a value does not fit this schema, instead of ajv's generic one.
 */
const MatchPatternSchema = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Field name → pattern (scalar, /regex/flags, nested mapping, or list = any-of).',
  'x-error': 'must be a mapping of field names to patterns',
});

export const RetrySchema = Type.Object(
  {
    in_process: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10, default: RULE_DEFAULTS.retry.in_process, description: 'In-process retries before the retry topic.' }),
    ),
    limit: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 20, default: RULE_DEFAULTS.retry.limit, description: 'Retry-topic rounds before the dead-letter topic.' }),
    ),
    delay_ms: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3_600_000, default: RULE_DEFAULTS.retry.delay_ms, description: 'Base backoff delay.' }),
    ),
    max_delay_ms: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 3_600_000, default: RULE_DEFAULTS.retry.max_delay_ms, description: 'Backoff cap.' }),
    ),
  },
  { additionalProperties: false },
);

/**
 * The librdkafka settings a rule may tune for its own consumer: how much it prefetches, nothing else (a rule file
 * must not reach brokers, credentials or plugins). Merged over the router's defaults and `kafka.consumer`.
 */
export const RuleConsumerSchema = Type.Object(
  {
    'queued.max.messages.kbytes': Type.Optional(
      Type.Integer({ minimum: 64, maximum: 1_048_576, description: 'Prefetched payload kept by librdkafka for this rule (KB, all partitions).' }),
    ),
    'queued.min.messages': Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Messages librdkafka tries to keep prefetched per partition.' })),
    'max.partition.fetch.bytes': Type.Optional(
      Type.Integer({ minimum: 1024, maximum: 104_857_600, description: 'Largest fetch per partition; librdkafka holds each response until its last message is consumed.' }),
    ),
  },
  { additionalProperties: false },
);

/** The key beside a step's handler name that makes it conditional: a match pattern over the step's context. */
export const WHEN_KEY = 'when';

/**
 * One step: a mapping `{handler_name: options}`, optionally with `when: <pattern>`; `options` is checked against the
 * handler's schema, `when` compiled as a match pattern over {message, match, results, source, rule}.
 */
export const StepSchema = Type.Record(Type.String(), Type.Unknown(), {
  minProperties: 1,
  maxProperties: 2,
  'x-error': 'a step must be a mapping with exactly one key, the handler name: {handler: options}, and optionally `when`',
});

/** The handler name of a step mapping: its one key that is not `when`. */
export function stepHandler(step: Record<string, unknown>): string | undefined {
  const keys = Object.keys(step).filter((k) => k !== WHEN_KEY);
  return keys.length === 1 ? keys[0] : undefined;
}

export const RuleSchema = Type.Object(
  {
    name: Type.String({ pattern: RULE_NAME_PATTERN, maxLength: 100, description: 'Unique across all loaded rule files.' }),
    description: Type.Optional(Type.String()),
    topics: Type.Array(Type.String({ pattern: '^[A-Za-z0-9._-]+$', description: 'Stream name without DC prefix.' }), {
      minItems: 1,
    }),
    match: Type.Optional(
      Type.Union([MatchPatternSchema, Type.Array(MatchPatternSchema, { minItems: 1 })], {
        'x-error': 'must be a mapping or a non-empty list of mappings',
      }),
    ),
    match_not: Type.Optional(
      Type.Union([MatchPatternSchema, Type.Array(MatchPatternSchema)], {
        'x-error': 'must be a mapping or a list of mappings',
      }),
    ),
    key: Type.Optional(Type.String({ minLength: 1, default: RULE_DEFAULTS.key })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: RULE_DEFAULTS.concurrency })),
    retry: Type.Optional(RetrySchema),
    consumer: Type.Optional(RuleConsumerSchema),
    enabled: Type.Optional(Type.Boolean({ default: RULE_DEFAULTS.enabled })),
    cluster: Type.Optional(
      Type.String({
        pattern: '^[a-z][a-z0-9_-]*$',
        default: RULE_DEFAULTS.cluster,
        description: 'The Kafka cluster to read from: "main" (kafka.brokers) or a name under kafka.clusters; its retry and dead-letter topics live there too.',
      }),
    ),
    canary: Type.Optional(
      Type.Boolean({
        default: RULE_DEFAULTS.canary,
        description: 'Also receive canary events (meta.domain canary), which the router otherwise drops before any rule runs.',
      }),
    ),
    steps: Type.Array(StepSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const RuleFileSchema = Type.Object({ rules: Type.Array(RuleSchema) }, { additionalProperties: false });

export type Rule = Static<typeof RuleSchema>;
export type RuleFile = Static<typeof RuleFileSchema>;
export type RetryOptions = Static<typeof RetrySchema>;
export type RuleConsumerSettings = Static<typeof RuleConsumerSchema>;

export interface ResolvedRetry {
  inProcess: number;
  limit: number;
  delayMs: number;
  maxDelayMs: number;
}

export interface ResolvedStep {
  handler: string;
  /** The handler name, suffixed `#2`, `#3`, ... when the same handler appears again in the rule. */
  name: string;
  /** Raw options from YAML (templates not yet evaluated; handler schema defaults applied by loadRules). */
  options: unknown;
  /** Run the step only when its context matches this pattern (a mapping or a list of mappings, as `match`). */
  when?: Record<string, unknown> | Record<string, unknown>[];
}

export interface RuleLocation {
  file: string;
  line: number;
  column: number;
}

export interface ResolvedRule {
  name: string;
  description: string;
  topics: string[];
  /** `{}` matches every event; a list matches when any of its mappings does. */
  match: Record<string, unknown> | Record<string, unknown>[];
  /** Always a list; the event is skipped if any entry matches. */
  matchNot: Record<string, unknown>[];
  key: string;
  concurrency: number;
  retry: ResolvedRetry;
  /** librdkafka settings of this rule's consumer (`{}`: the router's). */
  consumer: RuleConsumerSettings;
  enabled: boolean;
  /** Whether canary events (meta.domain canary) reach this rule; by default they are dropped and counted. */
  canary: boolean;
  /** The Kafka cluster the rule reads from (and parks its retries and dead letters on). */
  cluster: string;
  steps: ResolvedStep[];
  /** Where the rule was defined, when loaded from a file. */
  source?: RuleLocation;
}

/** Names steps after their handler; repeats become `http#2`, `http#3`. */
export function stepNames(handlers: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return handlers.map((h) => {
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    return n === 1 ? h : `${h}#${n}`;
  });
}

/** Fills every default of a schema-valid rule. Pure; does not validate. */
export function normalizeRule(rule: Rule, source?: RuleLocation): ResolvedRule {
  const handlers = rule.steps.map((s) => stepHandler(s) ?? '');
  const names = stepNames(handlers);
  const matchNot = rule.match_not === undefined ? [] : Array.isArray(rule.match_not) ? rule.match_not : [rule.match_not];
  const resolved: ResolvedRule = {
    name: rule.name,
    description: rule.description ?? RULE_DEFAULTS.description,
    topics: [...rule.topics],
    match: rule.match ?? {},
    matchNot,
    key: rule.key ?? RULE_DEFAULTS.key,
    concurrency: rule.concurrency ?? RULE_DEFAULTS.concurrency,
    retry: {
      inProcess: rule.retry?.in_process ?? RULE_DEFAULTS.retry.in_process,
      limit: rule.retry?.limit ?? RULE_DEFAULTS.retry.limit,
      delayMs: rule.retry?.delay_ms ?? RULE_DEFAULTS.retry.delay_ms,
      maxDelayMs: rule.retry?.max_delay_ms ?? RULE_DEFAULTS.retry.max_delay_ms,
    },
    consumer: { ...rule.consumer },
    enabled: rule.enabled ?? RULE_DEFAULTS.enabled,
    canary: rule.canary ?? RULE_DEFAULTS.canary,
    cluster: rule.cluster ?? RULE_DEFAULTS.cluster,
    steps: rule.steps.map((s, i) => {
      const handler = handlers[i]!;
      // `- fetch_revisions:` (no value) loads as null: same as `{}`.
      const options = s[handler] ?? {};
      const when = s[WHEN_KEY] as ResolvedStep['when'];
      return when === undefined ? { handler, name: names[i]!, options } : { handler, name: names[i]!, options, when };
    }),
  };
  if (source) resolved.source = source;
  return resolved;
}
