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

/**
 * Which of a rule's streams an event belongs to. From Kafka the topic says (`eqiad.mediawiki.revision-create`);
 * a file or EventStreams topic holds several streams, so the event's meta.stream says, when it names one of them.
 */
export function streamResolver(streams: readonly string[], prefixes: readonly string[] | null): (topic: string, event: Record<string, unknown>) => string {
  const fallback = streams[0] ?? '';
  if (prefixes !== null) {
    const byTopic = new Map<string, string>();
    for (const stream of streams) for (const prefix of prefixes) byTopic.set(prefix ? `${prefix}.${stream}` : stream, stream);
    return (topic) => byTopic.get(topic) ?? fallback;
  }
  return (_topic, event) => {
    const meta = event.meta;
    const named = meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>).stream : undefined;
    if (typeof named !== 'string') return fallback;
    return streams.find((s) => named === s || named.endsWith(`.${s}`)) ?? fallback;
  };
}
