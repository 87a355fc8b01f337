// Progress of a file replay: lines whose commits are durable for the slowest rule, out of the lines the input files
// hold now (counted incrementally), with the dead letters so far. Sampled once a second while the router runs.
import type { RouterConfig } from '../config/schema.ts';
import type { Logger } from '../log.ts';
import type { PartitionSnapshot, RuleCounts } from '../metrics/prometheus-observer.ts';
import { fileTopicName, listInputFiles } from '../sources/file-source.ts';
import { LineCounter } from '../sources/line-count.ts';
import { createProgressReporter, type ProgressReporter } from '../progress/progress-reporter.ts';

export interface ReplayTallies {
  ruleCounts(rule: string): RuleCounts;
  rulePartitions(rule: string): PartitionSnapshot[];
}

/** Lines committed by the slowest rule: per rule, the committed positions summed over the input files. */
export function replayDone(rules: readonly string[], inputs: ReadonlySet<string>, tallies: Pick<ReplayTallies, 'rulePartitions'>, last: ReadonlyMap<string, number>): Map<string, number> {
  const done = new Map<string, number>();
  for (const rule of rules) {
    // A partition's snapshot goes when it is revoked (at the end): its last committed position still counts.
    let n = 0;
    for (const topic of inputs) n += tallies.rulePartitions(rule).find((p) => p.topic === topic && p.partition === 0)?.committed ?? last.get(`${rule}\u0000${topic}`) ?? 0;
    done.set(rule, n);
  }
  return done;
}

export interface ReplayProgress {
  /** Commits what finished, takes one last sample and logs the reporter's final line (before the router stops). */
  finish(): Promise<void>;
}

/** The running rules, as the router shows them. */
export interface ReplayRules {
  readonly consumers: ReadonlyArray<{ readonly name: string; commit(): Promise<void> }>;
}

export function startReplayProgress(
  config: RouterConfig,
  router: ReplayRules,
  tallies: ReplayTallies,
  output: { logger: Logger; stream: NodeJS.WritableStream; isTTY?: boolean; sampleMs?: number },
): ReplayProgress | null {
  if (config.source.type !== 'file') return null;
  const files = listInputFiles(config.source.file.paths).map((path) => ({ topic: fileTopicName(path), counter: new LineCounter(path) }));
  const inputs = new Set(files.map((f) => f.topic));
  const final = !config.source.file.follow;
  const reporter: ProgressReporter = createProgressReporter({ label: 'replay', stream: output.stream, logger: output.logger, ...(output.isTTY !== undefined ? { isTTY: output.isTTY } : {}) });
  const last = new Map<string, number>();
  const sample = () => {
    const names = router.consumers.map((c) => c.name);
    const done = replayDone(names, inputs, tallies, last);
    for (const rule of names) for (const p of tallies.rulePartitions(rule)) if (p.committed !== null) last.set(`${rule}\u0000${p.topic}`, p.committed);
    const total = files.reduce((n, f) => n + f.counter.lines(final), 0);
    const deadLettered = names.reduce((n, r) => n + tallies.ruleCounts(r).dead_lettered, 0);
    reporter.update(done.size > 0 ? Math.min(...done.values()) : 0, total, { dead_lettered: deadLettered });
  };
  const timer = setInterval(sample, output.sampleMs ?? 1000);
  timer.unref();
  return {
    async finish() {
      clearInterval(timer);
      // Progress counts durable commits only: commit what finished so the last line says where the replay stands.
      await Promise.all(router.consumers.map((c) => c.commit().catch(() => undefined)));
      sample();
      reporter.finish({ rules: router.consumers.length });
    },
  };
}
