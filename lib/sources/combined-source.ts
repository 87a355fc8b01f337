// Several sources presented as one: e.g. EventStreams for the live stream plus JSON-lines files for its retry
// topic. Each message, commit and pause goes to the source that owns the topic.
import type { ConsumedMessage, EventSource, TopicPartition, TopicPartitionOffset } from './source.ts';

export class CombinedSource implements EventSource {
  private onResult: ((err: Error | null, offsets: TopicPartitionOffset[]) => void) | undefined;

  constructor(private readonly parts: Array<{ owns: (topic: string) => boolean; source: EventSource }>) {}

  get onCommitResult() {
    return this.onResult;
  }
  set onCommitResult(fn) {
    this.onResult = fn;
    for (const p of this.parts) p.source.onCommitResult = fn;
  }

  private owner(topic: string): EventSource | undefined {
    return this.parts.find((p) => p.owns(topic))?.source;
  }

  private split<T extends TopicPartition>(items: T[]): Map<EventSource, T[]> {
    const out = new Map<EventSource, T[]>();
    for (const item of items) {
      const source = this.owner(item.topic);
      if (!source) continue;
      out.set(source, [...(out.get(source) ?? []), item]);
    }
    return out;
  }

  async connect(): Promise<void> {
    for (const p of this.parts) await p.source.connect();
  }

  subscribe(topics: string[]): void {
    for (const p of this.parts) p.source.subscribe(topics.filter(p.owns));
  }

  async consumeBatch(max: number): Promise<ConsumedMessage[]> {
    const batches = await Promise.all(this.parts.map((p) => p.source.consumeBatch(Math.max(1, Math.floor(max / this.parts.length)))));
    return batches.flat();
  }

  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    await Promise.all([...this.split(offsets)].map(([source, o]) => source.commit(o)));
  }

  commitSync(offsets: TopicPartitionOffset[]): void {
    for (const [source, o] of this.split(offsets)) source.commitSync(o);
  }

  pause(partitions: TopicPartition[]): void {
    for (const [source, p] of this.split(partitions)) source.pause(p);
  }

  resume(partitions: TopicPartition[]): void {
    for (const [source, p] of this.split(partitions)) source.resume(p);
  }

  watermarks(topic: string, partition: number) {
    return this.owner(topic)?.watermarks(topic, partition) ?? null;
  }

  get exhausted(): boolean {
    return this.parts.every((p) => p.source.exhausted === true);
  }

  async disconnect(): Promise<void> {
    for (const p of this.parts) await p.source.disconnect();
  }
}
