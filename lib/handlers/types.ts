// What a handler module exports: its YAML name, its spec (description, details, examples, option schema in TypeBox,
// so validation, types and the rules reference agree) and a factory of the step the engine runs (lib/engine/step.ts).
import type { Static, TSchema } from '@sinclair/typebox';
import type { Step } from '../engine/step.ts';

/** One way to use a handler, shown in the rules reference and validated by a test. */
export interface HandlerExample {
  /** What the example does, as a sentence without its final stop. */
  readonly summary: string;
  readonly options: Record<string, unknown>;
}

export interface HandlerDefinition<S extends TSchema = TSchema, E = unknown> {
  /** The YAML name of the step, e.g. `http`. */
  readonly name: string;
  /** One sentence: what the step does. */
  readonly description: string;
  /** More of the reference (markdown paragraphs): behaviour, results, failures. */
  readonly details?: string;
  readonly examples: readonly HandlerExample[];
  /** Option schema; `additionalProperties: false` so typos are validation errors. */
  readonly options: S;
  create(options: Static<S>, env: E): Step;
}
