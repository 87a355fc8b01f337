import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateString } from '../../../lib/config/interpolate.ts';
import { parseConfig } from '../../../lib/config/load.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { readFileSync } from 'node:fs';

const minimal = `
kafka:
  brokers: \${KAFKA_BROKERS:-127.0.0.1:9092}
database:
  url: \${DATABASE_URL}
`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('environment interpolation', () => {
  const env = { HOST: 'db.example', EMPTY: '', PORT: '6543' };
  const cases: Array<[string, string]> = [
    ['plain text', 'plain text'],
    ['${HOST}', 'db.example'],
    ['pg://${HOST}:${PORT}/x', 'pg://db.example:6543/x'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${HOST:-fallback}', 'db.example'],
    ['${MISSING:-https://{domain}/w/api.php}', 'https://{domain}/w/api.php'],
    ['${MISSING:-}', ''],
    ['cost $$5', 'cost $5'],
    ['a $ alone', 'a $ alone'],
  ];
  for (const [input, expected] of cases) {
    test(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      assert.equal(interpolateString(input, env, 'x'), expected);
    });
  }

  test('names the setting and the variable when a required variable is missing', () => {
    const err = configError(() => interpolateString('${NOPE}', env, 'database.url'));
    assert.equal(err.message, 'database.url: environment variable NOPE is not set');
  });

  describe('in sections the command never reads (unusedSections), an unset variable is empty', () => {
    const text = `kafka:\n  brokers: \${BROKERS}\ndatabase:\n  url: \${DATABASE_URL}\n  embedded_path: \${DATA:-.data/x}\n`;
    // [unusedSections, env, expected database.url or the error]
    const cases: Array<[string, readonly string[] | undefined, Record<string, string>, string]> = [
      ['database unused, its variable unset', ['database'], { BROKERS: 'b:9092' }, ''],
      ['database unused, its variable set: still read', ['database'], { BROKERS: 'b:9092', DATABASE_URL: 'postgres://h/db' }, 'postgres://h/db'],
      ['without the option, unset is an error', undefined, { BROKERS: 'b:9092' }, 'error: database.url: environment variable DATABASE_URL is not set'],
      ['other sections stay strict', ['database'], {}, 'error: kafka.brokers: environment variable BROKERS is not set'],
    ];
    for (const [name, unusedSections, env, expected] of cases) {
      test(name, () => {
        let got: string;
        try {
          got = parseConfig(text, env, 'config', unusedSections ? { unusedSections } : {}).database.url;
        } catch (err) {
          got = `error: ${(err as Error).message}`;
        }
        assert.equal(got, expected);
      });
    }
  });

  test('rejects an unterminated reference', () => {
    const err = configError(() => interpolateString('${HOST', env, 'kafka.brokers'));
    assert.match(err.message, /^kafka\.brokers: unterminated/);
  });
});

describe('configuration validation', () => {
  test('fills every default around the required settings', () => {
    const config = parseConfig(minimal, { DATABASE_URL: 'postgres://u@h/db' });
    assert.equal(config.kafka.brokers, '127.0.0.1:9092');
    assert.equal(config.database.url, 'postgres://u@h/db');
    assert.equal(config.database.pool_size, 10);
    assert.deepEqual(config.kafka.dc_prefixes, ['eqiad', 'codfw']);
    assert.equal(config.admin.listen, '127.0.0.1:8686');
    assert.equal(config.mediawiki.api_url, 'https://{domain}/w/api.php');
    assert.deepEqual(config.rules.paths, ['rules']);
  });

  test('reports a missing required setting by name', () => {
    const err = configError(() => parseConfig('database: {url: "postgres://x"}\n', {}));
    assert.equal(err.message, 'kafka.brokers: required setting is missing');
  });

  test('a file source needs input paths', () => {
    const err = configError(() => parseConfig('source: {type: file}\n', {}));
    assert.equal(err.message, 'source.file.paths: required with source.type file');
  });

  test('without a database URL the embedded database is used, and no Kafka is needed without a Kafka source', () => {
    const config = parseConfig('source: {type: eventstreams}\n', {});
    assert.equal(config.database.url, '');
    assert.equal(config.database.embedded_path, '.data/pgdata');
    assert.equal(config.source.eventstreams.url, 'https://stream.wikimedia.org/v2/stream/{streams}');
  });

  test('reports a missing nested setting by its full path', () => {
    const err = configError(() => parseConfig('kafka: {}\ndatabase: {url: "postgres://x"}\n', {}));
    assert.equal(err.message, 'kafka.brokers: required setting is missing');
  });

  test('reports a value of the wrong type', () => {
    const err = configError(() => parseConfig(`${minimal}  pool_size: lots\n`, { DATABASE_URL: 'postgres://x' }));
    assert.equal(err.message, 'database.pool_size: must be integer');
  });

  test('accepts a number that came from the environment as a string', () => {
    const config = parseConfig(`${minimal}  pool_size: \${POOL}\n`, { DATABASE_URL: 'postgres://x', POOL: '25' });
    assert.equal(config.database.pool_size, 25);
  });

  test('reports an unknown key with its path and the known key it is closest to', () => {
    const err = configError(() => parseConfig(`${minimal}  pool_sise: 3\n`, { DATABASE_URL: 'postgres://x' }));
    assert.equal(err.message, 'database.pool_sise: unknown key "pool_sise" (did you mean "pool_size"?)');
  });

  test('reports an unknown top-level section, two swapped letters being one edit from the known one', () => {
    const err = configError(() => parseConfig(`${minimal}kafak: {}\n`, { DATABASE_URL: 'postgres://x' }));
    assert.equal(err.message, 'kafak: unknown key "kafak" (did you mean "kafka"?)');
  });

  test('an unknown key far from every known one gets no suggestion', () => {
    const err = configError(() => parseConfig(`${minimal}  sharding: 3\n`, { DATABASE_URL: 'postgres://x' }));
    assert.equal(err.message, 'database.sharding: unknown key "sharding"');
  });

  test('reports every problem at once, one line each', () => {
    const text = [
      'kafak: {}',
      'kafka: {brokers: "b:1", consumer: {"group.id": mine, "fetch.min.bytes": {}}}',
      'database: {url: "${NOPE}", pool_size: many}',
      'log: {level: loud}',
      'source: {file: {pathz: []}}',
      '',
    ].join('\n');
    const err = configError(() => parseConfig(text, {}));
    assert.deepEqual([...err.problems].sort(), [
      'database.pool_size: must be integer',
      'database.url: environment variable NOPE is not set',
      'kafak: unknown key "kafak" (did you mean "kafka"?)',
      'kafka.consumer."group.id": is set by the router and cannot be overridden',
      'kafka.consumer.fetch.min.bytes: must be string or number or boolean',
      'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
      'source.file.pathz: unknown key "pathz" (did you mean "paths"?)',
    ]);
    assert.equal(err.message, err.problems.join('\n'));
  });

  test('a single problem is the whole message', () => {
    const err = configError(() => parseConfig('kafka: {}\ndatabase: {url: "postgres://x"}\n', {}));
    assert.deepEqual(err.problems, ['kafka.brokers: required setting is missing']);
  });

  test('reports a value outside the allowed set', () => {
    const err = configError(() => parseConfig(`${minimal}log:\n  level: loud\n`, { DATABASE_URL: 'postgres://x' }));
    assert.match(err.message, /^log\.level: must be one of "fatal", "error"/);
  });

  test('reports YAML syntax errors with a line and column', () => {
    const err = configError(() => parseConfig('kafka:\n  brokers: [a\n', {}, 'bad.yaml'));
    assert.match(err.message, /^bad\.yaml:\d+:\d+: invalid YAML/);
  });

  test('keeps librdkafka pass-through settings as given', () => {
    const config = parseConfig(`${minimal}  url: postgres://x\n`.replace('  url: ${DATABASE_URL}\n', '') + 'log: {level: warn}\n', {});
    assert.equal(config.log.level, 'warn');
    const withKafka = parseConfig(
      'kafka:\n  brokers: b:1\n  consumer:\n    "fetch.min.bytes": 1\n    "isolation.level": read_committed\ndatabase: {url: "postgres://x"}\n',
      {},
    );
    // librdkafka takes every setting as a string, so numbers are passed on in string form.
    assert.deepEqual(withKafka.kafka.consumer, { 'fetch.min.bytes': '1', 'isolation.level': 'read_committed' });
  });

  test('refuses to let librdkafka settings override the commit discipline', () => {
    const err = configError(() =>
      parseConfig('kafka:\n  brokers: b:1\n  consumer:\n    "enable.auto.commit": true\ndatabase: {url: "postgres://x"}\n', {}),
    );
    assert.equal(err.message, 'kafka.consumer."enable.auto.commit": is set by the router and cannot be overridden');
  });

  test('the example configuration is valid with an empty environment', () => {
    const text = readFileSync(new URL('../../../config.example.yaml', import.meta.url), 'utf8');
    const config = parseConfig(text, {});
    assert.equal(config.kafka.brokers, '127.0.0.1:9092');
    assert.equal(config.database.url, 'postgres://postgres@127.0.0.1:5432/imagematching_router');
    assert.equal(config.admin.token, '');
  });
});

describe('config.example.yaml', () => {
  test('documents every setting of the schema', async () => {
    const { ConfigSchema } = await import('../../../lib/config/schema.ts');
    const yaml = (await import('js-yaml')).default;
    const example = yaml.load(readFileSync(new URL('../../../config.example.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (schema: { properties?: Record<string, unknown> }, value: Record<string, unknown> | undefined, path: string) => {
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        const here = path ? `${path}.${key}` : key;
        if (!value || !(key in value)) missing.push(here);
        else if ((sub as { type?: string }).type === 'object' && (sub as { properties?: unknown }).properties) {
          walk(sub as { properties?: Record<string, unknown> }, value[key] as Record<string, unknown>, here);
        }
      }
    };
    walk(ConfigSchema as unknown as { properties: Record<string, unknown> }, example, '');
    assert.deepEqual(missing, []);
  });
});
