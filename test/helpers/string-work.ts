// Counts the characters a synchronous function's string operations examine, so a test can check how work grows
// with input size deterministically: a ratio of clock times shifts with machine load and garbage collection.

type Method = (this: string, ...args: never[]) => unknown;

const STRING_METHODS = [
  'indexOf',
  'lastIndexOf',
  'includes',
  'startsWith',
  'slice',
  'substring',
  'charCodeAt',
  'trim',
  'trimStart',
  'trimEnd',
  'toLowerCase',
  'toUpperCase',
  'replace',
  'repeat',
  'split',
] as const;

/** Characters one call examines at most: what a native implementation has to look at, not what it returns. */
function cost(method: (typeof STRING_METHODS)[number], subject: string, args: unknown[], result: unknown): number {
  const from = typeof args[1] === 'number' ? Math.max(0, Math.trunc(args[1])) : undefined;
  switch (method) {
    case 'indexOf':
      return ((result as number) < 0 ? subject.length : (result as number) + String(args[0]).length) - (from ?? 0);
    case 'lastIndexOf': {
      const start = Math.min(from ?? subject.length, subject.length);
      return start - Math.max(result as number, 0) + 1;
    }
    case 'startsWith':
      return String(args[0]).length;
    case 'charCodeAt':
      return 1;
    case 'slice':
    case 'substring':
    case 'repeat':
      return (result as string).length + 1;
    default:
      // Whole-string operations (includes, trims, case changes, replace, split).
      return subject.length + 1;
  }
}

/**
 * Runs `fn` with every listed String.prototype method and RegExp.prototype.exec counting the characters it
 * examines; returns the total. Patches the prototypes only for the synchronous call and restores them after.
 */
export function countStringWork(fn: () => void): number {
  let work = 0;
  const proto = String.prototype as unknown as Record<string, Method>;
  const saved = new Map<string, Method>();
  for (const method of STRING_METHODS) {
    const original = proto[method]!;
    saved.set(method, original);
    proto[method] = function counted(this: string, ...args: never[]) {
      const result = original.apply(this, args);
      work += cost(method, String(this), args, result);
      return result;
    };
  }
  const regexpProto = RegExp.prototype as unknown as { exec: (this: RegExp, text: string) => RegExpExecArray | null };
  const exec = regexpProto.exec;
  regexpProto.exec = function counted(this: RegExp, text: string) {
    const start = this.sticky || this.global ? this.lastIndex : 0;
    const result = exec.call(this, text);
    // A sticky search looks only at its match (or fails where it stands); others may look at the rest of the text.
    work += this.sticky ? (result === null ? 1 : result[0].length + 1) : String(text).length - start + 1;
    return result;
  };
  try {
    fn();
  } finally {
    for (const [method, original] of saved) proto[method] = original;
    regexpProto.exec = exec;
  }
  return work;
}
