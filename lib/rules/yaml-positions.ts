// Loads YAML with js-yaml 4 and records where every node sits (1-based line/column) by JSON path, using
// js-yaml's `listener` open/close events, so validation errors can point at the exact place in the file.
import { load, CORE_SCHEMA, YAMLException } from 'js-yaml';
import type { State } from 'js-yaml';

export type YamlPath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** A YAML syntax error, with 1-based line/column. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${reason} (${line}:${column})`);
    this.name = 'YamlSyntaxError';
  }
}

function pathKey(path: YamlPath): string {
  // Mapping keys and sequence indices never share a level, so stringifying indices is unambiguous.
  return path.map((p) => String(p)).join('\u0000');
}

export class PositionMap {
  private readonly values = new Map<string, Position>();
  private readonly keys = new Map<string, Position>();

  setValue(path: YamlPath, pos: Position): void {
    this.values.set(pathKey(path), pos);
  }

  setKey(path: YamlPath, pos: Position): void {
    this.keys.set(pathKey(path), pos);
  }

  /** Position of the node at `path` (for a mapping entry, its value). */
  get(path: YamlPath): Position | undefined {
    return this.values.get(pathKey(path));
  }

  /** Position of the KEY of the mapping entry at `path`. */
  getKey(path: YamlPath): Position | undefined {
    return this.keys.get(pathKey(path));
  }

  /** The node's position, or its closest recorded ancestor's (1:1 if none). */
  nearest(path: YamlPath, prefer: 'value' | 'key' = 'value'): Position {
    if (prefer === 'key') {
      const k = this.getKey(path);
      if (k) return k;
    }
    for (let n = path.length; n >= 0; n--) {
      const p = this.get(path.slice(0, n));
      if (p) return p;
    }
    return { line: 1, column: 1 };
  }

  get size(): number {
    return this.values.size;
  }
}

interface RawNode {
  open: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: RawNode[];
}

interface Node {
  start: number;
  end: number;
  kind: string | null;
  result: unknown;
  children: Node[];
}

/** Skips spaces, line breaks and comments: the listener's `open` fires before js-yaml seeks to the content. */
function skipBlank(text: string, pos: number): number {
  let i = pos;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23 /* # */) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else break;
  }
  return i;
}

function finish(text: string, raw: RawNode): Node {
  const skipped = skipBlank(text, raw.open);
  // An empty node (`key:` with no value) closes where the next content starts; point it at its own line.
  const start = skipped < raw.end ? skipped : raw.open;
  const node: Node = { start, end: raw.end, kind: raw.kind, result: raw.result, children: raw.children.map((c) => finish(text, c)) };
  // In block context js-yaml first tries to read a node as a mapping key and, when no ':' follows, keeps that
  // inner node as the result: the outer node is then a wrapper around a single child starting at the same place.
  while (node.children.length === 1 && node.children[0]!.start === node.start) {
    const only = node.children[0]!;
    node.kind = only.kind;
    node.children = only.children;
    node.end = only.end;
  }
  return node;
}

class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) this.starts.push(i + 1);
  }

  at(pos: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: pos - this.starts[lo]! + 1 };
  }
}

function walk(text: string, node: Node, path: (string | number)[], lines: LineIndex, map: PositionMap): void {
  map.setValue(path, lines.at(node.start));
  const kids = node.children;
  if (node.kind === 'sequence') {
    for (let i = 0, item = 0; i < kids.length; i++, item++) {
      const child = kids[i]!;
      if (hasValueAfter(text, child, kids, i)) {
        // A single-pair mapping inside a flow sequence (`[log: {}]`): js-yaml emits no node for the mapping.
        const entryPath = [...path, item];
        map.setValue(entryPath, lines.at(child.start));
        mapEntry(text, child, kids[i + 1], entryPath, lines, map);
        i++;
      } else {
        walk(text, child, [...path, item], lines, map);
      }
    }
  } else if (node.kind === 'mapping') {
    // Children alternate key, value; a key without a value (`{a, b: 1}`) is recognised by the absent ':'.
    for (let i = 0; i < kids.length; i++) {
      const keyNode = kids[i]!;
      if (hasValueAfter(text, keyNode, kids, i)) {
        mapEntry(text, keyNode, kids[i + 1], path, lines, map);
        i++;
      } else {
        mapEntry(text, keyNode, undefined, path, lines, map);
      }
    }
  }
}

/** True when `kids[i]` is a key: a ':' follows it and another node comes next. */
function hasValueAfter(text: string, node: Node, kids: Node[], i: number): boolean {
  return i + 1 < kids.length && text.charCodeAt(skipBlank(text, node.end)) === 0x3a; /* : */
}

function mapEntry(text: string, keyNode: Node, valueNode: Node | undefined, path: (string | number)[], lines: LineIndex, map: PositionMap): void {
  const entry = [...path, String(keyNode.result)];
  map.setKey(entry, lines.at(keyNode.start));
  if (valueNode) walk(text, valueNode, entry, lines, map);
  else map.setValue(entry, lines.at(keyNode.start));
}

export interface LoadedYaml {
  value: unknown;
  positions: PositionMap;
}

/**
 * Parses one YAML document with the CORE schema (JSON-like values: no dates, no `<<` merge keys) and maps
 * every node's JSON path to its 1-based position. Throws YamlSyntaxError on bad YAML.
 */
export function loadYamlWithPositions(source: string, filename?: string): LoadedYaml {
  // js-yaml drops a BOM itself; do it here too so positions line up with `text`.
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  const top: RawNode = { open: 0, end: 0, kind: null, result: undefined, children: [] };
  const stack: RawNode[] = [top];
  let value: unknown;
  try {
    value = load(text, {
      ...(filename === undefined ? {} : { filename }),
      schema: CORE_SCHEMA,
      listener(event: 'open' | 'close', state: State) {
        if (event === 'open') {
          stack.push({ open: state.position, end: state.position, kind: null, result: undefined, children: [] });
        } else {
          const node = stack.pop()!;
          node.end = state.position;
          node.kind = state.kind;
          node.result = state.result;
          stack[stack.length - 1]!.children.push(node);
        }
      },
    });
  } catch (err) {
    if (err instanceof YAMLException) {
      const mark = err.mark as { line?: number; column?: number } | undefined;
      throw new YamlSyntaxError(err.reason || err.message, (mark?.line ?? 0) + 1, (mark?.column ?? 0) + 1);
    }
    throw err;
  }
  const positions = new PositionMap();
  const root = top.children[0];
  if (root) walk(text, finish(text, root), [], new LineIndex(text), positions);
  return { value, positions };
}
