// When apply may call a (re)started replica replicating. START REPLICA returns once both threads run, and
// clears Last_SQL_Error, but the SQL thread has then applied nothing yet: a replica that stopped on an event
// it cannot apply shows both threads running until it reaches that event again. MariaDB even purges the
// relay log on a GTID start, so right after it the IO thread's read position equals the SQL thread's: "caught
// up with the IO thread" holds then too, and proves nothing.
//
// What does prove it: the SQL thread has applied every transaction the replica had RECEIVED before the change
// (the probe's Gtid_IO_Pos / Retrieved_Gtid_Set). That includes any event it stopped on. A healthy replica
// that was stopped but caught up has reached that at once, so a healthy restart costs no extra wait; a new
// replica has received nothing before and waits for both threads only, as it always did.
import type { FlavourName } from "./flavour.js";
import { gtidsReached } from "./gtid.js";
import { describeThreads, isRunning, type ReplicaStatus } from "./replica-status.js";

export interface StartWatch {
  flavour: FlavourName;
  /** GTIDs the replica had received before the change ("" when none, or it did not replicate yet). */
  received: string;
  /** Threads that had stopped are being restarted (a failure is then "stopped again"). */
  restart: boolean;
}

export interface Waited {
  /** Seconds since the change. */
  seconds: number;
  timedOut: boolean;
  /** The applied GTIDs of the first status read after the change: whether the SQL thread moved since. */
  firstApplied: string | undefined;
}

export type StartVerdict =
  | { kind: "wait" }
  /** `note`: it runs but had not applied all it had received when the wait ended. */
  | { kind: "replicating"; note?: string }
  | { kind: "failed"; message: string };

// SQL errors that mean the replica's data differs from the primary's (the ones DBAs list in
// slave_skip_errors): duplicate key, row not found, missing or existing database/table/column, foreign key.
const DIVERGED = new Set([1007, 1008, 1032, 1050, 1051, 1054, 1062, 1146, 1451, 1452]);

/** What to make of one status read after the change. */
export function startVerdict(watch: StartWatch, status: ReplicaStatus | undefined, waited: Waited): StartVerdict {
  if (!status) return { kind: "failed", message: "replication did not start: no replica status" };
  // A thread that stopped on an error after START will not come back by itself ("Connecting" retries). START
  // clears the errors it finds, so these are new.
  if ((status.sqlRunning === "No" && status.lastSqlError !== "") || (status.ioRunning === "No" && status.lastIoError !== "")) {
    return { kind: "failed", message: `replication ${watch.restart ? "stopped again" : "stopped"}: ${describeThreads(status)}${ioErrorHint(status)}${sqlErrorHint(status)}` };
  }
  if (!isRunning(status)) return waited.timedOut ? { kind: "failed", message: `replication did not start: ${describeThreads(status)}` } : { kind: "wait" };
  // A list this cannot read is not a reason to fail a running replica: both threads running is then the test.
  const reached = watch.received === "" || (gtidsReached(watch.flavour, status.appliedGtids, watch.received) ?? true);
  if (reached) return { kind: "replicating" };
  if (!waited.timedOut) return { kind: "wait" };
  const behind = status.secondsBehind === null ? "" : `, ${status.secondsBehind} s behind the primary`;
  if (waited.firstApplied !== undefined && status.appliedGtids !== waited.firstApplied) {
    return { kind: "replicating", note: `still catching up after ${waited.seconds} s${behind}` };
  }
  return {
    kind: "failed",
    message:
      `replication runs but has applied nothing in ${waited.seconds} s: it had received ${watch.received} and has applied ` +
      `${status.appliedGtids || "nothing"}${behind}${status.sqlState ? ` (SQL thread: ${status.sqlState})` : ""}; it may still be ` +
      `catching up on a long transaction (raise wait_timeout) or be blocked on the replica (SHOW REPLICA STATUS)`,
  };
}

// The primary cannot send the replica the events it needs next (ER_SOURCE_FATAL_ERROR_READING_BINLOG).
const CANNOT_READ_PRIMARY_BINLOG = 1236;

/**
 * Error 1236 is final: the primary's binary logs no longer hold what the replica needs next (purged by
 * expiry while the replica was stopped, or the replica has transactions the primary never had). No restart
 * gets past it, and without a word the operator retries in vain; a copy of the primary's data is the way out.
 */
function ioErrorHint(status: ReplicaStatus): string {
  if (status.ioRunning !== "No" || status.lastIoErrno !== CANNOT_READ_PRIMARY_BINLOG) return "";
  // The same number for an event larger than the packet limit: that one is a setting, not lost data.
  if (/max_allowed_packet/i.test(status.lastIoError)) {
    return "; an event is larger than the packet limit (error 1236, but no data is lost): raise max_allowed_packet as the message says, then apply again";
  }
  return (
    "; the primary no longer has the binary log events this replica needs next (error 1236: purged while the replica was " +
    "stopped, or the replica has transactions the primary does not), so no restart can catch up: re-seed the replica from the " +
    "primary. Apply this task once with `state: absent` (it stops replicating and forgets the primary), then again with " +
    "`state: present`: a server that does not replicate yet is seeded from a dump of the primary's databases. To keep it from " +
    "recurring, keep the primary's binary logs longer than a replica may stay stopped (binlog_expire_logs_seconds)"
  );
}

function sqlErrorHint(status: ReplicaStatus): string {
  if (status.sqlRunning !== "No" || status.lastSqlErrno === 0) return "";
  if (DIVERGED.has(status.lastSqlErrno)) {
    return (
      `; the replica has diverged from the primary (error ${status.lastSqlErrno}: data of its own conflicts with the primary's change). ` +
      `Repairing data is the operator's call: re-seed the replica from the primary, or make its rows agree with the primary's ` +
      `(or skip that one event) on the replica, then apply again`
    );
  }
  return `; the SQL thread cannot apply the primary's change (error ${status.lastSqlErrno}): see the replica's error log, then apply again`;
}
