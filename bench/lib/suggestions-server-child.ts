// The admin API alone, in its own process, for the suggestions_read scenario: the bench's load generator must not
// share its event loop. Prints {"port": N} once listening; SIGTERM closes it.
import { createPool } from '../../lib/store/pool.ts';
import { silentLogger } from '../../lib/log.ts';
import { startAdminServer } from '../../lib/admin/server.ts';

const url = process.argv[2];
if (!url) throw new Error('usage: suggestions-server-child DATABASE_URL [POOL_SIZE]');
const pool = createPool({ url, pool_size: Number(process.argv[3] ?? 10), statement_timeout_ms: 30_000 });
const server = await startAdminServer('127.0.0.1:0', {
  log: silentLogger,
  rules: () => [],
  readiness: { check: async () => ({ kafka: true, database: true, reasons: [] }) },
  db: pool,
  token: '',
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.once('SIGTERM', () => {
  void server.close().then(() => pool.end()).then(() => process.exit(0));
});
