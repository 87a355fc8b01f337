// The configuration schema: one TypeBox declaration gives the JSON Schema that validates config files
// and the TypeScript type the code reads. Every setting has a description and, where sensible, a default.
import { Type, type Static } from '@sinclair/typebox';

const LibrdkafkaSettings = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
  default: {},
  description: 'librdkafka settings passed through verbatim (see librdkafka CONFIGURATION.md)',
});

export const ServiceSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[a-z][a-z0-9_.-]*$',
      default: 'imagematching-router',
      description: 'Service name: prefix of consumer group ids, retry topics (<name>.retry.<topic>) and the dead-letter topic (<name>.error)',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const DEFAULT_CLUSTER = 'main';

/** Another Kafka cluster a rule may read from (`cluster:` in the rule): its brokers and settings over kafka's. */
export const KafkaClusterSchema = Type.Object(
  {
    brokers: Type.String({ minLength: 1, description: 'Comma-separated bootstrap brokers of this cluster, host:port' }),
    consumer: Type.Optional({ ...LibrdkafkaSettings, description: 'librdkafka consumer settings for this cluster, over kafka.consumer' }),
    producer: Type.Optional({ ...LibrdkafkaSettings, description: 'librdkafka producer settings for this cluster, over kafka.producer' }),
  },
  { additionalProperties: false },
);

export const KafkaSchema = Type.Object(
  {
    brokers: Type.String({ default: '', description: 'Comma-separated bootstrap brokers, host:port, of the default cluster "main" (required with source.type kafka)' }),
    clusters: Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_-]*$' }), KafkaClusterSchema, {
      default: {},
      description: 'More Kafka clusters by name (e.g. jumbo, the analytics cluster that carries mediawiki.page_content_change.v1); a rule reads from one with `cluster: <name>`; "main" is kafka.brokers',
    }),
    dc_prefixes: Type.Array(Type.String({ pattern: '^[a-z0-9_-]*$' }), {
      default: ['eqiad', 'codfw'],
      description: 'Data-centre prefixes; a rule on stream S consumes <prefix>.S for each. An empty string means the bare stream name.',
    }),
    client_id: Type.String({ default: 'imagematching-router' }),
    consumer: LibrdkafkaSettings,
    producer: LibrdkafkaSettings,
    commit_interval_ms: Type.Integer({ minimum: 10, default: 1000, description: 'How often finished offsets are committed' }),
    max_pending_per_partition: Type.Integer({
      minimum: 1,
      default: 1000,
      description: 'Events buffered or in flight per partition before the partition is paused (backpressure)',
    }),
    shutdown_timeout_ms: Type.Integer({ minimum: 0, default: 15000, description: 'Deadline for in-flight work on SIGTERM' }),
    topic_partitions: Type.Integer({ minimum: 1, default: 1, description: 'Partitions when the router creates its retry and dead-letter topics' }),
  },
  { additionalProperties: false, default: {} },
);

export const SourceSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('kafka'), Type.Literal('file'), Type.Literal('eventstreams')], {
      default: 'kafka',
      description: 'Where events come from: kafka (production), file (NDJSON replay/backfill) or eventstreams (SSE)',
    }),
    state_dir: Type.String({
      default: '.data',
      description: 'Without Kafka: checkpoints, retry and dead-letter topics as JSON-lines files (relative to the config file)',
    }),
    file: Type.Object(
      {
        paths: Type.Array(Type.String({ minLength: 1 }), { default: [], description: 'NDJSON files or folders, relative to the config file' }),
        follow: Type.Boolean({ default: false, description: 'Keep reading lines appended to the files instead of stopping at the end' }),
      },
      { additionalProperties: false, default: {} },
    ),
    eventstreams: Type.Object(
      {
        url: Type.String({
          pattern: '\\{streams\\}',
          default: 'https://stream.wikimedia.org/v2/stream/{streams}',
          description: 'EventStreams URL template; {streams} becomes the comma-joined stream names of a rule',
        }),
        reconnect_max_ms: Type.Integer({ minimum: 100, default: 30000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const DatabaseSchema = Type.Object(
  {
    url: Type.String({ default: '', description: 'PostgreSQL connection URL; empty means an embedded PostgreSQL (PGlite) in embedded_path' }),
    embedded_path: Type.String({ default: '.data/pgdata', description: 'Folder of the embedded database (relative to the config file)' }),
    pool_size: Type.Integer({ minimum: 1, maximum: 200, default: 10 }),
    statement_timeout_ms: Type.Integer({ minimum: 0, default: 30000 }),
    migrate_on_start: Type.Boolean({ default: true, description: 'Apply pending migrations when the router starts' }),
  },
  { additionalProperties: false, default: {} },
);

export const MediaWikiSchema = Type.Object(
  {
    api_url: Type.String({
      pattern: '\\{domain\\}',
      default: 'https://{domain}/w/api.php',
      description: 'Action API address template; {domain} is the wiki domain from the event',
    }),
    user_agent: Type.String({
      minLength: 10,
      default: 'imagematching-router/0.1 (https://www.mediawiki.org/wiki/Structured_Data_Across_Wikimedia; imagematching-router@example.org)',
      description: 'Descriptive User-Agent with contact information (Wikimedia User-Agent policy)',
    }),
    allowed_domains: Type.Array(Type.String({ minLength: 1 }), {
      default: ['*.wikipedia.org', 'meta.wikimedia.org', '127.0.0.1', 'localhost'],
      description: 'Wiki domains the router may call; "*." matches any subdomain',
    }),
    wiki_domains: Type.Record(Type.String({ pattern: '^[a-z0-9_]+$' }), Type.String({ minLength: 1 }), {
      default: {},
      description: 'Wiki id → domain for wikis that are neither shipped nor in the site matrix (events without meta.domain)',
    }),
    sitematrix_domain: Type.String({
      minLength: 1,
      default: 'meta.wikimedia.org',
      description: 'Wiki whose action=sitematrix maps wiki ids to domains for events without meta.domain (must be in allowed_domains)',
    }),
    timeout_ms: Type.Integer({ minimum: 100, default: 10000 }),
    max_concurrency_per_domain: Type.Integer({ minimum: 1, maximum: 64, default: 4 }),
    batch_linger_ms: Type.Integer({ minimum: 0, maximum: 1000, default: 20, description: 'How long revision ids are collected into one batch request' }),
    batch_size: Type.Integer({ minimum: 1, maximum: 50, default: 50 }),
    maxlag: Type.Integer({ minimum: 0, default: 5, description: 'maxlag parameter sent with every request (0 disables)' }),
  },
  { additionalProperties: false, default: {} },
);

export const WikitextSchema = Type.Object(
  {
    extract_threads: Type.Integer({
      minimum: 0,
      maximum: 16,
      default: 0,
      description: 'Worker threads that read revisions answers into image lists, or extract images from texts, off the event loop (0: in the event loop); worth it only with a spare core',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const IllustratedSchema = Type.Object(
  {
    rule: Type.Union([Type.Literal('model'), Type.Literal('any_image')], {
      default: 'model',
      description:
        "What counts as illustrated: `model`, the ImageMatching model's rule (a file linked from more than threshold(articles) articles is an icon and does not count; PageImages' page image counts), asking the Action API for usage counts; `any_image`, any embedded file, no request (docs/state.md#what-counts-as-illustrated)",
    }),
    page_images: Type.Boolean({
      default: true,
      description: "With rule model: where the wikitext shows no file that counts, ask PageImages' page props (`page_image`, `page_image_free`) of the page after the edit",
    }),
    settle_ms: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 60_000,
      description: "How long after an edit its links update is taken as done: page props of a younger revision are asked again after the rest of this time (the event waits in its retry)",
    }),
    usage_ttl_ms: Type.Integer({ minimum: 1000, default: 86_400_000, description: 'How long a file usage count is kept' }),
    usage_cache_size: Type.Integer({ minimum: 1, default: 50_000, description: 'Usage counts kept in memory, over all wikis (about 200 bytes each: 10 MB at the default)' }),
    article_count_ttl_ms: Type.Integer({ minimum: 1000, default: 86_400_000, description: "How long a wiki's article count (siteinfo statistics) is kept" }),
  },
  { additionalProperties: false, default: {} },
);

export const MemorySchema = Type.Object(
  {
    heap_growth_percent: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 150,
      description:
        "How far V8's old generation may grow past what survived the last full GC before the next one, in percent (0: V8's own choice, up to 300 on a large machine); lower holds less garbage at some CPU cost",
    }),
  },
  { additionalProperties: false, default: {} },
);

export const HttpSchema = Type.Object(
  {
    allowed_hosts: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'Hosts the generic `http` step may call ("*." wildcard allowed); empty means none',
    }),
    timeout_ms: Type.Integer({ minimum: 100, default: 10000 }),
  },
  { additionalProperties: false, default: {} },
);

export const AdminSchema = Type.Object(
  {
    listen: Type.String({
      // host:port with a port from 0 (any free one, for tests) to 65535.
      pattern: '^[^:]+:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$',
      default: '127.0.0.1:8686',
      description: 'host:port of the admin HTTP endpoint; 127.0.0.1 unless you mean to expose it',
    }),
    token: Type.String({ default: '', description: 'Bearer token for mutating admin routes; empty disables them' }),
  },
  { additionalProperties: false, default: {} },
);

export const RulesSchema = Type.Object(
  {
    paths: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      default: ['rules'],
      description: 'Rule files or folders, relative to the config file',
    }),
  },
  { additionalProperties: false, default: {} },
);

export const LogSchema = Type.Object(
  {
    level: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false, default: {} },
);

export const ConfigSchema = Type.Object(
  {
    service: ServiceSchema,
    source: SourceSchema,
    kafka: KafkaSchema,
    database: DatabaseSchema,
    mediawiki: MediaWikiSchema,
    wikitext: WikitextSchema,
    illustrated: IllustratedSchema,
    memory: MemorySchema,
    http: HttpSchema,
    admin: AdminSchema,
    rules: RulesSchema,
    log: LogSchema,
  },
  { additionalProperties: false },
);

export type RouterConfig = Static<typeof ConfigSchema>;
export type KafkaConfig = Static<typeof KafkaSchema>;
export type KafkaClusterConfig = Static<typeof KafkaClusterSchema>;
export type SourceConfig = Static<typeof SourceSchema>;
export type DatabaseConfig = Static<typeof DatabaseSchema>;
export type MediaWikiConfig = Static<typeof MediaWikiSchema>;
export type IllustratedConfig = Static<typeof IllustratedSchema>;
