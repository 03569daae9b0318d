// Which handlers a host still has to run, and in what order. Handlers run in rounds, as Ansible's flushes:
// a round runs the notified handlers in definition order. A handler that changes notifies others as a task
// does: one defined after it joins the round being run (Ansible too runs it in the same flush), one defined
// before it, or itself, runs in the next round (Ansible picks it up at its next flush). A handler notified
// again after it ran runs again; one notified twice before it runs, once.
import type { Entry } from "./entry.js";
import { handlersFor, type PlannedHandler } from "./task-list.js";

export class HandlerQueue {
  /** Handlers (by definition index) notified and not yet run, nor queued in the round being run. */
  private readonly notified = new Set<number>();
  /** The round being run: its entries (the host runner walks this array as it grows) and their indices. */
  private round: { entries: Entry[]; indices: number[] } | undefined;
  /** How many entries of the round have finished. */
  private ran = 0;
  /** Rounds started so far. */
  rounds = 0;
  /** How each handler that ran last ended: a failed one is still owed to the host (pending-handlers.ts). */
  private readonly ended = new Map<number, "done" | "failed">();

  /** `all`: every handler of the play as an entry, in definition order. */
  constructor(
    private readonly handlers: PlannedHandler[],
    private readonly all: Entry[],
  ) {}

  /** Handlers an earlier run left notified: they run at this play's flush even if no task changes. */
  seed(indices: readonly number[]): void {
    for (const i of indices) this.notified.add(i);
  }

  notify(names: readonly string[]): void {
    for (const name of names) for (const i of handlersFor(name, this.handlers)) this.notified.add(i);
  }

  /** The next round's entries, in definition order; undefined when nothing is notified. */
  nextRound(): Entry[] | undefined {
    if (this.notified.size === 0) return undefined;
    const indices = [...this.notified].sort((a, b) => a - b);
    this.notified.clear();
    this.round = { entries: indices.map((i) => this.all[i]!), indices };
    this.ran = 0;
    this.rounds++;
    return this.round.entries;
  }

  /**
   * A handler of the round finished; when it changed, the handlers it notified that are defined after it
   * join this round. True when the round's entries after it moved (probes cached by position are stale).
   */
  finished(entry: Entry, changed: boolean, failed = false): boolean {
    const round = this.round;
    const at = round?.entries.indexOf(entry) ?? -1;
    if (!round || at < 0) return false;
    this.ran = at + 1;
    this.ended.set(round.indices[at]!, failed ? "failed" : "done");
    if (!changed) return false;
    this.notify(entry.task.notify);
    const self = round.indices[at]!;
    const later = [...this.notified].filter((i) => i > self);
    if (later.length === 0) return false;
    for (const i of later) this.notified.delete(i);
    const rest = [...new Set([...round.indices.slice(at + 1), ...later])].sort((a, b) => a - b);
    round.indices.splice(at + 1, Infinity, ...rest);
    round.entries.splice(at + 1, Infinity, ...rest.map((i) => this.all[i]!));
    return true;
  }

  /** Names of the handlers notified and not run: notified, or queued after the point a round stopped. */
  pending(): string[] {
    const queued = this.queued();
    return this.handlers.filter((_h, i) => queued.has(i)).map((h) => h.handler.name);
  }

  /** Handlers whose last run succeeded (changed, ok or skipped) and that are not notified again. */
  done(): number[] {
    const queued = this.queued();
    return [...this.ended].filter(([i, end]) => end === "done" && !queued.has(i)).map(([i]) => i);
  }

  /** Handlers still owed to the host: notified and not run, or failed on their last run. */
  owed(): number[] {
    const owed = this.queued();
    for (const [i, end] of this.ended) if (end === "failed") owed.add(i);
    return [...owed].sort((a, b) => a - b);
  }

  private queued(): Set<number> {
    const queued = new Set(this.notified);
    this.round?.indices.slice(this.ran).forEach((i) => queued.add(i));
    return queued;
  }
}
