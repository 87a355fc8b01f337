// The admin API over a database alone (no rules, every dependency ready), on a free port: for tests of its read routes.
import { startAdminServer, type AdminServer } from '../../lib/admin/server.ts';
import { silentLogger } from '../../lib/log.ts';
import type { Queryable } from '../../lib/admin/state-queries.ts';

export async function startReadOnlyAdmin(db: Queryable): Promise<AdminServer & { base: string }> {
  const server = await startAdminServer('127.0.0.1:0', {
    log: silentLogger,
    rules: () => [],
    readiness: { check: async () => ({ kafka: true, database: true, reasons: [] }) },
    db,
    token: '',
  });
  return Object.assign(server, { base: `http://127.0.0.1:${server.port}` });
}
