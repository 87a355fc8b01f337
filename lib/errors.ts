// The router's error classes, in the manner of KafkaJS's errors: each says whether retrying can help (`retriable`,
// `retryAfterMs`) and carries where it happened (`context`: the event's topic, partition and offset, rule, step).

/** Where an error happened. The engine fills it in as the error leaves a step (`withContext`). */
export interface ErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
  readonly rule?: string;
  readonly step?: string;
}

const NO_CONTEXT: ErrorContext = Object.freeze({});

export class RouterError extends Error {
  /** True when the same operation may succeed later (timeouts, 5xx, 429, lost DB connection). */
  readonly retriable: boolean;
  /** Milliseconds the remote side asked us to wait (Retry-After, maxlag), when known. */
  readonly retryAfterMs: number | undefined;
  readonly context: ErrorContext = NO_CONTEXT;

  constructor(message: string, options: { retriable: boolean; cause?: unknown; retryAfterMs?: number }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.retriable = options.retriable;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** The class dead letters and log lines name: this error's own, or for a throw the router wrapped, the thrown one. */
  get errorClass(): string {
    return this.name;
  }

  /**
   * A copy of this error that also says where it happened. A copy, because one error may be thrown to many events
   * (a failed batch request fails every event in the batch), so context is never written into a thrown error.
   */
  withContext(context: ErrorContext): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object, Object.getOwnPropertyDescriptors(this)) as this;
    Object.defineProperty(copy, 'context', { value: Object.freeze({ ...this.context, ...context }), enumerable: true });
    return copy;
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

/**
 * A message larger than the broker (or librdkafka's `message.max.bytes`) accepts. The same bytes can never be
 * delivered, so it is not retried; parking falls back to a dead letter without the value.
 */
export class MessageTooLargeError extends RouterError {
  constructor(
    message: string,
    /** The topic the message was for. */
    readonly destination: string,
    /** The size of the message's value. */
    readonly bytes: number,
    cause?: unknown,
  ) {
    super(message, { retriable: false, cause });
  }
}

/** The JavaScript errors that only a bug raises: the same code on the same input throws them again. */
const PROGRAMMING_ERRORS: ReadonlyArray<new (...args: never[]) => Error> = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/**
 * A bug: code threw TypeError, RangeError, ReferenceError, SyntaxError, EvalError or URIError. Retrying would run the
 * same code on the same input, so the event is dead-lettered at once, under the thrown class and its message.
 */
export class ProgrammingError extends RouterError {
  private readonly thrownClass: string;
  constructor(thrown: Error) {
    super(thrown.message, { retriable: false, cause: thrown });
    this.thrownClass = thrown.name;
  }

  override get errorClass(): string {
    return this.thrownClass;
  }
}

/**
 * A throw the router does not know: a plain Error, or a value that is no Error at all. Assumed to pass, since network
 * libraries throw plain Errors, and so retried like a TransientError; `errorClass` names what was thrown.
 */
export class UnclassifiedError extends TransientError {
  private readonly thrownClass: string;
  constructor(thrown: unknown) {
    super(thrown instanceof Error ? thrown.message : String(thrown), { cause: thrown });
    this.thrownClass = thrown instanceof Error ? thrown.name || thrown.constructor.name : typeof thrown;
  }

  override get errorClass(): string {
    return this.thrownClass;
  }
}

/**
 * A configuration file or setting is wrong. The CLI prints each of `problems` as one line and exits 2: one problem
 * for a ConfigError made directly, every problem found for one made by `ConfigError.all`.
 */
export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(readonly setting: string, readonly reason: string, problems?: readonly string[]) {
    super(problems ? problems.join('\n') : setting ? `${setting}: ${reason}` : reason);
    this.name = 'ConfigError';
    this.problems = problems ?? [this.message];
  }

  /** One error naming every problem of `errors` (in order, each once), so an operator fixes them in one go. */
  static all(errors: readonly ConfigError[]): ConfigError {
    if (errors.length === 1) return errors[0]!;
    const problems = [...new Set(errors.flatMap((e) => e.problems))];
    const first = errors[0];
    return new ConfigError(first?.setting ?? '', first?.reason ?? 'invalid', problems);
  }
}

export function isProgrammingError(err: unknown): err is Error {
  return PROGRAMMING_ERRORS.some((type) => err instanceof type);
}

/** Anything thrown, as a RouterError: a bug is a ProgrammingError (never retried), anything else unknown is transient. */
export function asRouterError(err: unknown): RouterError {
  if (err instanceof RouterError) return err;
  if (isProgrammingError(err)) return new ProgrammingError(err);
  return new UnclassifiedError(err);
}
