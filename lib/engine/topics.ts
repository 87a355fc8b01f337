// Topic naming: a rule names streams; the router consumes each configured data-centre prefix of them,
// and parks failures in `<service>.retry.<topic>` and `<service>.error`.
import { deadLetterTopicName, retryTopicName } from './parking.ts';

export function sourceTopics(streams: readonly string[], prefixes: readonly string[]): string[] {
  const out: string[] = [];
  for (const stream of streams) for (const prefix of prefixes) out.push(prefix ? `${prefix}.${stream}` : stream);
  return [...new Set(out)];
}

export function ruleTopics(service: string, streams: readonly string[], prefixes: readonly string[]) {
  const sources = sourceTopics(streams, prefixes);
  return { sources, retries: sources.map((t) => retryTopicName(service, t)), deadLetter: deadLetterTopicName(service) };
}

export function consumerGroupId(service: string, rule: string): string {
  return `${service}-${rule}`;
}
