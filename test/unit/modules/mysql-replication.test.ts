import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ExecResult } from "../../../src/connection/types.js";
import { namedRows } from "../../../src/modules/mysql/batch.js";
import { parseFlavour } from "../../../src/modules/mysql/flavour.js";
import { parseReplicaStatus, statusVars } from "../../../src/modules/mysql/replica-status.js";
import { changePrimaryStatement, dumpOptions, pointAtPrimaryStatements, seedScript, statusScript } from "../../../src/modules/mysql/replication.js";
import {
  decideMysqlReplication,
  mysqlReplicationModule,
  mysqlReplicationProbe,
  mysqlReplicationSchema,
  observedStatus,
} from "../../../src/modules/mysql_replication.js";
import type { ApplyContext, Change } from "../../../src/modules/types.js";
import type { Script } from "../../../src/util/shell.js";
import {
  REPL_PASSWORD,
  REPLICA_BAD_PASSWORD,
  REPLICA_RUNNING,
  REPLICA_STOPPED,
  REPLICA_UNCONFIGURED,
  SERVER_DOWN,
} from "./mysql-fixtures.js";
import { StubShell, taskContext } from "./stub-shell.js";

const mariadb = parseFlavour("10.11.19-MariaDB-0+deb12u1-log")!;
const mysql8 = parseFlavour("8.0.36-0ubuntu0.22.04.1")!;
const params = (p: Record<string, unknown>) => mysqlReplicationSchema.parse(p);
const WANTED = { primary_host: "10.77.0.13", primary_user: "e2e_repl", primary_password: REPL_PASSWORD };
const TARGET = { host: "10.77.0.13", port: 3306, user: "e2e_repl", password: "p'w\\d", connectRetry: 10 };

// SHOW REPLICA STATUS of MySQL 8.0.22+ (column names from the MySQL 8.0 reference manual), as --batch prints it.
const MYSQL8_STATUS = [
  "#deploy:status-begin",
  [
    "Replica_IO_State", "Source_Host", "Source_User", "Source_Port", "Connect_Retry", "Replica_IO_Running", "Replica_SQL_Running",
    "Last_IO_Error", "Last_SQL_Error", "Seconds_Behind_Source", "Retrieved_Gtid_Set", "Executed_Gtid_Set", "Auto_Position",
  ].join("\t"),
  [
    "Waiting for source to send event", "10.0.0.5", "repl", "3306", "10", "Yes", "Yes", "", "", "0",
    "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\\n9a4b-other:1-2", "1",
  ].join("\t"),
  "#deploy:status-end",
].join("\n");

let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

describe("replica status", () => {
  it("reads MariaDB's SHOW REPLICA STATUS", () => {
    const status = parseReplicaStatus(namedRows(REPLICA_RUNNING, "status")![0]!);
    expect(statusVars(status)).toEqual({
      configured: true,
      running: true,
      io_running: "Yes",
      sql_running: "Yes",
      primary_host: "10.77.0.13",
      primary_port: 3306,
      primary_user: "e2e_repl",
      uses_gtid: true,
      gtid_position: "0-13-22",
      seconds_behind: 0,
      last_io_error: "",
      last_sql_error: "",
      io_state: "Waiting for master to send event",
    });
    expect(parseReplicaStatus(namedRows(REPLICA_STOPPED, "status")![0]!)).toMatchObject({ ioRunning: "No", sqlRunning: "No", secondsBehind: null });
  });

  it("reads what the threads received and applied: MariaDB's applied position from the row statusScript adds", () => {
    expect(observedStatus(REPLICA_RUNNING)).toMatchObject({ receivedGtids: "0-13-22", appliedGtids: "", lastSqlErrno: 0, lastIoErrno: 0 });
    // The number tells a purged binary log (1236) from other IO errors; its message differs per server.
    expect(observedStatus(REPLICA_BAD_PASSWORD)).toMatchObject({ lastIoErrno: 1045 });
    expect(observedStatus(`${REPLICA_RUNNING}#deploy:gtid-applied\t0-13-21\n`)).toMatchObject({
      receivedGtids: "0-13-22",
      appliedGtids: "0-13-21",
      sqlState: "Slave has read all relay log; waiting for more updates",
    });
    expect(statusScript({}, mariadb).text).not.toContain("gtid_slave_pos");
    expect(statusScript({}, mariadb, true).text).toMatch(/\ndb --batch --skip-column-names -e 'SELECT .*#deploy:gtid-applied.*, @@GLOBAL\.gtid_slave_pos' 2>&1$/);
    expect(statusScript({}, mysql8, true).text).not.toContain("gtid_slave_pos");
  });

  it("reads MySQL 8's Replica_/Source_ columns", () => {
    expect(parseReplicaStatus(namedRows(MYSQL8_STATUS, "status")![0]!)).toMatchObject({
      ioRunning: "Yes",
      sqlRunning: "Yes",
      primaryHost: "10.0.0.5",
      primaryPort: 3306,
      primaryUser: "repl",
      usesGtid: true,
      secondsBehind: 0,
      gtidPosition: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,9a4b-other:1-2",
      receivedGtids: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
      appliedGtids: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,9a4b-other:1-2",
    });
  });
});

describe("mysql_replication decide (probe output from MariaDB 10.11)", () => {
  it.each<[string, Record<string, unknown>, string, unknown]>([
    [
      "running and correct: left alone, its status for register",
      WANTED,
      REPLICA_RUNNING,
      { kind: "ok", summary: "replicating from 10.77.0.13:3306", result: { running: true, primary_host: "10.77.0.13", gtid_position: "0-13-22" } },
    ],
    [
      "not replicating yet",
      WANTED,
      REPLICA_UNCONFIGURED,
      {
        kind: "change",
        summary: "replicate from 10.77.0.13:3306 as e2e_repl (GTID), seeded from a dump of the primary's databases",
        detail: { action: "setup", seed: true, flavour: { name: "mariadb" } },
      },
    ],
    ["not replicating, no seeding", { ...WANTED, seed: false }, REPLICA_UNCONFIGURED, { summary: "replicate from 10.77.0.13:3306 as e2e_repl (GTID)", detail: { seed: false } }],
    [
      "primary moved",
      { ...WANTED, primary_host: "10.77.0.213" },
      REPLICA_RUNNING,
      { kind: "change", summary: "re-point replication from 10.77.0.13:3306 as e2e_repl to 10.77.0.213:3306 as e2e_repl", detail: { action: "repoint" } },
    ],
    ["other port", { ...WANTED, primary_port: 3307 }, REPLICA_RUNNING, { detail: { action: "repoint" } }],
    ["other user", { ...WANTED, primary_user: "repl2" }, REPLICA_RUNNING, { detail: { action: "repoint" } }],
    ["rotated password", { ...WANTED, primary_password: "new" }, REPLICA_RUNNING, { kind: "change", summary: "update the replication password for 10.77.0.13:3306" }],
    [
      "stopped threads",
      WANTED,
      REPLICA_STOPPED,
      { kind: "change", summary: "restart replication from 10.77.0.13:3306: IO thread No, SQL thread No", detail: { action: "restart" } },
    ],
    [
      "stored password differs from the wanted one: re-point with it",
      WANTED,
      REPLICA_BAD_PASSWORD,
      { kind: "change", summary: "update the replication password for 10.77.0.13:3306" },
    ],
    [
      "right password stored but cannot connect: restart shows the server's error",
      { ...WANTED, primary_password: "wrong" },
      REPLICA_BAD_PASSWORD,
      {
        kind: "change",
        summary: expect.stringMatching(/^restart replication from 10\.77\.0\.13:3306: IO thread Connecting, SQL thread Yes \(last IO error: error connecting to master .*Access denied/),
      },
    ],
    ["absent, replicating", { state: "absent" }, REPLICA_RUNNING, { kind: "change", summary: "stop replicating from 10.77.0.13:3306 and forget it", detail: { action: "remove" } }],
    ["absent, not replicating", { state: "absent" }, REPLICA_UNCONFIGURED, { kind: "ok" }],
    ["server down", WANTED, SERVER_DOWN, { kind: "blocked" }],
  ])("%s", (_name, p, output, plan) => {
    expect(decideMysqlReplication(params(p), output, new Set())).toMatchObject(plan as object);
  });

  it("compares the password as the SHA-256 the probe printed", () => {
    expect(REPLICA_RUNNING).toContain(`#deploy:password-sha256\t${createHash("sha256").update(REPL_PASSWORD).digest("hex")}`);
  });

  it("requires the primary with state present", () => {
    const r = mysqlReplicationSchema.safeParse({ primary_host: "db" });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["primary_user", "primary_password"]);
    expect(mysqlReplicationSchema.safeParse({ ...WANTED, mode: "position" }).success).toBe(false);
  });
});

describe("replication syntax per flavour", () => {
  it("MariaDB: CHANGE MASTER ... MASTER_USE_GTID=slave_pos; SLAVE/REPLICA words by version", () => {
    expect(changePrimaryStatement(mariadb, TARGET)).toBe(
      "CHANGE MASTER TO MASTER_HOST = '10.77.0.13', MASTER_PORT = 3306, MASTER_USER = 'e2e_repl', MASTER_PASSWORD = 'p\\'w\\\\d', MASTER_CONNECT_RETRY = 10, MASTER_USE_GTID = slave_pos;",
    );
    expect(pointAtPrimaryStatements(mariadb, TARGET)[0]).toBe("STOP REPLICA;");
    expect(pointAtPrimaryStatements(parseFlavour("10.3.39-MariaDB")!, TARGET)[2]).toBe("START SLAVE;");
    expect(dumpOptions(mariadb)).toEqual(["--single-transaction", "--routines", "--events", "--triggers", "--gtid", "--master-data=1"]);
  });

  it("MySQL 8: CHANGE REPLICATION SOURCE TO ... SOURCE_AUTO_POSITION=1 (CHANGE MASTER before 8.0.23)", () => {
    expect(changePrimaryStatement(mysql8, TARGET)).toBe(
      "CHANGE REPLICATION SOURCE TO SOURCE_HOST = '10.77.0.13', SOURCE_PORT = 3306, SOURCE_USER = 'e2e_repl', SOURCE_PASSWORD = 'p\\'w\\\\d', SOURCE_CONNECT_RETRY = 10, SOURCE_AUTO_POSITION = 1, GET_SOURCE_PUBLIC_KEY = 1;",
    );
    expect(changePrimaryStatement(parseFlavour("8.0.20")!, TARGET)).toMatch(/^CHANGE MASTER TO .*MASTER_AUTO_POSITION = 1, GET_MASTER_PUBLIC_KEY = 1;$/);
    expect(pointAtPrimaryStatements(mysql8, TARGET)).toEqual(["STOP REPLICA;", changePrimaryStatement(mysql8, TARGET), "START REPLICA;"]);
    expect(dumpOptions(mysql8)).toEqual(["--single-transaction", "--routines", "--events", "--triggers", "--set-gtid-purged=ON", "--source-data=2"]);
    expect(dumpOptions(parseFlavour("8.0.25")!)).toContain("--master-data=2");
    expect(seedScript({}, mysql8).text).toContain("db --batch -e 'RESET MASTER' || exit 1");
    expect(seedScript({}, parseFlavour("8.4.2")!).text).toContain("RESET BINARY LOGS AND GTIDS");
  });
});

// The client stub answers the two queries sent to the primary and records what is restored locally.
function seedStubs(databases: string, position = "0-13-4"): Record<string, string> {
  return {
    mariadb: [
      `case "$*" in`,
      `  *"SELECT SCHEMA_NAME"*) cat "\${1#--defaults-file=}" > "$STUB_CALLS.options"; printf '%s' ${quoteSh(databases)} ;;`,
      `  *gtid_binlog_pos*) echo ${quoteSh(position)} ;;`,
      `  *) cat >> "$STUB_CALLS.restore" ;;`,
      `esac`,
    ].join("\n"),
    // Own record file: the dump and the restoring client run at the same time in a pipeline.
    "mariadb-dump": `printf '%s\\0' "$@" > "$STUB_CALLS.dump"; echo "-- dump of the primary"`,
  };
}

function quoteSh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

describe("seeding script", () => {
  const options = "[client]\nhost=\"10.77.0.13\"\nport=3306\nuser=\"repl\"\npassword=\"s3cret 'x'\"\n";

  it("dumps the primary's own databases (names as single words) into the server, outside its binary log", async () => {
    shell = new StubShell(seedStubs("notes\nmy db\n$(touch pwned)\n"));
    const result = await shell.run(seedScript({}, mariadb), { stdin: options });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe("#deploy:seeded\t3\n");
    const dump = readFileSync(path.join(shell.dir, "calls.dump"), "utf8").split("\0").slice(0, -1);
    expect(dump.slice(1)).toEqual([...dumpOptions(mariadb), "--databases", "notes", "my db", "$(touch pwned)"]);
    // Only the temp file: with --defaults-extra-file, root's ~/.my.cnf would override its user and password.
    expect(dump[0]).toMatch(/^--defaults-file=\//);
    expect(readFileSync(path.join(shell.dir, "calls.options"), "utf8")).toBe(options);
    expect(readFileSync(path.join(shell.dir, "calls.restore"), "utf8")).toBe("SET SESSION sql_log_bin = 0;\n-- dump of the primary\n");
    expect(readFileSync(path.join(shell.dir, "calls"), "utf8") + dump.join("\n")).not.toContain("s3cret");
    expect(existsSync(dump[0]!.slice("--defaults-file=".length))).toBe(false); // temp option file removed
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("with no databases on the primary takes only its GTID position", async () => {
    shell = new StubShell(seedStubs(""));
    const result = await shell.run(seedScript({}, mariadb), { stdin: options });
    expect(result.stdout).toBe("#deploy:seeded\t0\n");
    expect(existsSync(path.join(shell.dir, "calls.dump"))).toBe(false);
    expect(shell.calls().at(-1)?.args).toEqual(["--connect-timeout=10", "--batch", "-e", "SET GLOBAL gtid_slave_pos = '0-13-4'"]);
  });

  it("refuses a GTID position that is not one", async () => {
    shell = new StubShell(seedStubs("", "0-1-2'; DROP DATABASE x; --"));
    const result = await shell.run(seedScript({}, mariadb), { stdin: options });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("unexpected GTID position from the primary");
    expect(shell.calls().some((c) => c.args.some((a) => a.includes("DROP")) && !c.args.some((a) => a.includes("gtid_binlog_pos")))).toBe(false);
  });

  it("a failed dump fails the seeding", async () => {
    shell = new StubShell({ ...seedStubs("notes\n"), "mariadb-dump": "echo 'mariadb-dump: Got error: 1045' >&2; exit 2" });
    const result = await shell.run(seedScript({}, mariadb), { stdin: options });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("the dump of the primary failed");
  });
});

const DUPLICATE = "Error 'Duplicate entry '1' for key 'PRIMARY'' on query. Default database: ''. Query: 'INSERT INTO deploy_e2e.notes VALUES (1, 'x')'";

/** A status fixture with some columns changed, and MariaDB's applied position as statusScript prints it. */
function replicaWith(fixture: string, columns: Record<string, string>, applied?: string): string {
  const lines = fixture.split("\n");
  const header = lines.indexOf("#deploy:status-begin") + 1;
  const names = lines[header]!.split("\t");
  const values = lines[header + 1]!.split("\t");
  for (const [name, value] of Object.entries(columns)) values[names.indexOf(name)] = value;
  lines[header + 1] = values.join("\t");
  return lines.join("\n") + (applied !== undefined ? `#deploy:gtid-applied\t${applied}\n` : "");
}

/** An ApplyContext whose run() answers by what the script is, recording scripts and stdin. */
function fakeHost(statuses: string[]) {
  const runs: { script: string; stdin: string }[] = [];
  const ctx: ApplyContext = {
    ...taskContext(),
    conn: undefined as never,
    async run(command: Script, options = {}): Promise<ExecResult> {
      runs.push({ script: command.text, stdin: String(options.stdin ?? "") });
      if (command.text.includes("#deploy:status-begin")) return { exitCode: 0, stdout: (statuses.length > 1 ? statuses.shift() : statuses[0]) ?? "", stderr: "" };
      if (command.text.includes("mariadb-dump")) return { exitCode: 0, stdout: "#deploy:seeded\t1\n", stderr: "" };
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  };
  return { ctx, runs };
}

describe("mysql_replication apply", () => {
  const p = params({ ...WANTED, primary_password: "s3cret-'pw'", wait_timeout: 1 });

  it("seeds, points at the primary with the password on stdin only, and waits for both threads", async () => {
    const { ctx, runs } = fakeHost([REPLICA_STOPPED, REPLICA_RUNNING]);
    const plan = decideMysqlReplication(p, REPLICA_UNCONFIGURED, new Set()) as Change;
    const result = await mysqlReplicationModule.apply(p, undefined, plan, ctx);
    expect(result).toMatchObject({
      changed: true,
      summary: "replicating from 10.77.0.13:3306 (seeded 1 database)",
      result: { running: true, seeded_databases: 1, primary_host: "10.77.0.13" },
    });
    expect(runs.map((r) => r.script).join("\n")).not.toContain("s3cret");
    expect(runs[0]!.stdin).toContain(`password="s3cret-'pw'"`);
    expect(runs[1]!.stdin).toContain("MASTER_PASSWORD = 's3cret-\\'pw\\''");
    expect(runs[1]!.stdin).toMatch(/STOP REPLICA;\nCHANGE MASTER TO .*\nSTART REPLICA;\n$/);
    // A new replica had received nothing: its status reads stay one client run each (a first apply is timed).
    expect(runs.slice(2).map((r) => r.script)).toEqual([statusScript(p, mariadb).text, statusScript(p, mariadb).text]);
  });

  it("fails with the server's error when replication does not start, never showing the password", async () => {
    const { ctx } = fakeHost([REPLICA_BAD_PASSWORD.replace("Access denied", "Access denied (s3cret-'pw')")]);
    const plan = decideMysqlReplication(p, REPLICA_RUNNING.replace("10.77.0.13", "10.9.9.9"), new Set()) as Change;
    expect(plan).toMatchObject({ detail: { action: "repoint" } });
    const result = await mysqlReplicationModule.apply(p, undefined, plan, ctx);
    expect(result.changed).toBe(true);
    expect(result.failed).toMatch(/^replication did not start: IO thread Connecting, SQL thread Yes \(last IO error: .*Access denied \(\*{8}\) for user .*\)$/);
    expect(result.result).toMatchObject({ running: false, io_running: "Connecting" });
  });

  // The password the fixtures' servers stored, so that these plans restart rather than re-point.
  const stored = params({ ...WANTED, wait_timeout: 1 });

  it("restarting a replica whose SQL thread stopped on a duplicate key fails when it stops again, not while both threads still run", async () => {
    const probed = replicaWith(REPLICA_RUNNING, { Slave_SQL_Running: "No", Last_SQL_Errno: "1062", Last_SQL_Error: DUPLICATE, Gtid_IO_Pos: "0-13-23" });
    const plan = decideMysqlReplication(stored, probed, new Set()) as Change;
    expect(plan).toMatchObject({ detail: { action: "restart", received: "0-13-23" } });
    // Right after START both threads run and Last_SQL_Error is clear; the SQL thread then reaches 0-13-23 again.
    const { ctx, runs } = fakeHost([
      replicaWith(REPLICA_RUNNING, { Gtid_IO_Pos: "0-13-22" }, "0-13-22"),
      replicaWith(REPLICA_RUNNING, { Slave_SQL_Running: "No", Last_SQL_Errno: "1062", Last_SQL_Error: DUPLICATE, Gtid_IO_Pos: "0-13-23" }, "0-13-22"),
    ]);
    const result = await mysqlReplicationModule.apply(stored, undefined, plan, ctx);
    expect(result).toMatchObject({
      changed: true,
      failed: expect.stringMatching(/^replication stopped again: IO thread Yes, SQL thread No \(last SQL error: Error 'Duplicate entry .*\); the replica has diverged from the primary \(error 1062/),
      result: { running: false, sql_running: "No", last_sql_error: DUPLICATE },
    });
    expect(result.summary).toBeUndefined();
    // The restart, then two status reads: the second one sees the SQL thread stopped.
    expect(runs).toHaveLength(3);
    expect(runs[0]!.stdin).toMatch(/\nSTOP REPLICA;\nSTART REPLICA;\n$/);
    expect(runs[1]!.script).toContain("@@GLOBAL.gtid_slave_pos");
  });

  it("a healthy restart (everything received was applied) is replicating at the first status read", async () => {
    const { ctx, runs } = fakeHost([`${REPLICA_RUNNING}#deploy:gtid-applied\t0-13-22\n`]);
    const plan = decideMysqlReplication(stored, REPLICA_STOPPED, new Set()) as Change;
    expect(plan).toMatchObject({ detail: { action: "restart", received: "0-13-22" } });
    expect(await mysqlReplicationModule.apply(stored, undefined, plan, ctx)).toMatchObject({ changed: true, summary: "replicating from 10.77.0.13:3306" });
    expect(runs).toHaveLength(2);
  });

  it("a catch-up longer than wait_timeout is replicating, and says it is still catching up", async () => {
    const probed = replicaWith(REPLICA_STOPPED, { Gtid_IO_Pos: "0-13-900" });
    const plan = decideMysqlReplication(stored, probed, new Set()) as Change;
    expect(plan).toMatchObject({ detail: { action: "restart", received: "0-13-900" } });
    const { ctx } = fakeHost([
      replicaWith(REPLICA_RUNNING, { Seconds_Behind_Master: "4000" }, "0-13-30"),
      replicaWith(REPLICA_RUNNING, { Seconds_Behind_Master: "3500" }, "0-13-400"),
    ]);
    expect(await mysqlReplicationModule.apply(stored, undefined, plan, ctx)).toMatchObject({
      changed: true,
      summary: "replicating from 10.77.0.13:3306 (still catching up after 1 s, 3500 s behind the primary)",
    });
  });

  it("absent stops and resets", async () => {
    const { ctx, runs } = fakeHost([]);
    const plan = decideMysqlReplication(params({ state: "absent" }), REPLICA_RUNNING, new Set()) as Change;
    expect(await mysqlReplicationModule.apply(params({ state: "absent" }), undefined, plan, ctx)).toEqual({
      changed: true,
      result: { configured: false, running: false },
    });
    expect(runs[0]!.stdin).toMatch(/STOP REPLICA;\nRESET REPLICA ALL;\n$/);
  });
});

describe("mysql_replication probe", () => {
  const present = mysqlReplicationSchema.parse({ primary_host: "10.0.0.13", primary_user: "repl", primary_password: "pw" });
  // The first run (SQL on stdin) answers version and data directory ($HOME/data/); `-e` runs print nothing.
  const client = (version: string) =>
    `case " $* " in *" -e "*) exit 0 ;; esac; cat >/dev/null; printf '#deploy:server\\t%s\\n#deploy:datadir\\t%s/data/\\n' '${version}' "$HOME"`;

  it("hashes the password MariaDB stored, with flavour and data directory from the first query's rows", async () => {
    const shell = new StubShell({ mariadb: client("10.11.19-MariaDB-0+deb12u1-log"), sha256sum: 'exec /usr/bin/sha256sum "$@"' });
    try {
      mkdirSync(path.join(shell.dir, "data"));
      writeFileSync(path.join(shell.dir, "data", "master.info"), "33\nmysql-bin.000001\n4\n10.0.0.13\nrepl\nr'e\"p #1\n3306\n");
      const output = (await shell.probe(mysqlReplicationProbe(present)))?.output ?? "";
      expect(output).toContain(`#deploy:password-sha256\t${createHash("sha256").update("r'e\"p #1").digest("hex")}\n`);
      // One login for version and data directory, one for the status: no `--version`, no third login.
      expect(shell.calls().filter((c) => c.tool === "mariadb").map((c) => c.args.at(-1))).toEqual(["--skip-column-names", "SHOW REPLICA STATUS"]);
    } finally {
      shell.cleanup();
    }
  });

  it("asks MySQL's own table for the stored password", async () => {
    const shell = new StubShell({ mariadb: client("8.0.36-0ubuntu0.22.04.1") });
    try {
      await shell.probe(mysqlReplicationProbe(present));
      expect(shell.calls().at(-1)?.args.at(-1)).toMatch(/^SELECT '#deploy:password-sha256', SHA2\(User_password, 256\) FROM mysql.slave_master_info/);
    } finally {
      shell.cleanup();
    }
  });
});
