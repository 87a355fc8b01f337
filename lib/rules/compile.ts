// Turns a ResolvedRule into what the engine runs per event: the compiled matcher, the ordering-key
// function and pre-compiled step option templates.
import { compileMatcher } from './matcher.ts';
import type { Matcher } from './matcher.ts';
import type { ResolvedRule } from './schema.ts';
import { compileTemplate, compileTemplateTree } from './template.ts';
import type { CompiledTree, TemplateContext } from './template.ts';

export interface CompiledStep {
  handler: string;
  name: string;
  /** Raw options (with handler defaults); evaluate `options` per event to fill in templates. */
  rawOptions: unknown;
  options: CompiledTree;
}

export interface CompiledRule {
  rule: ResolvedRule;
  matcher: Matcher;
  /** The rendered ordering key, or null ("engine decides": use the Kafka message key). */
  orderingKey(ctx: TemplateContext): string | null;
  steps: CompiledStep[];
}

/**
 * The ordering key for an event. The default `{{message.database}}:{{message.page_id}}` renders as ':' for
 * events without those fields; a key that is empty once ':' are removed yields null so the engine falls
 * back to the Kafka message key.
 */
export function renderOrderingKey(template: { render(ctx: TemplateContext): string }, ctx: TemplateContext): string | null {
  const key = template.render(ctx);
  return key.replaceAll(':', '') === '' ? null : key;
}

/** Compiles a validated rule; throws (MatchPatternError / TemplateSyntaxError) only for rules that skipped validation. */
export function compileRule(rule: ResolvedRule): CompiledRule {
  const key = compileTemplate(rule.key);
  return {
    rule,
    matcher: compileMatcher(rule.match, rule.matchNot),
    orderingKey: (ctx) => renderOrderingKey(key, ctx),
    steps: rule.steps.map((s) => ({ handler: s.handler, name: s.name, rawOptions: s.options, options: compileTemplateTree(s.options) })),
  };
}
