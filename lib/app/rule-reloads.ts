// Rule reloads as operators trigger them (SIGHUP, POST /v1/reload): one at a time, each logged with what it did
// and counted by outcome. Router.reload() does the swap; this is the one place that reports it.
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ReloadResult } from './router.ts';

export class RuleReloads {
  private running: Promise<ReloadResult> | null = null;
  private queued: Promise<ReloadResult> | null = null;

  constructor(
    private readonly router: { reload(): Promise<ReloadResult> },
    private readonly deps: { log: Logger; metrics: Pick<Metrics, 'rulesReloads' | 'rulesLastReload'> },
  ) {}

  get inProgress(): boolean {
    return this.running !== null;
  }

  /** Reloads now, or null when a reload is already running (the admin API answers 409). */
  tryReload(trigger: string): Promise<ReloadResult> | null {
    return this.running ? null : this.start(trigger);
  }

  /**
   * Reloads after the running one, if any (SIGHUP): a file changed while a reload read the old one is not missed.
   * Signals that arrive while one is already waiting share it.
   */
  reload(trigger: string): Promise<ReloadResult> {
    if (!this.running) return this.start(trigger);
    this.queued ??= this.running.then(() => {
      this.queued = null;
      return this.start(trigger);
    });
    return this.queued;
  }

  private start(trigger: string): Promise<ReloadResult> {
    const run = this.router.reload().then((result) => {
      this.report(trigger, result);
      return result;
    });
    this.running = run.finally(() => {
      if (this.running === tracked) this.running = null;
    });
    const tracked = this.running;
    return run;
  }

  private report(trigger: string, result: ReloadResult): void {
    const { log, metrics } = this.deps;
    if ('problems' in result) {
      metrics.rulesReloads.inc({ outcome: result.outcome });
      if (result.outcome === 'rejected') log.warn({ trigger, problems: result.problems }, `rules reload rejected (${result.problems.length} problem(s)): the running rules stay`);
      else log.error({ trigger, problems: result.problems }, 'rules reload failed');
      return;
    }
    metrics.rulesReloads.inc({ outcome: 'applied' });
    metrics.rulesLastReload.set(Date.now() / 1000);
    const { added, removed, changed, kept } = result;
    log.info({ trigger, added, removed, changed, unchanged: kept }, result.outcome === 'applied' ? 'rules reloaded' : 'rules reloaded: nothing changed');
  }
}
