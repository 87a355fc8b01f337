// The contract between the rule engine and a step handler. A handler is one module that exports a
// HandlerDefinition: its YAML name, its option schema (TypeBox, so validation and types agree) and a factory.
import type { Static, TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { SkipReason } from '../engine/observer.ts';

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

export interface HandlerDefinition<S extends TSchema = TSchema, E = unknown> {
  /** The YAML name of the step, e.g. `http`. */
  readonly name: string;
  readonly description: string;
  /** Option schema; `additionalProperties: false` so typos are validation errors. */
  readonly options: S;
  create(options: Static<S>, env: E): Step;
}
