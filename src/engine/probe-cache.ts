// Speculative probing: when a task needs its probe run, the host runner also prepares the tasks after it
// and sends all their probes in the same round trip. On a converged host (and always in plan mode) a
// whole play costs one round trip of probes. Any task that changes the host or registers a result makes
// the cached observations stale, so the cache is cleared and the next task probes afresh. A registered
// result changes only the vars: entries whose preparation read them (a rendered template) are prepared
// again when taken, and keep their observation only if their probe is the same; the others were built
// from params alone, which are compared when the entry is taken.
import type { ProbeOutput } from "../modules/types.js";
import type { Prepared } from "./module-step.js";

export interface CachedProbe {
  /** JSON of the rendered params the probe was built from; a mismatch means the cache entry is stale. */
  paramsKey: string;
  prepared: Prepared;
  observed: ProbeOutput | undefined;
  /** The module read the vars while preparing (beyond its rendered params). */
  readsVars: boolean;
  /** A result was registered after it was prepared from the vars: prepare again before use. */
  varsChanged?: boolean;
}

/** Most probes sent ahead in one round trip; the budget halves twice after each change to the host. */
const MAX_LOOKAHEAD = 64;

export class ProbeCache {
  private entries = new Map<string, CachedProbe>();
  /** How many probes to send ahead: fewer after the host changed (they may go stale), more after hits. */
  lookahead = MAX_LOOKAHEAD;

  static key(taskIndex: number, itemIndex: number): string {
    return `${taskIndex}/${itemIndex}`;
  }

  take(taskIndex: number, itemIndex: number, paramsKey: string): CachedProbe | undefined {
    const key = ProbeCache.key(taskIndex, itemIndex);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && entry.paramsKey === paramsKey ? entry : undefined;
  }

  put(taskIndex: number, itemIndex: number, entry: CachedProbe): void {
    this.entries.set(ProbeCache.key(taskIndex, itemIndex), entry);
  }

  clear(): void {
    this.entries.clear();
  }

  /** A task changed the host: every observation may be stale, and so may the next ones sent ahead. */
  hostChanged(): void {
    this.clear();
    this.lookahead = Math.max(2, Math.floor(this.lookahead / 4));
  }

  /** An observation sent ahead was used: send more ahead next time. */
  hit(): void {
    this.lookahead = Math.min(MAX_LOOKAHEAD, this.lookahead * 2);
  }

  /** After a new registered result: only entries prepared from the vars may be stale. */
  varsChanged(): void {
    for (const entry of this.entries.values()) if (entry.readsVars) entry.varsChanged = true;
  }
}

/** Stable JSON for comparing rendered params (key order as written is stable within one run). */
export function paramsKey(params: unknown): string {
  return JSON.stringify(params) ?? "undefined";
}
