// Parks an event its rule could not apply: in its retry topic while the error is retriable and rounds are left,
// otherwise in the dead-letter topic; produced until durable, since the offset may not pass the event before.
import type { Logger } from '../log.ts';
import { MessageTooLargeError, ProgrammingError, type RouterError } from '../errors.ts';
import type { SourceCoordinates } from './step.ts';
import type { MessageSink } from '../messaging/message.ts';
import type { OutgoingMessage } from '../messaging/message.ts';
import type { ResolvedRetry } from '../rules/schema.ts';
import { backoffDelayMs, PARKING_BACKOFF, ruleBackoff, type BackoffPolicy } from './backoff.ts';
import { buildDeadLetter, buildRetryMessage, type FailureInfo, type ParkedEventSource, type RetryState } from './parking.ts';

export type ParkOutcome = 'retried' | 'dead_lettered' | 'abandoned';

export interface EventParkerOptions {
  service: string;
  rule: string;
  retry: ResolvedRetry;
  producer: MessageSink;
  log: Logger;
  now: () => number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random?: () => number;
}

/** An event to park: its message as consumed, where it came from, and its retry bookkeeping so far. */
export interface FailedEvent {
  readonly message: ParkedEventSource;
  readonly source: SourceCoordinates;
  readonly retry: RetryState | null;
}

export class EventParker {
  private readonly retryBackoff: BackoffPolicy;

  constructor(private readonly opts: EventParkerOptions) {
    this.retryBackoff = ruleBackoff(opts.retry);
  }

  /**
   * Parks `event`, failed with `error` (whose context names the step) after `attempts` tries. Resolves once the
   * parked message is durable, or with 'abandoned' when `signal` aborts first (the partition was revoked).
   */
  async park(event: FailedEvent, error: RouterError, attempts: number, signal: AbortSignal): Promise<ParkOutcome> {
    const { message, source, retry } = event;
    const now = this.opts.now();
    const round = (retry?.round ?? 0) + 1;
    const failure: FailureInfo = {
      rule: error.context.rule ?? this.opts.rule,
      step: error.context.step ?? 'unknown',
      errorClass: error.errorClass,
      errorMessage: error.message,
      retriable: error.retriable,
      attempts: (retry?.attempts ?? 0) + attempts,
      firstFailedAt: retry?.firstFailedAt ?? new Date(now),
      failedAt: new Date(now),
    };
    // The event's identity, exact, since `redrive` and the omitted-value fallback read the original bytes there.
    const origin = { topic: source.topic, partition: source.partition, offset: source.offset };
    let toRetry = error.retriable && round <= this.opts.retry.limit;
    let parked: OutgoingMessage = toRetry
      ? buildRetryMessage(this.opts.service, message, origin, failure, round, now + Math.max(error.retryAfterMs ?? 0, backoffDelayMs(this.retryBackoff, round, this.opts.random)))
      : buildDeadLetter(this.opts.service, message, origin, failure);
    const logFields = { ...error.context, ...origin, err: error.message, errorClass: failure.errorClass, error: error.name };
    let valueOmitted = false;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return 'abandoned';
      try {
        await this.opts.producer.produce(parked);
        break;
      } catch (err) {
        if (err instanceof MessageTooLargeError && !valueOmitted) {
          // Too large even as a dead letter: park the envelope without the value, which stays readable at its source
          // coordinates; retrying the same bytes could never succeed.
          toRetry = false;
          valueOmitted = true;
          parked = buildDeadLetter(this.opts.service, message, origin, failure, { omitValue: true });
          continue;
        }
        this.opts.log.warn({ ...logFields, produceError: (err as Error).message, attempt }, 'parking failed; retrying');
        await this.opts.sleep(backoffDelayMs(PARKING_BACKOFF, attempt), signal);
      }
    }
    if (toRetry) {
      this.opts.log.info({ ...logFields, round }, 'event sent to retry topic');
      return 'retried';
    }
    // A bug's stack goes to the log, for whoever fixes it; the dead letter keeps the message alone.
    const stack = error instanceof ProgrammingError ? { stack: (error.cause as Error).stack } : {};
    this.opts.log.warn({ ...logFields, ...stack, attempts: failure.attempts, ...(valueOmitted ? { valueOmitted } : {}) }, 'event dead-lettered');
    return 'dead_lettered';
  }
}
