// Typed errors for the whole router. Every error says whether retrying can help (`retriable`),
// and carries enough context (where the event came from, which rule and step) to be dead-lettered.

export interface EventCoordinates {
  topic: string;
  partition: number;
  offset: number;
}

export class RouterError extends Error {
  /** True when the same operation may succeed later (timeouts, 5xx, 429, lost DB connection). */
  readonly retriable: boolean;
  /** Milliseconds the remote side asked us to wait (Retry-After, maxlag), when known. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { retriable: boolean; cause?: unknown; retryAfterMs?: number }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The event itself is unusable: invalid JSON, not an object, schema violation. Never retried. */
export class InvalidEventError extends RouterError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
  }
}

/** A remote service failed in a way that may pass (timeout, 5xx, 429, connection reset). */
export class TransientError extends RouterError {
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number } = {}) {
    super(message, { retriable: true, ...options });
  }
}

/** A remote service answered definitively (4xx, unknown revision, hidden content): retrying cannot help. */
export class PermanentError extends RouterError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: false, cause });
  }
}

/** The database is unreachable or failed transiently: consumption pauses instead of dead-lettering. */
export class DatabaseUnavailableError extends RouterError {
  constructor(message: string, cause?: unknown) {
    super(message, { retriable: true, cause });
  }
}

/** A configuration file or setting is wrong. The CLI prints `message` as one line and exits 2. */
export class ConfigError extends Error {
  constructor(readonly setting: string, readonly reason: string) {
    super(setting ? `${setting}: ${reason}` : reason);
    this.name = 'ConfigError';
  }
}

/** Treat anything thrown by a handler as a RouterError; unknown errors are assumed transient. */
export function asRouterError(err: unknown): RouterError {
  if (err instanceof RouterError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TransientError(message, { cause: err });
}

export function errorClassName(err: unknown): string {
  if (err instanceof Error) return err.name || err.constructor.name;
  return typeof err;
}
