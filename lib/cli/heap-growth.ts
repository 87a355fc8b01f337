// Applies `memory.heap_growth_percent` to this process's V8. A process-wide setting, so `run` applies it, never
// the Router (tests start many routers in one process). V8 reads the flag at each full GC, so setting it at
// start-up acts as the command-line flag does; a `--heap-growing-percent` given to node itself wins.
import { setFlagsFromString } from 'node:v8';

/** The V8 flag for `percent`, or null for V8's own choice (0). */
export function heapGrowthFlag(percent: number): string | null {
  return percent > 0 ? `--heap-growing-percent=${percent}` : null;
}

/** Sets the flag unless node was started with one; returns what governs the heap's growth, for the start-up log. */
export function applyHeapGrowth(
  percent: number,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): string {
  const given = execArgv.find((arg) => /^--heap[-_]growing[-_]percent=/.test(arg));
  if (given) return `${given} (node's command line)`;
  const flag = heapGrowthFlag(percent);
  if (!flag) return "V8's own";
  setFlags(flag);
  return flag;
}
