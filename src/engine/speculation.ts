// Which entries' probes go ahead in the same round trip as the one a task needs now (see probe-cache.ts).
import type { Entry } from "./entry.js";
import type { Prepared } from "./module-step.js";

export interface AheadProbe {
  index: number;
  item: number;
  /** The rendered params' key, compared when the entry is taken from the cache. */
  key: string;
  prepared: Prepared;
  readsVars: boolean;
}

export interface AheadHooks {
  /** Whether the entry's probe can share the round trip (same privileges, same host). */
  sameRoundTrip(entry: Entry): boolean;
  /** The entry's items, or undefined when its conditions are false; throws when it cannot be known yet. */
  itemsOf(entry: Entry): unknown[] | undefined;
  prepareItem(entry: Entry, item: unknown): Promise<Omit<AheadProbe, "index" | "item">>;
}

/**
 * The current task's remaining items, then later tasks that can be prepared now, up to `budget` probes.
 * A task that cannot (its params, or its loop, need a result not registered yet) is passed over, not a
 * reason to stop: if it runs and changes the host, the cache is cleared; if it is skipped or stays ok, the
 * probes still hold. (`itemsOf` decides what a `when` that needs such a result means here.)
 */
export async function probesAhead(entries: Entry[], index: number, itemIndex: number, budget: number, hooks: AheadHooks): Promise<AheadProbe[]> {
  const ahead: AheadProbe[] = [];
  for (let i = index; i < entries.length && ahead.length < budget; i++) {
    const entry = entries[i]!;
    if (!hooks.sameRoundTrip(entry)) break;
    let items: unknown[] | undefined;
    try {
      items = hooks.itemsOf(entry);
    } catch {
      continue;
    }
    if (items === undefined) continue;
    for (let k = i === index ? itemIndex + 1 : 0; k < items.length && ahead.length < budget; k++) {
      try {
        const ready = await hooks.prepareItem(entry, items[k]);
        if (ready.prepared.probe) ahead.push({ index: i, item: k, ...ready });
      } catch {
        break;
      }
    }
  }
  return ahead;
}
