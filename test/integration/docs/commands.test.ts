// Every shell command of docs/runbook.md and docs/integration.md is checked: `node bin/imagematching-router.js` lines against
// the real CLI's help (subcommand and every --option) and run where safe (validate, check-config, migrate, redrive
// against the real broker under a fresh service name); Kafka tool lines on the real broker (fresh group and topic
// names); curl lines against a real admin API. A command of a kind no test runs fails the first test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../../lib/config/load.ts';
import { createTopics } from '../../../lib/kafka/admin.ts';
import { buildDeadLetter, HEADER } from '../../../lib/engine/parking.ts';
import { createPool, type Pool } from '../../../lib/store/pool.ts';
import { migrate } from '../../../lib/store/migrate.ts';
import { silentLogger } from '../../../lib/log.ts';
import { startAdminServer, type AdminRule, type AdminServer } from '../../../lib/admin/server.ts';
import { createTestDatabase, KAFKA_BROKERS, uniqueName } from '../../helpers/services.ts';
import { readTopic, REPO, withProducer } from '../../helpers/router-harness.ts';
import { longOptions, readCodeBlocks, runShell, shellCommands, type ShellCommand } from '../../helpers/doc-snippets.ts';

const DOCS = ['docs/runbook.md', 'docs/integration.md'];
const commands = DOCS.flatMap((doc) => shellCommands(readCodeBlocks(join(REPO, doc), 'sh')));
const BIN = join(REPO, 'bin/imagematching-router.js');
const where = (c: ShellCommand) => `${c.block.file.replace(REPO, '')}:${c.block.line}: ${c.text}`;

// From the checkout, never `npx imagematching-router`: outside it npx asks the public registry for that name.
const isCli = (c: ShellCommand) => c.words[0] === 'node' && c.words[1] === 'bin/imagematching-router.js';
const sub = (c: ShellCommand) => c.words[2] ?? '';
const KAFKA_TOOLS: Record<string, string> = {
  'kafka-topics.sh': 'org.apache.kafka.tools.TopicCommand',
  'kafka-consumer-groups.sh': 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand',
};

function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: options.cwd ?? REPO, encoding: 'utf8', env: { ...process.env, ...options.env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The documented command as the test runs it: the CLI through its bin file, a --config swapped when asked. */
function cliArgs(c: ShellCommand, config?: string): string[] {
  const args = c.words.slice(2);
  if (config !== undefined) {
    const i = args.findIndex((w) => w === '--config' || w === '-c');
    assert.ok(i >= 0, `${where(c)}: expected --config`);
    args[i + 1] = config;
  }
  return args;
}

describe('shell commands in the runbook and the integration guide', () => {
  test('every command is of a kind a test runs or checks', () => {
    assert.ok(commands.length >= 15, `found only ${commands.length} commands`);
    for (const c of commands) {
      const known = isCli(c) || ['curl', 'psql'].includes(c.words[0]!) || c.words[0]! in KAFKA_TOOLS;
      assert.ok(known, `${where(c)}: no test runs this kind of command; add it to test/integration/docs/`);
    }
  });

  test('no documented command runs the CLI through npx', () => {
    for (const c of commands) assert.ok(!(c.words[0] === 'npx' && c.words[1] === 'imagematching-router'), `${c.block.file}:${c.block.line}: ${c.text}`);
  });

  test('every `node bin/imagematching-router.js` subcommand and --option exists in the CLI help', () => {
    const help = cli(['--help']);
    assert.equal(help.code, 0);
    const subcommands = new Set([...help.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!));
    const cliCommands = commands.filter(isCli);
    assert.ok(cliCommands.length >= 8);
    for (const c of cliCommands) {
      assert.ok(subcommands.has(sub(c)), `${where(c)}: no subcommand "${sub(c)}" in --help (${[...subcommands].join(', ')})`);
      const subHelp = cli([sub(c), '--help']);
      assert.equal(subHelp.code, 0, subHelp.stderr);
      for (const option of longOptions(c.words)) {
        assert.match(subHelp.stdout, new RegExp(`(^|[\\s,])${option}(\\s|$)`, 'm'), `${where(c)}: ${option} is not an option of "${sub(c)}"`);
      }
    }
  });

  test('`validate`, `test` and `check-config` on the shipped files succeed as documented', () => {
    const runs = commands.filter((c) => isCli(c) && (sub(c) === 'validate' || sub(c) === 'test' || (sub(c) === 'check-config' && c.text.includes('config.example.yaml'))));
    assert.ok(runs.some((c) => sub(c) === 'validate') && runs.some((c) => sub(c) === 'test') && runs.some((c) => sub(c) === 'check-config'));
    for (const c of runs) {
      const r = cli(cliArgs(c));
      assert.equal(r.code, 0, `${where(c)}\n${r.stdout}${r.stderr}`);
      assert.match(r.stdout, sub(c) === 'test' ? /: \d+ passed, 0 failed$/m : /^ok: /m);
    }
  });

  test('`migrate` with the example configuration creates the schema in the database DATABASE_URL names', async () => {
    const runs = commands.filter((c) => isCli(c) && sub(c) === 'migrate');
    assert.ok(runs.length > 0);
    const db = await createTestDatabase();
    try {
      for (const c of runs) {
        const r = cli(cliArgs(c), { env: { DATABASE_URL: db.url } });
        assert.equal(r.code, 0, `${where(c)}\n${r.stdout}${r.stderr}`);
        assert.match(r.stdout, /applied \d+ migration\(s\)|schema is up to date/);
      }
    } finally {
      await db.drop();
    }
  });

  test('the backfill configurations are valid, and `check-config` accepts them as documented', () => {
    const yamlBlocks = readCodeBlocks(join(REPO, 'docs/runbook.md'), 'yaml');
    assert.ok(yamlBlocks.length >= 2);
    const checks = commands.filter((c) => isCli(c) && sub(c) === 'check-config' && c.text.includes('backfill.yaml'));
    assert.ok(checks.length > 0);
    for (const block of yamlBlocks) {
      const config = parseConfig(block.code, { DATABASE_URL: 'postgres://router@db.example.org/imagematching_router' }, `${block.file}:${block.line}`);
      assert.notEqual(config.source.type, 'kafka', 'backfills read files or EventStreams');
      assert.notEqual(config.service.name, 'imagematching-router', 'a backfill uses its own service name (own groups and topics)');
      // The same file on disk, its /srv paths moved into a temporary folder that holds the shipped rules.
      const dir = mkdtempSync(join(tmpdir(), 'imr-docs-backfill-'));
      cpSync(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
      writeFileSync(join(dir, 'backfill.yaml'), block.code.replaceAll('/srv/imagematching-router', dir));
      // check-config wants a file source's inputs to be there: each folder named, with an event file in it.
      for (const input of config.source.type === 'file' ? config.source.file.paths : []) {
        const folder = input.replaceAll('/srv/imagematching-router', dir);
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, 'part-0000.ndjson'), '');
      }
      for (const c of checks) {
        const r = cli(cliArgs(c), { cwd: dir, env: { DATABASE_URL: 'postgres://router@db.example.org/imagematching_router' } });
        assert.equal(r.code, 0, `${where(c)} with ${block.file}:${block.line}\n${r.stdout}${r.stderr}`);
      }
    }
  });

  test('only `run` is checked without being run (it runs until stopped; test/integration/admin/run-command.test.ts runs it)', () => {
    const notRun = commands.filter((c) => isCli(c) && !['validate', 'test', 'check-config', 'migrate', 'redrive'].includes(sub(c)));
    assert.deepEqual([...new Set(notRun.map(sub))], ['run']);
  });

  describe('on the real Kafka broker', () => {
    const service = uniqueName('imr-docs');

    test('redrive --dry-run lists, and redrive re-injects, only the selected rule and window', async () => {
      const redrives = commands.filter((c) => isCli(c) && sub(c) === 'redrive');
      assert.ok(redrives.some((c) => c.words.includes('--dry-run')) && redrives.some((c) => !c.words.includes('--dry-run')));
      const dir = mkdtempSync(join(tmpdir(), 'imr-docs-redrive-'));
      const config = join(dir, 'config.yaml');
      writeFileSync(config, `service: {name: ${service}}\nkafka: {brokers: "${KAFKA_BROKERS}"}\nrules: {paths: [${join(REPO, 'rules')}]}\nlog: {level: warn}\n`);
      const source = 'eqiad.mediawiki.revision-create';
      const retryTopic = `${service}.retry.${source}`;
      await createTopics(KAFKA_BROKERS, [{ topic: `${service}.error` }, { topic: retryTopic }]);
      const letter = (rule: string, failedAt: string, offset: number) =>
        buildDeadLetter(
          service,
          { topic: source, partition: 0, offset, key: Buffer.from(`enwiki:${offset}`), value: Buffer.from(JSON.stringify({ rev_id: offset })), headers: [] },
          { topic: source, partition: 0, offset },
          { rule, step: 'fetch_revisions', errorClass: 'PermanentError', errorMessage: 'test', retriable: false, attempts: 4, firstFailedAt: new Date(failedAt), failedAt: new Date(failedAt) },
        );
      await withProducer(async (p) => {
        await p.produce(letter('image_matching_revisions', '2024-05-01T12:00:00Z', 1)); // selected
        await p.produce(letter('image_matching_feedback', '2024-05-01T13:00:00Z', 2)); // another rule
        await p.produce(letter('image_matching_revisions', '2024-05-03T12:00:00Z', 3)); // outside the window
      });
      for (const c of redrives) {
        const r = cli(cliArgs(c, config));
        assert.equal(r.code, 0, `${where(c)}\n${r.stdout}${r.stderr}`);
        const dry = c.words.includes('--dry-run');
        assert.match(r.stdout, new RegExp(`^${dry ? 'would re-inject' : 're-injected'} 1 of 3 dead letter\\(s\\)$`, 'm'), r.stdout);
        assert.match(r.stdout, new RegExp(`${source}/0@1 rule=image_matching_revisions error=PermanentError`));
      }
      const [message] = await readTopic(retryTopic, 1);
      assert.equal(message!.value!.toString(), JSON.stringify({ rev_id: 1 }));
      const header = (name: string) => message!.headers.find((h) => name in h)?.[name]?.toString();
      assert.equal(header(HEADER.rule), 'image_matching_revisions');
      assert.equal(header(HEADER.sourceOffset), '1');
    });

    test('the kafka-topics.sh and kafka-consumer-groups.sh lines run (fresh topic and group names)', async (t) => {
      const libs = join(REPO, '.cache/kafka', process.env.KAFKA_VERSION ?? '4.1.1', 'libs');
      if (!existsSync(libs)) {
        t.skip(`no Kafka tools in ${libs} (scripts/kafka.sh start resolves them)`);
        return;
      }
      const bin = mkdtempSync(join(tmpdir(), 'imr-docs-kafka-bin-'));
      for (const [tool, main] of Object.entries(KAFKA_TOOLS)) {
        writeFileSync(join(bin, tool), `#!/bin/sh\nexec java -Xmx256m -cp '${libs}/*' ${main} "$@"\n`);
        chmodSync(join(bin, tool), 0o755);
      }
      // Documented names, isolated: data-centre topics get the fresh service as a prefix, and the service name in
      // group and retry-topic names becomes the fresh one.
      const isolate = (text: string) => text.replace(/(?<![\w.-])(eqiad|codfw)\./g, `${service}.$1.`).replaceAll('imagematching-router', service);
      const kafkaLines = commands.filter((c) => c.words[0]! in KAFKA_TOOLS);
      assert.ok(kafkaLines.length >= 4);
      const topics = new Set<string>();
      for (const c of kafkaLines) for (const m of isolate(c.text).matchAll(/--topic (\S+)/g)) topics.add(m[1]!);
      await createTopics(KAFKA_BROKERS, [...topics].map((topic) => ({ topic, partitions: 2 })));
      const env = { ...process.env, KAFKA_BROKERS, PATH: `${bin}:${process.env.PATH}` };
      // A group the "describe" line can find: the production group of the rule, committed at the start.
      const group = `${service}-image_matching_revisions`;
      const setup = await runShell(`kafka-consumer-groups.sh --bootstrap-server "$KAFKA_BROKERS" --group ${group} --topic ${service}.eqiad.mediawiki.revision-create --reset-offsets --to-earliest --execute`, { cwd: REPO, env });
      assert.equal(setup.code, 0, setup.stderr);
      for (const c of kafkaLines) {
        const line = isolate(c.text);
        const r = await runShell(line, { cwd: REPO, env, timeoutMs: 60_000 });
        assert.equal(r.code, 0, `${where(c)}\n${r.stdout}${r.stderr}`);
        // The tools print "Error: ..." and still exit 0.
        assert.doesNotMatch(r.stdout + r.stderr, /^Error|Exception/m, `${where(c)}\n${r.stdout}${r.stderr}`);
        if (line.includes('--reset-offsets')) assert.match(r.stdout, /NEW-OFFSET/, r.stdout);
        if (line.includes('--describe --group')) assert.match(r.stdout, new RegExp(`${group}\\s+${service}\\.eqiad\\.mediawiki\\.revision-create`), r.stdout);
      }
      const alter = kafkaLines.find((c) => c.text.includes('--alter'));
      if (alter) {
        const described = await runShell(`kafka-topics.sh --bootstrap-server "$KAFKA_BROKERS" --describe --topic ${isolate(alter.text).match(/--topic (\S+)/)![1]}`, { cwd: REPO, env });
        assert.match(described.stdout, /PartitionCount:\s*4/, described.stdout);
      }
    });
  });

  describe('curl lines against a real admin API', () => {
    let database: Awaited<ReturnType<typeof createTestDatabase>>;
    let pool: Pool;
    let server: AdminServer;
    const token = 'docs-test-token';
    let paused = false;
    const rule: AdminRule = {
      name: 'image_matching_revisions',
      topics: ['eqiad.mediawiki.revision-create', 'codfw.mediawiki.revision-create'],
      get status() {
        return paused ? 'paused' : 'running';
      },
      get isPaused() {
        return paused;
      },
      lastCommitError: null,
      pending: () => [{ topic: 'eqiad.mediawiki.revision-create', partition: 0, unfinished: 0, committed: 42, paused: false }],
      pause: () => {
        paused = true;
      },
      resume: () => {
        paused = false;
      },
    };

    before(async () => {
      database = await createTestDatabase();
      pool = createPool({ url: database.url, pool_size: 2, statement_timeout_ms: 10_000 });
      await migrate(pool);
      await pool.query(
        `INSERT INTO recommendation_status (wiki, page_id, image, status, reasons, source, event_dt)
         VALUES ('enwiki', 102, 'Cat.jpg', 'rejected', '{notrelevant}', 'mediawiki.image_suggestions_feedback', now())`,
      );
      server = await startAdminServer('127.0.0.1:0', {
        log: silentLogger,
        rules: () => [rule],
        readiness: { check: async () => ({ kafka: true, database: true, reasons: [] }) },
        db: pool,
        token,
      });
    });
    after(async () => {
      await server?.close();
      await pool?.end();
      await database?.drop();
    });

    test('each runbook curl line succeeds and answers what the runbook says', async () => {
      const curls = commands.filter((c) => c.words[0] === 'curl' && c.block.file.endsWith('runbook.md'));
      assert.ok(curls.length >= 5);
      const cwd = mkdtempSync(join(tmpdir(), 'imr-docs-curl-'));
      mkdirSync(cwd, { recursive: true });
      for (const c of curls) {
        assert.match(c.text, /127\.0\.0\.1:8686/);
        const r = await runShell(c.text.replaceAll('127.0.0.1:8686', `127.0.0.1:${server.port}`), { cwd, env: { ...process.env, ADMIN_TOKEN: token } });
        assert.equal(r.code, 0, `${where(c)}\n${r.stderr}`);
        const out = r.stdout.trim();
        if (c.text.endsWith('/readyz')) assert.equal(JSON.parse(out).status, 'ready');
        else if (c.text.includes('/v1/rules |')) assert.deepEqual(JSON.parse(out), { name: 'image_matching_revisions', status: paused ? 'paused' : 'running', partitions: [{ topic: 'eqiad.mediawiki.revision-create', partition: 0, lag: null }] });
        else if (c.text.includes("-w '%{http_code}")) assert.equal(out, '200');
        else if (c.text.endsWith('/pause')) assert.equal(JSON.parse(out).paused, true);
        else if (c.text.endsWith('/resume')) assert.equal(JSON.parse(out).paused, false);
        else if (c.text.includes('/v1/pages/enwiki/102')) assert.equal(JSON.parse(out).recommendations[0].status, 'rejected');
        else assert.fail(`no expectation for ${where(c)}`);
      }
      // A wrong token is refused, as the rotation section says.
      const wrong = await runShell(`curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer old" 127.0.0.1:${server.port}/v1/rules/image_matching_revisions/resume`, { cwd });
      assert.equal(wrong.stdout, '401');
    });
  });
});
