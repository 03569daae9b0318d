// Work that is the same for every host of a run, done once: reading a role's directory tree from the
// control machine, checking a role file's path. Keyed by what the value depends on, nothing else.
export class RunMemo {
  private readonly values = new Map<string, unknown>();

  /** `make()`'s value for `key`, computed on first use (a promise is shared, not awaited here). */
  once<T>(key: string, make: () => T): T {
    if (!this.values.has(key)) this.values.set(key, make());
    return this.values.get(key) as T;
  }
}
