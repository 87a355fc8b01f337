// What the engine runs for each event, and what a step sees of it: the contract between the engine and the handlers
// (lib/handlers) that implement steps. The engine depends on this alone, never on a handler.
import type { Logger } from '../log.ts';
import type { SkipReason } from './observer.ts';

export interface SourceCoordinates {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** The rule's stream the event came from: the topic without its data-centre prefix (or, from a file, meta.stream). */
  stream: string;
}

/** What a step sees of one event while a rule processes it. */
export interface StepContext {
  /** The parsed event (a JSON object). */
  readonly message: Record<string, unknown>;
  /** Captures of the rule's `match` regexes, at the same paths as in `match`. */
  readonly match: Record<string, unknown>;
  /** Results of the steps that ran before, by step name. Steps add to it. */
  readonly results: Record<string, unknown>;
  readonly source: SourceCoordinates;
  readonly rule: string;
  readonly log: Logger;
}

/**
 * `stop: true` ends the chain for this event successfully (as `drop` does). `skipped` says the event was deliberately
 * not applied (an unavailable revision, an unknown page): it is then counted as skipped with that reason, not succeeded.
 */
export interface StepOutcome {
  stop?: boolean;
  result?: unknown;
  skipped?: SkipReason;
}

export interface Step {
  run(ctx: StepContext): Promise<StepOutcome | void>;
  close?(): Promise<void>;
}
