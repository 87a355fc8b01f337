// Creates the configured database when it does not exist yet, through the server's `postgres` maintenance
// database, so `migrate` works on a fresh server. Needs CREATEDB. A server that cannot be reached is reported
// naming the setting (password masked): the first thing `run` and `migrate` do, so an operator sees what to fix.
import pg from 'pg';
import { DatabaseUnavailableError } from '../errors.ts';
import { redactUrl } from '../log.ts';

/** `database.url … is unreachable: connect ECONNREFUSED …`, or `… refused the connection: …` when the server answered. */
export function connectError(url: string, err: unknown): DatabaseUnavailableError {
  // Node's happy-eyeballs connect (a host name with IPv4 and IPv6 addresses) fails with an AggregateError whose own message is empty.
  const inner = (err as { errors?: unknown })?.errors;
  const message = (err as Error)?.message || (Array.isArray(inner) ? inner.map((e) => (e as Error).message).join('; ') : String(err));
  // A SQLSTATE (five characters, e.g. 28P01) means the server answered; a system error (ECONNREFUSED) or a timeout means it did not.
  const code = (err as { code?: unknown })?.code;
  const answered = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  return new DatabaseUnavailableError(`database.url ${redactUrl(url)} ${answered ? 'refused the connection' : 'is unreachable'}: ${message}`, err);
}

export async function ensureDatabase(url: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw connectError(url, err);
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 5000 });
  await admin.connect().catch((err: unknown) => {
    throw connectError(maintenance.toString(), err);
  });
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } catch (err) {
    if ((err as { code?: string }).code !== '42P04') throw err; // created concurrently: fine
  } finally {
    await admin.end();
  }
  return true;
}
