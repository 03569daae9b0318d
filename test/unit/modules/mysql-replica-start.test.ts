// When apply may call a (re)started replica replicating: GTID comparison per flavour, and the verdict on each
// status read after the change (statuses in, verdict out; no host).
import { describe, expect, it } from "vitest";
import { gtidsReached, parseMariadbPosition, parseMysqlGtidSet } from "../../../src/modules/mysql/gtid.js";
import { startVerdict, type StartWatch, type Waited } from "../../../src/modules/mysql/replica-start.js";
import type { ReplicaStatus } from "../../../src/modules/mysql/replica-status.js";

const UUID = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const OTHER = "9a4b7c2e-0d1f-11ef-8c3a-0242ac120002";

describe("gtidsReached", () => {
  it.each<[string, string, string, boolean | undefined]>([
    ["MariaDB: the same position", "0-13-19", "0-13-19", true],
    ["MariaDB: one transaction short (the event the SQL thread stopped on)", "0-13-18", "0-13-19", false],
    ["MariaDB: further on", "0-13-25", "0-13-19", true],
    ["MariaDB: seq_no counts, not the server that wrote it (failover in the domain)", "0-14-20", "0-13-19", true],
    ["MariaDB: every domain", "0-13-20,1-14-4", "0-13-19,1-14-5", false],
    ["MariaDB: a domain not applied at all", "0-13-20", "0-13-19,1-14-5", false],
    ["MariaDB: a domain applied that was not wanted", "0-13-20,1-14-5", "0-13-19", true],
    ["MariaDB: nothing wanted", "", "", true],
    ["MariaDB: nothing applied yet", "", "0-13-1", false],
    ["MariaDB: not a position", "0-13-19", "garbage", undefined],
  ])("%s", (_name, applied, wanted, reached) => {
    expect(gtidsReached("mariadb", applied, wanted)).toBe(reached);
  });

  it.each<[string, string, string, boolean | undefined]>([
    ["MySQL: the same set", `${UUID}:1-19`, `${UUID}:1-19`, true],
    ["MySQL: one transaction short", `${UUID}:1-18`, `${UUID}:1-19`, false],
    ["MySQL: inside one interval of several, other sources applied too", `${UUID}:1-5:7-20,\n${OTHER}:1-3`, `${UUID}:7-9`, true],
    ["MySQL: across a gap", `${UUID}:1-5:7-20`, `${UUID}:5-7`, false],
    ["MySQL: a single transaction", `${UUID}:1-5`, `${UUID}:3`, true],
    ["MySQL: a source not applied", `${UUID}:1-5`, `${OTHER}:1`, false],
    ["MySQL: upper-case UUIDs (8.0 prints lower, older releases upper)", `${UUID.toUpperCase()}:1-5`, `${UUID}:1-5`, true],
    ["MySQL 8.3+: tagged transactions", `${UUID}:1-5:nightly:1-3`, `${UUID}:nightly:2`, true],
    ["MySQL 8.3+: a tag is not the untagged source", `${UUID}:1-5`, `${UUID}:nightly:2`, false],
    ["MySQL: nothing wanted", `${UUID}:1-5`, "", true],
    ["MySQL: not a set", `${UUID}:1-5`, "0-13-19", undefined],
  ])("%s", (_name, applied, wanted, reached) => {
    expect(gtidsReached("mysql", applied, wanted)).toBe(reached);
  });

  it("parses positions and sets", () => {
    expect(parseMariadbPosition("0-13-22, 1-14-7")).toEqual(new Map([["0", 22n], ["1", 7n]]));
    expect(parseMysqlGtidSet(`${UUID}:1-5:7`)).toEqual(new Map([[UUID, [[1n, 5n], [7n, 7n]]]]));
    expect(parseMysqlGtidSet(`${UUID}:x-1`)).toBeUndefined();
  });
});

/** A MariaDB replica right after START (both threads running, nothing applied since). */
function status(over: Partial<ReplicaStatus> = {}): ReplicaStatus {
  return {
    ioRunning: "Yes",
    sqlRunning: "Yes",
    primaryHost: "10.77.0.13",
    primaryPort: 3306,
    primaryUser: "e2e_repl",
    usesGtid: true,
    lastIoError: "",
    lastIoErrno: 0,
    lastSqlError: "",
    lastSqlErrno: 0,
    secondsBehind: 0,
    gtidPosition: "0-13-18",
    ioState: "Waiting for master to send event",
    sqlState: "Slave has read all relay log; waiting for more updates",
    receivedGtids: "0-13-18",
    appliedGtids: "0-13-18",
    ...over,
  };
}

const DUPLICATE = "Error 'Duplicate entry '1' for key 'PRIMARY'' on query. Default database: ''. Query: 'INSERT INTO deploy_e2e.diverged VALUES (1, 'primary')'";
const PURGED =
  "Got fatal error 1236 from master when reading data from binary log: 'Could not find GTID state requested by slave in any binlog files. " +
  "Probably the slave state is too old and required binlog files have been purged.'";
const MYSQL_PURGED =
  "Got fatal error 1236 from source when reading data from binary log: 'Cannot replicate because the source purged required binary logs. " +
  "Replicate the missing transactions from elsewhere, or provision a new replica from backup.'";
const TOO_BIG = "Got fatal error 1236 from master when reading data from binary log: 'log event entry exceeded max_allowed_packet; Increase max_allowed_packet on master'";
/** Stopped on the duplicate: the probe saw 0-13-19 received, 0-13-18 applied. */
const DIVERGED: StartWatch = { flavour: "mariadb", received: "0-13-19", restart: true };
const EARLY: Waited = { seconds: 0, timedOut: false, firstApplied: "0-13-18" };
const LATE: Waited = { seconds: 60, timedOut: true, firstApplied: "0-13-18" };

describe("startVerdict", () => {
  it.each<[string, StartWatch, ReplicaStatus | undefined, Waited, unknown]>([
    // The defect: both threads run right after START, and MariaDB's relay log was purged, so the IO thread's
    // read position equals the SQL thread's too. Only the transaction it stopped on tells.
    ["diverged, right after START: both run, but 0-13-19 is not applied yet", DIVERGED, status(), EARLY, { kind: "wait" }],
    [
      "diverged, it stops again on the same event",
      DIVERGED,
      status({ sqlRunning: "No", lastSqlErrno: 1062, lastSqlError: DUPLICATE, secondsBehind: null, receivedGtids: "0-13-19" }),
      EARLY,
      {
        kind: "failed",
        message:
          `replication stopped again: IO thread Yes, SQL thread No (last SQL error: ${DUPLICATE}); the replica has diverged from the primary ` +
          `(error 1062: data of its own conflicts with the primary's change). Repairing data is the operator's call: re-seed the replica ` +
          `from the primary, or make its rows agree with the primary's (or skip that one event) on the replica, then apply again`,
      },
    ],
    ["the operator removed the conflicting row: 0-13-19 applies", DIVERGED, status({ appliedGtids: "0-13-19" }), EARLY, { kind: "replicating" }],
    [
      "a row missing on the replica (row-based: 1032) is a divergence too",
      DIVERGED,
      status({ sqlRunning: "No", lastSqlErrno: 1032, lastSqlError: "Could not execute Delete_rows_v1 event on table d.t; Can't find record in 't', Error_code: 1032" }),
      EARLY,
      { kind: "failed", message: expect.stringContaining("; the replica has diverged from the primary (error 1032") },
    ],
    [
      "another SQL error is not called a divergence",
      DIVERGED,
      status({ sqlRunning: "No", lastSqlErrno: 1205, lastSqlError: "Lock wait timeout exceeded; try restarting transaction" }),
      EARLY,
      {
        kind: "failed",
        message:
          "replication stopped again: IO thread Yes, SQL thread No (last SQL error: Lock wait timeout exceeded; try restarting transaction); " +
          "the SQL thread cannot apply the primary's change (error 1205): see the replica's error log, then apply again",
      },
    ],
    [
      "a new replica that stops says stopped, not stopped again",
      { flavour: "mariadb", received: "", restart: false },
      status({ sqlRunning: "No", lastSqlErrno: 1146, lastSqlError: "Table 'd.t' doesn't exist" }),
      EARLY,
      { kind: "failed", message: expect.stringMatching(/^replication stopped: IO thread Yes, SQL thread No .*diverged .*error 1146/) },
    ],
    [
      "the IO thread stopped on an error",
      DIVERGED,
      status({ ioRunning: "No", lastIoErrno: 1593, lastIoError: "Fatal error: The slave I/O thread stops because master and slave have equal MariaDB server ids" }),
      EARLY,
      {
        kind: "failed",
        message: "replication stopped again: IO thread No, SQL thread Yes (last IO error: Fatal error: The slave I/O thread stops because master and slave have equal MariaDB server ids)",
      },
    ],
    [
      "the primary purged the binary logs the replica needs (1236): re-seed it, and how",
      DIVERGED,
      status({ ioRunning: "No", lastIoErrno: 1236, lastIoError: PURGED }),
      EARLY,
      {
        kind: "failed",
        message:
          `replication stopped again: IO thread No, SQL thread Yes (last IO error: ${PURGED}); the primary no longer has the binary log ` +
          "events this replica needs next (error 1236: purged while the replica was stopped, or the replica has transactions the primary " +
          "does not), so no restart can catch up: re-seed the replica from the primary. Apply this task once with `state: absent` (it " +
          "stops replicating and forgets the primary), then again with `state: present`: a server that does not replicate yet is seeded " +
          "from a dump of the primary's databases. To keep it from recurring, keep the primary's binary logs longer than a replica may " +
          "stay stopped (binlog_expire_logs_seconds)",
      },
    ],
    [
      "MySQL says it in its own words, with the same number",
      { flavour: "mysql", received: `${UUID}:1-19`, restart: true },
      status({ ioRunning: "No", lastIoErrno: 1236, lastIoError: MYSQL_PURGED }),
      EARLY,
      { kind: "failed", message: expect.stringContaining("; the primary no longer has the binary log events this replica needs next (error 1236") },
    ],
    [
      "1236 for an event over max_allowed_packet is a setting, not a re-seed",
      DIVERGED,
      status({ ioRunning: "No", lastIoErrno: 1236, lastIoError: TOO_BIG }),
      EARLY,
      {
        kind: "failed",
        message:
          `replication stopped again: IO thread No, SQL thread Yes (last IO error: ${TOO_BIG}); an event is larger than the packet limit ` +
          "(error 1236, but no data is lost): raise max_allowed_packet as the message says, then apply again",
      },
    ],
    ["a thread not running without an error: read again", DIVERGED, status({ sqlRunning: "No" }), EARLY, { kind: "wait" }],
    ["a healthy restart, caught up before: at once", { ...DIVERGED, received: "0-13-18" }, status(), EARLY, { kind: "replicating" }],
    ["a new replica has received nothing before: both threads running is enough", { flavour: "mariadb", received: "", restart: false }, status({ appliedGtids: "" }), EARLY, { kind: "replicating" }],
    ["still connecting: read again", DIVERGED, status({ ioRunning: "Connecting" }), EARLY, { kind: "wait" }],
    [
      "still connecting when the wait ends",
      DIVERGED,
      status({ ioRunning: "Connecting", lastIoError: "error connecting to master 'e2e_repl@10.77.0.13:3306' - retry-time: 10" }),
      LATE,
      { kind: "failed", message: "replication did not start: IO thread Connecting, SQL thread Yes (last IO error: error connecting to master 'e2e_repl@10.77.0.13:3306' - retry-time: 10)" },
    ],
    ["no replica status", DIVERGED, undefined, EARLY, { kind: "failed", message: "replication did not start: no replica status" }],
    [
      "a long catch-up that moves: running, and says it is still catching up",
      { ...DIVERGED, received: "0-13-90000" },
      status({ appliedGtids: "0-13-40000", secondsBehind: 3600, sqlState: "Reading event from the relay log" }),
      LATE,
      { kind: "replicating", note: "still catching up after 60 s, 3600 s behind the primary" },
    ],
    [
      "nothing applied in the whole wait: failed, saying it may still be catching up",
      { ...DIVERGED, received: "0-13-90000" },
      status({ secondsBehind: 3600, sqlState: "Waiting for table metadata lock" }),
      LATE,
      {
        kind: "failed",
        message:
          "replication runs but has applied nothing in 60 s: it had received 0-13-90000 and has applied 0-13-18, 3600 s behind the primary " +
          "(SQL thread: Waiting for table metadata lock); it may still be catching up on a long transaction (raise wait_timeout) or be " +
          "blocked on the replica (SHOW REPLICA STATUS)",
      },
    ],
    ["GTIDs it cannot read do not fail a running replica", { ...DIVERGED, received: "garbage" }, status(), EARLY, { kind: "replicating" }],
    [
      "MySQL: Executed_Gtid_Set must hold what was retrieved",
      { flavour: "mysql", received: `${UUID}:1-19`, restart: true },
      status({ appliedGtids: `${UUID}:1-18,\n${OTHER}:1-2`.replace("\n", "") }),
      EARLY,
      { kind: "wait" },
    ],
    ["MySQL: and then it is there", { flavour: "mysql", received: `${UUID}:1-19`, restart: true }, status({ appliedGtids: `${UUID}:1-19` }), EARLY, { kind: "replicating" }],
  ])("%s", (_name, watch, observed, waited, verdict) => {
    expect(startVerdict(watch, observed, waited)).toEqual(verdict);
  });
});
