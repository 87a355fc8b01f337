// Maps PostgreSQL and driver errors to the router's error classes: a lost or refusing server is a
// DatabaseUnavailableError (the engine waits it out), a conflict is transient, bad data is permanent.
import { DatabaseUnavailableError, PermanentError, RouterError, TransientError, asRouterError, isProgrammingError } from '../errors.ts';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
// 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 53300 too many connections,
// 3D000 database does not exist yet (being created), 08xxx connection exceptions.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);
// Serialization failure, deadlock, statement timeout / cancel, lock timeout, out of memory/disk: try again.
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57014', '55P03', '53100', '53200']);

export function isConflict(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === '40001' || code === '40P01';
}

export function toStoreError(err: unknown, what: string): RouterError {
  if (err instanceof RouterError) return err;
  // A bug in the store's own code is never taken for an outage (its message may well say "connection").
  if (isProgrammingError(err)) return asRouterError(err);
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = `${what}: ${(err as Error)?.message ?? String(err)}`;
  if (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return new DatabaseUnavailableError(message, err);
  // pg reports pool and socket trouble without a code.
  if (!code && /connection|terminat|timeout exceeded when trying to connect|Client has encountered|ended/i.test(message)) {
    return new DatabaseUnavailableError(message, err);
  }
  if (TRANSIENT_SQLSTATES.has(code)) return new TransientError(message, { cause: err });
  if (/^(22|23|42)/.test(code)) return new PermanentError(message, err);
  return new TransientError(message, { cause: err });
}
