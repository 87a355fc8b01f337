// What `redrive` decides for each dead letter, and the table it prints: letters by rule and error class, with their
// count, first and last failure time, and what was done with them. Pure.
import type { DeadLetterEnvelope } from '../engine/parking.ts';
import { textTable } from './text-table.ts';

export interface RedriveFilter {
  rule?: string | undefined;
  errorClass?: string | undefined;
  since?: Date | undefined;
  until?: Date | undefined;
  /** Re-inject letters of events that could not be parsed (step `parse`) too; they would only fail again. */
  includeUnparseable?: boolean | undefined;
}

/** A selected letter is re-injected; an unparseable one is left where it is (and counted); the rest are not ours. */
export type RedriveDecision = 'redrive' | 'unparseable' | 'filtered';

export function decide(envelope: DeadLetterEnvelope, filter: RedriveFilter): RedriveDecision {
  const failedAt = new Date(envelope.failed_at);
  if (filter.rule !== undefined && envelope.rule !== filter.rule) return 'filtered';
  if (filter.errorClass !== undefined && envelope.error.class !== filter.errorClass) return 'filtered';
  if (filter.since && failedAt < filter.since) return 'filtered';
  if (filter.until && failedAt >= filter.until) return 'filtered';
  if (envelope.step === 'parse' && !filter.includeUnparseable) return 'unparseable';
  return 'redrive';
}

export interface RedriveGroup {
  rule: string;
  errorClass: string;
  action: 'redrive' | 'unparseable';
  count: number;
  firstFailedAt: string;
  lastFailedAt: string;
}

/** Tallies the letters `decide` kept, by rule, error class and action. */
export class RedriveGroups {
  private readonly groups = new Map<string, RedriveGroup>();

  add(envelope: DeadLetterEnvelope, action: 'redrive' | 'unparseable'): void {
    const key = `${envelope.rule}\u0000${envelope.error.class}\u0000${action}`;
    const g = this.groups.get(key);
    if (!g) {
      this.groups.set(key, { rule: envelope.rule, errorClass: envelope.error.class, action, count: 1, firstFailedAt: envelope.failed_at, lastFailedAt: envelope.failed_at });
      return;
    }
    g.count++;
    if (envelope.failed_at < g.firstFailedAt) g.firstFailedAt = envelope.failed_at;
    if (envelope.failed_at > g.lastFailedAt) g.lastFailedAt = envelope.failed_at;
  }

  list(): RedriveGroup[] {
    return [...this.groups.values()].sort((a, b) => a.rule.localeCompare(b.rule) || a.errorClass.localeCompare(b.errorClass) || a.action.localeCompare(b.action));
  }
}

export function redriveTable(groups: readonly RedriveGroup[], dryRun: boolean): string[] {
  if (groups.length === 0) return [];
  const action = (a: RedriveGroup['action']) => (a === 'unparseable' ? 'left alone (unparseable)' : dryRun ? 'would re-inject' : 're-injected');
  return textTable(
    ['rule', 'error class', 'letters', 'first failed', 'last failed', 'action'],
    groups.map((g) => [g.rule, g.errorClass, g.count, g.firstFailedAt, g.lastFailedAt, action(g.action)]),
  );
}
