// A tiny, safe template language for rule keys and step options: `{{ message.meta.domain | uri }}`.
// Templates are parsed once at load time into literal text and property-path lookups; nothing is ever executed.

/** Names a template path may start with; they are the fields of the engine's step context. */
export const TEMPLATE_ROOTS = ['message', 'match', 'results', 'source', 'rule'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

/** What templates read from. The engine's StepContext satisfies it. */
export interface TemplateContext {
  readonly message?: unknown;
  readonly match?: unknown;
  readonly results?: unknown;
  readonly source?: unknown;
  readonly rule?: unknown;
}

/** A template that does not parse. `column` is 1-based within the template string. */
export class TemplateSyntaxError extends Error {
  /** Where the template sits inside an options tree (empty for a lone template). */
  path: (string | number)[] = [];

  constructor(
    readonly template: string,
    readonly reason: string,
    readonly column: number,
  ) {
    super(`${reason} at column ${column}`);
    this.name = 'TemplateSyntaxError';
  }
}

export interface CompiledTemplate {
  readonly source: string;
  /** True when the source has no `{{`: render/evaluate always return `source`. */
  readonly isConstant: boolean;
  /** Root names the template reads (`message`, `match`, ...). */
  readonly roots: ReadonlySet<TemplateRoot>;
  /** The template as a string; missing values render as '', objects as JSON. */
  render(ctx: TemplateContext): string;
  /** The raw value when the template is exactly one `{{expr}}`, otherwise `render(ctx)`. */
  evaluate(ctx: TemplateContext): unknown;
}

export interface CompiledTree {
  readonly isConstant: boolean;
  /** Rebuilds the tree with every template evaluated. Constant parts are shared: treat the result as read-only. */
  evaluate(ctx: TemplateContext): unknown;
}

type FilterName = 'uri' | 'json' | 'lower' | 'upper' | 'trim' | 'default' | 'first' | 'replace';
/** Each filter and the number of arguments it takes. */
const FILTER_ARITY: Readonly<Record<FilterName, number>> = { uri: 0, json: 0, lower: 0, upper: 0, trim: 0, default: 1, first: 1, replace: 2 };
const FILTER_LIST = 'uri, json, lower, upper, trim, default, first or replace';

interface Filter {
  name: FilterName;
  args: unknown[];
}

interface Expression {
  root: TemplateRoot;
  segments: string[];
  filters: Filter[];
}

type Part = string | Expression;

const ROOT_SET: ReadonlySet<string> = new Set(TEMPLATE_ROOTS);
const IDENT_START = /[A-Za-z_$]/;
const IDENT_CHAR = /[A-Za-z0-9_$]/;
const SEGMENT_CHAR = /[A-Za-z0-9_$-]/;
const DIGIT = /[0-9]/;

class Parser {
  pos: number;

  constructor(
    readonly src: string,
    start: number,
    readonly open: number,
  ) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new TemplateSyntaxError(this.src, reason, at + 1);
  }

  peek(): string {
    return this.src.charAt(this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src.charAt(this.pos))) this.pos++;
  }

  eof(): boolean {
    return this.pos >= this.src.length;
  }

  unexpected(what: string): never {
    if (this.eof()) this.fail('unterminated "{{"', this.open);
    this.fail(`${what}, found ${JSON.stringify(this.peek())}`);
  }

  take(re: RegExp, first: RegExp = re): string {
    const start = this.pos;
    if (!first.test(this.peek())) return '';
    this.pos++;
    while (this.pos < this.src.length && re.test(this.src.charAt(this.pos))) this.pos++;
    return this.src.slice(start, this.pos);
  }

  quoted(): string {
    const quote = this.peek();
    const start = this.pos;
    this.pos++;
    let out = '';
    while (!this.eof()) {
      const ch = this.src.charAt(this.pos);
      if (ch === quote) {
        this.pos++;
        return out;
      }
      if (ch === '\\' && this.pos + 1 < this.src.length) {
        out += this.src.charAt(this.pos + 1);
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    return this.fail('unterminated string', start);
  }

  /** Parses `path (| filter)*` and the closing `}}`; `pos` must be just after `{{`. */
  expression(): Expression {
    this.skipSpace();
    if (this.src.startsWith('}}', this.pos)) this.fail('empty expression', this.open);
    if (this.eof()) this.fail('unterminated "{{"', this.open);
    const rootAt = this.pos;
    const root = this.take(IDENT_CHAR, IDENT_START);
    if (!root) this.unexpected('expected a path such as message.page_title');
    if (!ROOT_SET.has(root)) {
      this.fail(`unknown root "${root}" (expected ${TEMPLATE_ROOTS.join(', ')})`, rootAt);
    }
    const segments: string[] = [];
    for (;;) {
      const ch = this.peek();
      if (ch === '.') {
        this.pos++;
        const seg = this.take(SEGMENT_CHAR);
        if (!seg) this.unexpected('expected a property name after "."');
        segments.push(seg);
      } else if (ch === '[') {
        this.pos++;
        this.skipSpace();
        const q = this.peek();
        let seg: string;
        if (q === '"' || q === "'") seg = this.quoted();
        else seg = this.take(DIGIT);
        if (!seg && q !== '"' && q !== "'") this.unexpected('expected a quoted name or an index after "["');
        this.skipSpace();
        if (this.peek() !== ']') this.unexpected('expected "]"');
        this.pos++;
        segments.push(seg);
      } else {
        break;
      }
    }
    const filters: Filter[] = [];
    this.skipSpace();
    while (this.peek() === '|') {
      this.pos++;
      this.skipSpace();
      const nameAt = this.pos;
      const name = this.take(IDENT_CHAR, IDENT_START);
      if (!name) this.unexpected('expected a filter name after "|"');
      if (!Object.hasOwn(FILTER_ARITY, name)) this.fail(`unknown filter "${name}" (expected ${FILTER_LIST})`, nameAt);
      const arity = FILTER_ARITY[name as FilterName];
      const filter: Filter = { name: name as FilterName, args: [] };
      this.skipSpace();
      if (arity > 0) {
        if (this.peek() !== '(') this.unexpected(`expected "(" after ${name}`);
        this.pos++;
        for (let i = 0; i < arity; i++) {
          this.skipSpace();
          if (i > 0) {
            if (this.peek() !== ',') this.unexpected(`expected "," (${name} takes ${arity} arguments)`);
            this.pos++;
            this.skipSpace();
          }
          filter.args.push(this.literal());
          this.skipSpace();
        }
        if (this.peek() !== ')') this.unexpected('expected ")"');
        this.pos++;
        this.skipSpace();
      }
      filters.push(filter);
    }
    if (!this.src.startsWith('}}', this.pos)) this.unexpected('expected "}}" or "|"');
    this.pos += 2;
    return { root: root as TemplateRoot, segments, filters };
  }

  literal(): unknown {
    const ch = this.peek();
    if (ch === '"' || ch === "'") return this.quoted();
    const word = this.take(/[A-Za-z0-9_.+-]/);
    if (word === 'true') return true;
    if (word === 'false') return false;
    if (word === 'null') return null;
    if (word !== '' && /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(word)) return Number(word);
    return this.unexpected('expected a quoted string, number, true, false or null');
  }
}

function parse(source: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) {
      parts.push(source.slice(i));
      break;
    }
    if (open > i) parts.push(source.slice(i, open));
    const parser = new Parser(source, open + 2, open);
    parts.push(parser.expression());
    i = parser.pos;
  }
  return parts;
}

/** Reads an own property only: never `__proto__`, `constructor` or anything inherited. */
function own(value: unknown, key: string): unknown {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function lookup(ctx: TemplateContext, expr: Expression): unknown {
  let value: unknown = ctx[expr.root];
  for (const seg of expr.segments) {
    value = own(value, seg);
    if (value === undefined) return undefined;
  }
  return value;
}

/** How a value appears inside a string: missing → '', scalars as themselves, objects as JSON. */
export function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

function applyFilter(value: unknown, filter: Filter): unknown {
  switch (filter.name) {
    case 'uri':
      return encodeURIComponent(toText(value));
    case 'json':
      return value === undefined ? '' : (JSON.stringify(value) ?? '');
    case 'lower':
      return toText(value).toLowerCase();
    case 'upper':
      return toText(value).toUpperCase();
    case 'trim':
      return toText(value).trim();
    case 'default':
      return value === undefined || value === null || value === '' ? filter.args[0] : value;
    case 'first': {
      // The part before the first separator: `en,de` | first(',') is `en`.
      const text = toText(value);
      const at = text.indexOf(toText(filter.args[0]));
      return at < 0 || toText(filter.args[0]) === '' ? text : text.slice(0, at);
    }
    case 'replace':
      return toText(value).replaceAll(toText(filter.args[0]), toText(filter.args[1]));
  }
}

function evaluateExpression(ctx: TemplateContext, expr: Expression): unknown {
  let value = lookup(ctx, expr);
  for (const filter of expr.filters) value = applyFilter(value, filter);
  return value;
}

/** Parses a template once. Throws TemplateSyntaxError (with a 1-based column) when it is malformed. */
export function compileTemplate(source: string): CompiledTemplate {
  const parts = parse(source);
  const roots = new Set<TemplateRoot>();
  for (const p of parts) if (typeof p !== 'string') roots.add(p.root);
  const isConstant = roots.size === 0;
  const single = parts.length === 1 && typeof parts[0] !== 'string' ? (parts[0] as Expression) : undefined;

  const render = (ctx: TemplateContext): string => {
    if (isConstant) return source;
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : toText(evaluateExpression(ctx, p));
    return out;
  };
  const evaluate = single ? (ctx: TemplateContext): unknown => evaluateExpression(ctx, single) : render;
  return { source, isConstant, roots, render, evaluate };
}

const constant = (value: unknown): CompiledTree => ({ isConstant: true, evaluate: () => value });

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function compileTreeAt(value: unknown, path: (string | number)[]): CompiledTree {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return constant(value);
    let t: CompiledTemplate;
    try {
      t = compileTemplate(value);
    } catch (err) {
      if (err instanceof TemplateSyntaxError) err.path = [...path];
      throw err;
    }
    return { isConstant: false, evaluate: (ctx) => t.evaluate(ctx) };
  }
  if (Array.isArray(value)) {
    const items = value.map((v, i) => compileTreeAt(v, [...path, i]));
    if (items.every((i) => i.isConstant)) return constant(value);
    return { isConstant: false, evaluate: (ctx) => items.map((i) => i.evaluate(ctx)) };
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const items = keys.map((k) => compileTreeAt((value as Record<string, unknown>)[k], [...path, k]));
    if (items.every((i) => i.isConstant)) return constant(value);
    return {
      isConstant: false,
      evaluate: (ctx) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < keys.length; i++) {
          const v = items[i]!.evaluate(ctx);
          // A template that reads a missing field leaves the option out, so handler defaults apply.
          if (v !== undefined) setOwn(out, keys[i]!, v);
        }
        return out;
      },
    };
  }
  return constant(value);
}

/**
 * Compiles every string containing `{{` inside an options object/array. Strings evaluate with
 * CompiledTemplate.evaluate (so `'{{message.page_id}}'` stays a number); object keys are never templated.
 * Throws TemplateSyntaxError with `path` set to where the bad string sits.
 */
export function compileTemplateTree(value: unknown): CompiledTree {
  return compileTreeAt(value, []);
}

/** Every string in a tree that contains `{{`, with its path; used by validation to report each bad one. */
export function findTemplateStrings(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; source: string }[] {
  if (typeof value === 'string') return value.includes('{{') ? [{ path, source: value }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findTemplateStrings(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).flatMap((k) => findTemplateStrings((value as Record<string, unknown>)[k], [...path, k]));
  }
  return [];
}

/** A path a template reads: `{{match.meta.domain.lang}}` is root `match`, segments `meta`, `domain`, `lang`. */
export interface TemplateReference {
  readonly root: TemplateRoot;
  readonly segments: readonly string[];
}

/** The paths a template reads, in order, for checks that need no event (captures the rule never makes). Throws TemplateSyntaxError. */
export function templateReferences(source: string): TemplateReference[] {
  return parse(source).flatMap((p) => (typeof p === 'string' ? [] : [{ root: p.root, segments: p.segments }]));
}
