// The SQL lookups of a probe batch share one client session per login; each task must still get exactly
// what its own client run printed. The reference is that own run: probeScript with its follow-ups, on the
// same stand-in client (fake-mysql.ts), which behaves like MariaDB's in --batch mode.
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Probe } from "../../../src/modules/lib/lookup.js";
import { probeScript, withSql } from "../../../src/modules/mysql/client.js";
import type { SqlLookup } from "../../../src/modules/mysql/sql-lookup.js";
import { sqlText } from "../../../src/modules/mysql/sql.js";
import { decideMysqlDb, mysqlDbProbe, mysqlDbSchema } from "../../../src/modules/mysql_db.js";
import { decideMysqlUser, mysqlUserProbe, mysqlUserSchema } from "../../../src/modules/mysql_user.js";
import { quote } from "../../../src/util/shell.js";
import { fakeMysql, type FakeLogin, type FakeRule } from "./fake-mysql.js";
import { StubShell } from "./stub-shell.js";
import { buildProbeBatch } from "../../../src/engine/probe-batch.js";

const VERSION = "10.11.19-MariaDB-0+deb12u1-log";
const GRANTS_APP = ["GRANT USAGE ON *.* TO `app`@`10.0.0.1` IDENTIFIED BY PASSWORD '*66130A3D7E611839F6C2D186FFE3F8F430625698'", "GRANT SELECT ON `notes`.* TO `app`@`10.0.0.1`"];
const RULES: FakeRule[] = [
  { match: "VERSION()", rows: [`#deploy:server\t${VERSION}`] },
  // The account 'denied' may not be read: its SELECT fails (a failing statement among good ones).
  { match: "WHERE User = 'denied'", error: "1142 (42000): SELECT command denied to user 'x'@'localhost' for table `mysql`.`user`" },
  { match: "WHERE User = 'app' AND Host = '10.0.0.1'", rows: ["#deploy:account\tmysql_native_password\t2A3636"] },
  { match: "WHERE User = 'app' AND Host", rows: [] },
  { match: "WHERE User = 'app';", rows: ["#deploy:host\t10.0.0.1", "#deploy:host\t10.0.0.9"] },
  // An account whose SHOW GRANTS fails although it exists (a failing follow-up).
  { match: "WHERE User = 'odd'", rows: ["#deploy:account\tmysql_native_password\t2A3636"] },
  { match: "SHOW GRANTS FOR 'app'@'10.0.0.1'", rows: GRANTS_APP },
  { match: "SHOW GRANTS FOR", error: "1141 (42000): There is no such grant defined for user 'odd' on host 'localhost'" },
  { match: "SCHEMA_NAME = 'notes'", rows: ["#deploy:database\tutf8mb4\tutf8mb4_unicode_ci"] },
  { match: "TABLE_SCHEMA = 'notes'", rows: ["#deploy:marker-table\tdeploy_schema"] },
  { match: "FROM `notes`.`deploy_schema`", rows: ["#deploy:schema\tschema.sql\tabc123"] },
  { match: "SCHEMA_NAME =", rows: [] },
  { match: "TABLE_SCHEMA =", rows: [] },
  { match: "deploy_schema` WHERE", error: "1146 (42S02): Table 'x.deploy_schema' doesn't exist" },
];
const LOGINS: FakeLogin[] = [
  { arg: "--defaults-extra-file=/missing.cnf", output: "Could not open required defaults file: /missing.cnf\nFatal error in defaults handling. Program aborted", exit: 1 },
  { arg: "--user=nobody", output: "ERROR 1698 (28000): Access denied for user 'nobody'@'localhost'", exit: 1 },
  { arg: "--user=warned", output: "mariadb: [Warning] a start-up message every client run prints", exit: 0 },
];

const user = (p: Record<string, unknown>) => mysqlUserSchema.parse(p);
const db = (p: Record<string, unknown>) => mysqlDbSchema.parse(p);
const PROBES: Record<string, Probe> = {
  root: mysqlUserProbe(user({ name: "root", password: "x", unix_socket: true })),
  app: mysqlUserProbe(user({ name: "app", host: "10.0.0.1", login_config: "/root/.my.cnf", privileges: "notes.*:SELECT" })),
  appMissing: mysqlUserProbe(user({ name: "app", host: "10.0.0.2", login_config: "/root/.my.cnf" })),
  denied: mysqlUserProbe(user({ name: "denied", login_config: "/root/.my.cnf" })),
  stale: mysqlUserProbe(user({ name: "app", state: "absent", except_hosts: ["10.0.0.1"], login_config: "/root/.my.cnf" })),
  odd: mysqlUserProbe(user({ name: "odd", login_config: "/root/.my.cnf" })),
  notes: mysqlDbProbe(db({ name: "notes", schema: "schema.sql", login_config: "/root/.my.cnf" })),
  other: mysqlDbProbe(db({ name: "other", schema: "schema.sql", login_config: "/root/.my.cnf" })),
  noConfig: mysqlUserProbe(user({ name: "app", host: "10.0.0.1", login_config: "/missing.cnf" })),
  nobody: mysqlDbProbe(db({ name: "notes", login_user: "nobody" })),
  warned: mysqlUserProbe(user({ name: "app", host: "10.0.0.1", login_user: "warned" })),
};

/** The probe as its own script, the way each task ran before the lookups were merged. */
function ownScript(lookup: SqlLookup) {
  const followUps = (lookup.then ?? []).flatMap((f) => [
    `if printf '%s\\n' "$out" | grep -q ${quote(`^#deploy:${f.when}\t`)}; then`,
    withSql("db --batch --skip-column-names", sqlText(f.statements), f.tag ? `| sed 's/^/#deploy:${f.tag}\t/'` : ""),
    `fi`,
  ]);
  return probeScript(lookup.login, lookup.statements, followUps);
}

const sqlOf = (probe: Probe) => probe.lookups![0] as SqlLookup;

let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

async function runBatch(probes: Probe[]) {
  const batch = buildProbeBatch(probes);
  const result = await shell!.run(batch.script);
  return batch.parse(result.stdout);
}

describe("SQL lookups of a probe batch", () => {
  it("answer every task exactly as its own client run did, with one client per login", async () => {
    shell = new StubShell({ mariadb: fakeMysql(RULES, LOGINS) });
    const names = Object.keys(PROBES);
    const own: Record<string, string> = {};
    // Each in a batch of its own, as a script: stderr merged into its output, as the engine runs it.
    for (const name of names) own[name] = (await runBatch([{ script: ownScript(sqlOf(PROBES[name]!)) }]))[0]!.output;
    shell.clearCalls();

    const merged = await runBatch(names.map((n) => PROBES[n]!));
    names.forEach((name, i) => expect({ name, output: merged[i]?.output }).toEqual({ name, output: own[name] }));
    // root (socket), /root/.my.cnf, /missing.cnf, nobody, warned: five logins, five client runs (not 17).
    expect(shell.calls().filter((c) => c.tool === "mariadb")).toHaveLength(5);
    expect(merged[names.indexOf("warned")]?.output).toMatch(/^mariadb: \[Warning\] a start-up[^]*\n#deploy:client-exit\t0\nmariadb: \[Warning\][^]*\n#deploy:grant\t/);
  });

  it("keeps a failing statement to its own task: its rows before, its error, exit 1; the others unharmed", async () => {
    shell = new StubShell({ mariadb: fakeMysql(RULES, LOGINS) });
    const [app, denied, odd, notes] = await runBatch([PROBES.app!, PROBES.denied!, PROBES.odd!, PROBES.notes!]);
    expect(denied?.output).toBe(
      `#deploy:server\t${VERSION}\nERROR 1142 (42000) at line 3: SELECT command denied to user 'x'@'localhost' for table \`mysql\`.\`user\`\n#deploy:client-exit\t1\n`,
    );
    expect(app?.output).toBe(
      `#deploy:server\t${VERSION}\n#deploy:account\tmysql_native_password\t2A3636\n#deploy:client-exit\t0\n${GRANTS_APP.map((g) => `#deploy:grant\t${g}\n`).join("")}`,
    );
    // A follow-up's error stays with its task, unprefixed, after a successful first run.
    expect(odd?.output).toBe(
      `#deploy:server\t${VERSION}\n#deploy:account\tmysql_native_password\t2A3636\n#deploy:client-exit\t0\nERROR 1141 (42000) at line 2: There is no such grant defined for user 'odd' on host 'localhost'\n`,
    );
    expect(notes?.output).toContain("#deploy:schema\tschema.sql\tabc123\n");
    // The session went on past the error: the statements of notes ran after denied's SELECT had failed.
    expect(readFileSync(path.join(shell.dir, "calls.sql"), "utf8")).toMatch(/WHERE User = 'denied'[^]*SCHEMA_NAME = 'notes'/);
  });

  it("reports a login that fails for each task that uses it, and only for those", async () => {
    shell = new StubShell({ mariadb: fakeMysql(RULES, LOGINS) });
    const [noConfig, app, nobody] = await runBatch([PROBES.noConfig!, PROBES.app!, PROBES.nobody!]);
    const p = db({ name: "notes", login_user: "nobody" });
    expect(decideMysqlDb(p, {}, nobody!.output)).toEqual({
      kind: "fail",
      message: "ERROR 1698 (28000): Access denied for user 'nobody'@'localhost' (log in as root through the socket, or give login_config)",
    });
    expect(decideMysqlUser(user({ name: "app", host: "10.0.0.1" }), noConfig!.output, new Set())).toEqual({
      kind: "blocked",
      reason: "the login option file /missing.cnf does not exist",
    });
    expect(decideMysqlUser(user({ name: "app", host: "10.0.0.1", password: "x" }), app!.output, new Set())).toMatchObject({ kind: "change" });
  });

  it("skips follow-ups whose row was not printed, though the session ran them", async () => {
    shell = new StubShell({ mariadb: fakeMysql(RULES, LOGINS) });
    const [appMissing, other] = await runBatch([PROBES.appMissing!, PROBES.other!]);
    expect(appMissing?.output).toBe(`#deploy:server\t${VERSION}\n#deploy:client-exit\t0\n`);
    expect(other?.output).toBe(`#deploy:server\t${VERSION}\n#deploy:client-exit\t0\n`);
    expect(readFileSync(path.join(shell.dir, "calls.sql"), "utf8")).toContain("SHOW GRANTS FOR 'app'@'10.0.0.2'");
  });

  it("answers #deploy:no-client without a client, and nothing when the batch was cut short", async () => {
    shell = new StubShell({});
    const [root] = await runBatch([PROBES.root!]);
    expect(root?.output).toBe("#deploy:no-client\n");
    const batch = buildProbeBatch([PROBES.root!, PROBES.app!]);
    const cut = batch.parse("");
    expect(cut.map((o) => o.output)).toEqual(["", ""]);
  });

  it("keeps names as SQL literals in the here-document, never as shell words", async () => {
    shell = new StubShell({ mariadb: fakeMysql(RULES) });
    const hostile = "x'; $(touch pwned) `id`\\";
    await runBatch([mysqlUserProbe(user({ name: hostile, host: hostile }))]);
    expect(readFileSync(path.join(shell.dir, "calls.sql"), "utf8")).toContain("WHERE User = 'x\\'; $(touch pwned) `id`\\\\' AND Host");
    expect(shell.calls().flatMap((c) => c.args).join(" ")).not.toContain("pwned");
  });
});

describe("a server that goes away in the middle of the shared session", () => {
  it("gives each task its own statements' errors, and no task the errors of the frames between them", async () => {
    const { buildSqlLookups } = await import("../../../src/modules/mysql/sql-lookup.js");
    const login = { login_config: "/root/.my.cnf" } as SqlLookup["login"];
    const first: SqlLookup = { kind: "sql", login, statements: ["SELECT '#deploy:server', VERSION();"] };
    const second: SqlLookup = { kind: "sql", login, statements: ["SELECT '#deploy:account', 1;"] };
    const frame = "=nonce-";
    const built = buildSqlLookups([first, second], frame);
    const sql = built.script.slice(built.script.findIndex((l) => l.includes("<<'DEPLOY_SQL_END'")) + 1, built.script.indexOf("DEPLOY_SQL_END"));
    const lineOf = (text: string, from = 0) => sql.findIndex((l, i) => i >= from && l.includes(text)) + 1;
    // The first task's statements ran; then the server went away: every later line fails, its frames too.
    const secondFrame = lineOf(`${frame}q 1 0 0`);
    const gone = (line: number) => `ERROR 2006 (HY000) at line ${line}: MySQL server has gone away`;
    const lines = [
      `${frame}session 0`,
      `${frame}q 0 0 0`,
      `${frame}q 0 0 1`,
      `#deploy:server\t${VERSION}`,
      ...Array.from({ length: sql.length - secondFrame + 1 }, (_, i) => gone(secondFrame + i)),
      "",
      `${frame}exit 0 1`,
    ];
    const answer = built.parse(lines);
    expect(answer(first)).toBe(`#deploy:server\t${VERSION}\n#deploy:client-exit\t0\n`);
    expect(answer(second)).toBe(`${gone(1)}\n#deploy:client-exit\t1\n`);
  });
});
