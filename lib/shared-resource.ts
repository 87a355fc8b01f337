// A resource shared by every step that asks for the same key (a connection pool, worker threads), created on
// the first acquire and closed when the last user releases it.

export class SharedResources<K, V> {
  private readonly entries = new Map<K, { value: V; users: number }>();

  constructor(
    private readonly create: (key: K) => V,
    private readonly close: (value: V) => Promise<void>,
  ) {}

  /** The resource for `key`; `release` (idempotent per acquire) closes it once every user has released it. */
  acquire(key: K): { value: V; release: () => Promise<void> } {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { value: this.create(key), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      value: held.value,
      release: async () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users === 0) {
          this.entries.delete(key);
          await this.close(held.value);
        }
      },
    };
  }
}
