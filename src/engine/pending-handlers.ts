// Handlers owed from an earlier apply, through one run: read from each host's facts (no round trip of its
// own), seeded into the queue of each play that has them, cleared once they ran, and the handlers this run
// leaves owed added. The record is written once per host at the end of the run, and only when it changed:
// a run that owes nothing and was owed nothing makes no extra round trip.
// A handler with delegate_to is owed by the host that notified it, so it is recorded there: the next run
// of that host's play runs it, on the delegate as before. Handlers run without regard to --tags (as in
// Ansible), so an owed one runs under any --tags; --limit and serial leave hosts they do not reach as they were.
import type { Host, Play, Project } from "../config/model.js";
import type { Connection } from "../connection/types.js";
import type { Facts, PendingHandler } from "../facts/types.js";
import type { EventSink, RunMode } from "./events.js";
import { describeHandler, handlerGone, handlerIdentity, identityKey, writeRecordScript } from "./handler-record.js";
import type { PlayTasks } from "./task-list.js";

/** What the host runner gets for one play. */
export interface EarlierHandlers {
  /** Indices (in the play's handlers) of the handlers an earlier run left notified. */
  seeded: number[];
  /** After the play: the handlers that ran to success (no longer owed) and those notified and not run. */
  settle(done: readonly number[], owed: readonly number[]): void;
}

interface HostRecord {
  host: Host;
  conn: Connection;
  /** As read at the start of the run. */
  read: Set<string>;
  now: Map<string, PendingHandler>;
}

export const EARLIER_RUN = "notified by an earlier run that did not finish";

export class PendingHandlers {
  private readonly hosts = new Map<string, HostRecord>();

  constructor(
    private readonly project: Project,
    private readonly mode: RunMode,
    private readonly emit: EventSink,
  ) {}

  /** The host's owed handlers of this play, each announced with why it will run. */
  forPlay(host: Host, conn: Connection, facts: Facts, play: Play, playTasks: PlayTasks): EarlierHandlers {
    const record = this.hostRecord(host, conn, facts);
    const keys = playTasks.handlers.map((h) => identityKey(handlerIdentity(h, play, this.project)));
    const seeded = keys.flatMap((key, i) => (record.now.has(key) ? [i] : []));
    for (const i of seeded) {
      const name = playTasks.handlers[i]!.handler.name;
      this.emit({ type: "warning", host: host.name, message: `handler '${name}': ${EARLIER_RUN}; it runs at the end of play '${play.name}'` });
    }
    return {
      seeded,
      settle: (done, owed) => {
        for (const i of done) record.now.delete(keys[i]!);
        for (const i of owed) record.now.set(keys[i]!, handlerIdentity(playTasks.handlers[i]!, play, this.project));
      },
    };
  }

  /**
   * Writes each changed record: one round trip per host that owes handlers, or owed some that ran. A host
   * that became unreachable cannot be written to: what it owes is lost (as it is when a second Ctrl-C exits
   * at once), and the warning of its play said so.
   */
  async save(unreachable: ReadonlySet<string>): Promise<void> {
    if (this.mode !== "apply") return;
    const changed = [...this.hosts.values()].filter((r) => !unreachable.has(r.host.name) && !sameKeys(r.read, r.now));
    await Promise.all(changed.map((r) => this.write(r)));
  }

  private async write(record: HostRecord): Promise<void> {
    const owed = [...record.now.values()];
    let problem: string | undefined;
    try {
      // Root's file under /var/lib; a root login needs no sudo (and may have none).
      const result = await record.conn.exec(writeRecordScript(owed), { become: record.host.user !== "root" });
      if (result.exitCode !== 0) problem = (result.stderr || result.stdout).trim().split("\n").slice(-1)[0] ?? `exit ${result.exitCode}`;
    } catch (error: unknown) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem === undefined || owed.length === 0) {
      if (problem !== undefined) this.emit({ type: "warning", host: record.host.name, message: `could not clear the record of handlers owed by an earlier run (${problem}); the next apply runs them again` });
      return;
    }
    const names = owed.map(describeHandler).join(", ");
    this.emit({ type: "warning", host: record.host.name, message: `could not record the handlers this run owes (${names}): ${problem}; the next apply will not run them unless a task notifies them` });
  }

  /** Read once per run, on the host's first play; records of handlers the project no longer has are dropped. */
  private hostRecord(host: Host, conn: Connection, facts: Facts): HostRecord {
    let record = this.hosts.get(host.name);
    if (record) return record;
    const read = facts.pendingHandlers ?? [];
    record = { host, conn, read: new Set(read.map(identityKey)), now: new Map() };
    for (const h of read) {
      if (handlerGone(h, this.project)) {
        this.emit({ type: "warning", host: host.name, message: `handler ${describeHandler(h)}, ${EARLIER_RUN}, no longer exists: dropped from the host's record` });
      } else record.now.set(identityKey(h), h);
    }
    this.hosts.set(host.name, record);
    return record;
  }
}

function sameKeys(a: ReadonlySet<string>, b: ReadonlyMap<string, unknown>): boolean {
  return a.size === b.size && [...a].every((k) => b.has(k));
}
