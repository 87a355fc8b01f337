// Where the machine's CPU went during a window of the bench: the router child, PostgreSQL, the Kafka broker, the
// bench process itself (backlog producer, the revisions API stand-in), everything else, and idle, in cores. It
// says which of them a scenario is waiting for. Linux /proc only; elsewhere the sampler reports nothing.
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

export interface CpuShare {
  router: number;
  postgres: number;
  kafka: number;
  bench: number;
  other: number;
  idle: number;
  /** Cores of the machine (the shares above add up to this). */
  cores: number;
}

interface Snapshot {
  at: number;
  router: number;
  postgres: number;
  kafka: number;
  bench: number;
  busy: number;
  idle: number;
}

/** utime + stime of /proc/<pid>/stat (all threads), in clock ticks; the command name in parentheses may hold spaces. */
function processTicks(stat: string): { comm: string; ticks: number } {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  // After ") " come field 3 (state) onwards: utime is field 14, stime field 15.
  return { comm: stat.slice(open + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

function snapshot(routerPid: number): Snapshot {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are idle time.
  const idle = cpu[3]! + cpu[4]!;
  const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - idle;
  const shot: Snapshot = { at: Date.now(), router: 0, postgres: 0, kafka: 0, bench: 0, busy, idle };
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    const { comm, ticks } = processTicks(stat);
    if (pid === routerPid) shot.router += ticks;
    else if (pid === process.pid) shot.bench += ticks;
    else if (comm === 'postgres') shot.postgres += ticks;
    else if (comm === 'java') shot.kafka += ticks;
  }
  return shot;
}

/** Samples every `intervalMs` while running; `share(from, to)` is the split between the samples nearest those times. */
export class MachineCpuSampler {
  private readonly samples: Snapshot[] = [];
  private readonly timer: NodeJS.Timeout | null;

  constructor(
    private readonly routerPid: number,
    intervalMs = 250,
  ) {
    let available = true;
    try {
      this.samples.push(snapshot(routerPid));
    } catch {
      available = false; // not Linux
    }
    this.timer = available ? setInterval(() => this.samples.push(snapshot(this.routerPid)), intervalMs) : null;
    this.timer?.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  share(fromMs: number, toMs: number): CpuShare | null {
    const nearest = (t: number) => this.samples.reduce((best, s) => (Math.abs(s.at - t) < Math.abs(best.at - t) ? s : best), this.samples[0]!);
    if (this.samples.length < 2) return null;
    const a = nearest(fromMs);
    const b = nearest(toMs);
    const total = b.busy + b.idle - (a.busy + a.idle);
    if (b === a || total <= 0) return null;
    const cores = availableParallelism();
    const of = (ticks: number) => Number(((ticks / total) * cores).toFixed(2));
    const router = b.router - a.router;
    const postgres = b.postgres - a.postgres;
    const kafka = b.kafka - a.kafka;
    const bench = b.bench - a.bench;
    const other = Math.max(0, b.busy - a.busy - router - postgres - kafka - bench);
    return { router: of(router), postgres: of(postgres), kafka: of(kafka), bench: of(bench), other: of(other), idle: of(b.idle - a.idle), cores };
  }
}
