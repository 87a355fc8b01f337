// Started by npm (`npm start`, `npx`), the router's parent may be a `sh -c` that npm signals and that dies
// without passing the signal on (dash does not exec the last command). Then the router is reparented; this
// notices and stops it as a SIGTERM would, instead of leaving an orphan that never drains or commits.
// Only for npm-started processes: a router started with `nohup … &` is reparented on purpose and keeps running.

export interface ParentWatchOptions {
  env: NodeJS.ProcessEnv;
  /** The current parent pid (process.ppid is read afresh on every access). */
  ppid: () => number;
  onOrphaned: (details: { startedBy: string; parent: number; now: number }) => void;
  intervalMs?: number;
}

/** Starts watching when npm started this process; returns a function that stops the watch. */
export function watchParent(options: ParentWatchOptions): () => void {
  const startedBy = options.env.npm_lifecycle_event;
  if (startedBy === undefined || startedBy === '') return () => {};
  const parent = options.ppid();
  const timer = setInterval(() => {
    const now = options.ppid();
    if (now === parent) return;
    clearInterval(timer);
    options.onOrphaned({ startedBy, parent, now });
  }, options.intervalMs ?? 500);
  // The watch alone must not keep the process alive.
  timer.unref();
  return () => clearInterval(timer);
}
