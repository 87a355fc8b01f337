// One consumed event on its way through a rule: what its steps see (EventContext), the scheduler's job that carries
// it (EventJob), and the parse of its bytes. Tens of thousands are made a second, so they are classes, not closures.
import type { Logger } from '../log.ts';
import { InvalidEventError, type RouterError } from '../errors.ts';
import type { SourceCoordinates, StepContext } from './step.ts';
import type { ConsumedMessage } from '../sources/source.ts';
import type { ScheduledJob } from './key-scheduler.ts';
import type { RetryState } from './parking.ts';
import type { PartitionState } from './assigned-partitions.ts';

/** What a step sees of one event; the per-event logger is created on first use (most events never log). */
export class EventContext implements StepContext {
  readonly results: Record<string, unknown> = {};
  private eventLog: Logger | undefined;
  constructor(
    readonly message: Record<string, unknown>,
    readonly match: Record<string, unknown>,
    readonly source: SourceCoordinates,
    readonly rule: string,
    private readonly ruleLog: Logger,
  ) {}

  get log(): Logger {
    return (this.eventLog ??= this.ruleLog.child({ topic: this.source.topic, partition: this.source.partition, offset: this.source.offset }));
  }
}

export class EventJob implements ScheduledJob {
  constructor(
    readonly key: string,
    readonly state: PartitionState,
    readonly message: ConsumedMessage,
    /** Where the event originally came from (for a retry, not the retry topic). */
    readonly source: SourceCoordinates,
    readonly retry: RetryState | null,
    /** The parsed event, or why it could not be parsed (then the job parks it). */
    readonly parsed: EventContext | RouterError,
    /** Shared by every job of a consumer, so a job holds no closure of its own. */
    private readonly runner: (job: EventJob) => Promise<void>,
  ) {}

  run(): Promise<void> {
    return this.runner(this);
  }
}

/** The event in a message's value: a JSON object, or an InvalidEventError saying why not. */
export function parseEvent(value: Buffer | null): Record<string, unknown> {
  if (!value || value.length === 0) throw new InvalidEventError('empty message');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new InvalidEventError(`invalid JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidEventError(`event must be a JSON object, got ${parsed === null ? 'null' : Array.isArray(parsed) ? 'array' : typeof parsed}`);
  }
  return parsed as Record<string, unknown>;
}
