// A dry run of one event through a rule set: per rule, whether the event reaches it (stream, canary), matches it
// (with the explanation), and what it would do: ordering key, each step's rendered options, the steps that would run.
// Pure: it compiles the rules as the engine does and never creates a handler, so nothing is called, written or sent.
import { compileMatcher, type Matcher } from './matcher.ts';
import { isCanaryEvent } from '../messaging/canary.ts';
import { compileRule } from './compile.ts';
import type { CompiledRule, CompiledStep } from './compile.ts';
import { explainMatch } from './explain-match.ts';
import type { MatchFailure } from './explain-match.ts';
import type { Captures } from './matcher.ts';
import type { ResolvedRule } from './schema.ts';
import { compileTemplate, findTemplateStrings } from './template.ts';
import type { CompiledTemplate, TemplateContext } from './template.ts';
import { formatPath } from './validate.ts';

/** What the dry run reads of the handler registry (HandlerDefinition fits). */
export interface HandlerDescription {
  readonly description?: string;
}
export type HandlerDescriptions = ReadonlyMap<string, HandlerDescription>;

export interface StopBehaviour {
  /** `always`: the chain ends after this step; `may`: it ends there depending on results; `never`. */
  stops: 'always' | 'may' | 'never';
  /** When it stops. */
  when?: string;
}

const NEVER: StopBehaviour = Object.freeze({ stops: 'never' });

/**
 * When each handler ends the chain (StepOutcome.stop), which the engine learns only at run time. One entry per
 * handler of lib/handlers/registry.ts (a unit test keeps them in step); a handler missing here is reported as `may`.
 */
export const STEP_STOPS: Readonly<Record<string, (options: Record<string, unknown>) => StopBehaviour>> = {
  drop: () => ({ stops: 'always', when: 'drop ends the chain' }),
  image_diff: (o) => (o.stop_when_unchanged === true ? { stops: 'may', when: 'when no image was added or removed (stop_when_unchanged)' } : NEVER),
  judge_illustration: () => NEVER,
  record_page_images: (o) => ({
    stops: 'may',
    when:
      o.stop_when_unchanged === true
        ? 'when the revision is unavailable, or no image was added or removed and its verdict did not change (stop_when_unchanged)'
        : 'when the revision is unavailable',
  }),
  resolve_page: () => ({ stops: 'may', when: 'when the title names no page' }),
  fetch_revisions: () => NEVER,
  http: () => NEVER,
  produce: () => NEVER,
  log: () => NEVER,
  record_feedback: () => NEVER,
};

function stopBehaviour(handler: string, options: unknown): StopBehaviour {
  const known = STEP_STOPS[handler];
  if (!known) return { stops: 'may', when: 'unknown to the dry run: it cannot say whether this handler ends the chain' };
  return known(options !== null && typeof options === 'object' ? (options as Record<string, unknown>) : {});
}

/**
 * Template roots a dry run cannot know: the results of earlier steps, and the Kafka coordinates of the message.
 * Templates reading them are shown as written (unresolved), never rendered as empty.
 */
export const UNRESOLVED_ROOTS = ['results', 'source'] as const;

const readsUnknown = (t: CompiledTemplate): boolean => UNRESOLVED_ROOTS.some((root) => t.roots.has(root));
const pathText = (path: readonly (string | number)[]): string => formatPath(path).replace(/^\./, '');

export interface StepDryRun {
  name: string;
  handler: string;
  description: string;
  /** The options rendered with the engine's templates; templates reading `results` or `source` kept as written. */
  options: unknown;
  /** Paths inside `options` of the templates left unresolved. */
  unresolved: string[];
  stops: StopBehaviour['stops'];
  /** When the step ends the chain (for `always` and `may`). */
  when?: string;
  /** False for steps after one that always ends the chain (a `drop`). */
  reached: boolean;
  /**
   * The step's `when`, and whether it holds for this event: `unknown` when it reads results or source, which a dry
   * run does not know. A step whose `when` does not hold is skipped; the chain goes on.
   */
  condition?: { when: unknown; holds: 'yes' | 'no' | 'unknown' };
}

interface RuleBase {
  rule: string;
  enabled: boolean;
  /** The rule's streams. */
  topics: string[];
}

export type RuleDryRun =
  | (RuleBase & { outcome: 'other_stream' })
  | (RuleBase & { outcome: 'canary' })
  | (RuleBase & { outcome: 'unmatched'; failures: readonly MatchFailure[] })
  | (RuleBase & {
      outcome: 'matched';
      captures: Captures;
      /** The ordering key as the engine renders it; null means "the Kafka message key" (none in a dry run). */
      key: string | null;
      /** True when the key template reads `results` or `source`: `key` is then the template as written. */
      keyUnresolved: boolean;
      steps: StepDryRun[];
      /** Names of the steps that would run, up to the first that always ends the chain. */
      wouldRun: string[];
    });

export interface DryRunReport {
  /** The stream the event was considered on, or null when none could be chosen (see `note`). */
  stream: string | null;
  streamFrom: 'option' | 'meta.stream' | null;
  note?: string;
  canary: boolean;
  rules: RuleDryRun[];
}

interface PreparedStep {
  compiled: CompiledStep;
  /** The step's `when`, compiled, and whether it reads what a dry run cannot know. */
  condition?: { when: unknown; matcher: Matcher; unknowable: boolean };
  description: string;
  pending: { path: (string | number)[]; source: string }[];
  stop: StopBehaviour;
}

interface PreparedRule {
  compiled: CompiledRule;
  keyTemplate: CompiledTemplate;
  steps: PreparedStep[];
}

/** Sets `value` at `path` inside `root` (a fresh copy), creating nothing but the last key; returns the root. */
function setAt(root: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  return root;
}

/** A step's `when`, compiled; one that reads `results` or `source` cannot be decided in a dry run. */
function conditionOf(when: unknown): Pick<PreparedStep, 'condition'> {
  if (when === undefined) return {};
  const roots = (Array.isArray(when) ? when : [when]).flatMap((alt) => Object.keys(alt as object));
  const unknowable = roots.some((r) => (UNRESOLVED_ROOTS as readonly string[]).includes(r));
  return { condition: { when, matcher: compileMatcher(when), unknowable } };
}

/** Compiles a rule set once; `event()` dry-runs one parsed event through it. */
export class DryRun {
  private readonly prepared: PreparedRule[];
  /** Every stream some rule reads (enabled or not). */
  readonly streams: ReadonlySet<string>;

  constructor(rules: readonly ResolvedRule[], handlers: HandlerDescriptions) {
    this.prepared = rules.map((rule) => {
      const compiled = compileRule(rule);
      return {
        compiled,
        keyTemplate: compileTemplate(rule.key),
        steps: compiled.steps.map((step, i) => ({
          compiled: step,
          ...conditionOf(rule.steps[i]!.when),
          description: handlers.get(step.handler)?.description ?? '',
          pending: findTemplateStrings(step.rawOptions).filter((t) => readsUnknown(compileTemplate(t.source))),
          stop: stopBehaviour(step.handler, step.rawOptions),
        })),
      };
    });
    this.streams = new Set(rules.flatMap((r) => r.topics));
  }

  /** Which stream the event is considered on: `stream` when given, else its `meta.stream` when a rule reads it. */
  private chooseStream(event: Record<string, unknown>, stream: string | undefined): Pick<DryRunReport, 'stream' | 'streamFrom' | 'note'> {
    if (stream !== undefined) {
      return this.streams.has(stream) ? { stream, streamFrom: 'option' } : { stream, streamFrom: 'option', note: `no rule reads stream "${stream}"` };
    }
    const meta = event.meta;
    const declared = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>).stream : undefined;
    if (typeof declared === 'string' && this.streams.has(declared)) return { stream: declared, streamFrom: 'meta.stream' };
    const streams = [...this.streams].sort().join(', ');
    const why = typeof declared === 'string' ? `its meta.stream "${declared}" is not a stream of any rule` : 'it has no meta.stream';
    return { stream: null, streamFrom: null, note: `no stream chosen: ${why}; name one with --stream (the rules read ${streams})` };
  }

  event(event: Record<string, unknown>, stream?: string): DryRunReport {
    const chosen = this.chooseStream(event, stream);
    const canary = isCanaryEvent(event);
    return { ...chosen, canary, rules: this.prepared.map((p) => this.ruleOutcome(p, event, chosen.stream, canary)) };
  }

  /** The engine's order: the rule's streams, the canary drop, match/match_not, then the key and the steps. */
  private ruleOutcome(p: PreparedRule, event: Record<string, unknown>, stream: string | null, canary: boolean): RuleDryRun {
    const { rule } = p.compiled;
    const base: RuleBase = { rule: rule.name, enabled: rule.enabled, topics: [...rule.topics] };
    if (stream === null || !rule.topics.includes(stream)) return { ...base, outcome: 'other_stream' };
    if (canary && !rule.canary) return { ...base, outcome: 'canary' };
    const explained = explainMatch(p.compiled.matcher, event);
    if (!explained.matched) return { ...base, outcome: 'unmatched', failures: explained.failures };

    const ctx: TemplateContext = { message: event, match: explained.captures, results: {}, rule: rule.name };
    const keyUnresolved = readsUnknown(p.keyTemplate);
    const key = keyUnresolved ? rule.key : p.compiled.orderingKey(ctx);
    let reached = true;
    const steps = p.steps.map((s): StepDryRun => {
      const rendered = s.compiled.options.evaluate(ctx);
      const options = s.pending.length === 0 ? rendered : s.pending.reduce((root, t) => setAt(root, t.path, t.source), structuredClone(rendered));
      const step: StepDryRun = {
        name: s.compiled.name,
        handler: s.compiled.handler,
        description: s.description,
        options,
        unresolved: s.pending.map((t) => pathText(t.path)),
        stops: s.stop.stops,
        ...(s.stop.when === undefined ? {} : { when: s.stop.when }),
        reached,
        ...(s.condition === undefined
          ? {}
          : { condition: { when: s.condition.when, holds: s.condition.unknowable ? 'unknown' : s.condition.matcher.test(ctx).matched ? 'yes' : 'no' } }),
      };
      if (s.stop.stops === 'always' && step.condition?.holds !== 'no') reached = false;
      return step;
    });
    const wouldRun = steps.filter((s) => s.reached && s.condition?.holds !== 'no').map((s) => s.name);
    return { ...base, outcome: 'matched', captures: explained.captures, key, keyUnresolved, steps, wouldRun };
  }
}
