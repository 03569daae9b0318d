import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  decideMysqlUser,
  mysqlUserModule,
  mysqlUserProbe,
  mysqlUserSchema,
  mysqlUserStatements,
  type MysqlUserChange,
} from "../../../src/modules/mysql_user.js";
import type { Change } from "../../../src/modules/types.js";
import {
  NO_CLIENT,
  PASSWORD_2,
  SERVER_DOWN,
  USER_EXISTING,
  USER_HOSTILE,
  USER_HOSTS,
  USER_MISSING,
  USER_ROOT,
  USER_ROOT_PASSWORD_ONLY,
  USER_ROOT_SOCKET_AND_PASSWORD,
} from "./mysql-fixtures.js";
import { fakeMysql } from "./fake-mysql.js";
import { HOSTILE, StubShell } from "./stub-shell.js";

const params = (p: Record<string, unknown>) => mysqlUserSchema.parse(p);
const app = { name: "e2e_app", host: "10.77.0.%", password: PASSWORD_2, privileges: "deploy_e2e.*:SELECT,UPDATE" };

let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

describe("mysql_user schema", () => {
  it("checks the privilege spec at load time and refuses multi-line names", () => {
    expect(mysqlUserSchema.safeParse({ name: "app", privileges: "notes.*:SELECT" }).success).toBe(true);
    const bad = mysqlUserSchema.safeParse({ name: "app", privileges: "notes:SELECT" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/expected db\.table:PRIVILEGES/);
    expect(mysqlUserSchema.safeParse({ name: "a\nb" }).success).toBe(false);
    expect(mysqlUserSchema.safeParse({ name: "x".repeat(81) }).success).toBe(false);
    expect(params({ name: "app" })).toMatchObject({ state: "present", append_privs: false, update_password: "always", sql_log_bin: true });
  });

  it("takes except_hosts only with state: absent and without host", () => {
    expect(mysqlUserSchema.safeParse({ name: "notes", state: "absent", except_hosts: ["10.0.0.1"] }).success).toBe(true);
    const present = mysqlUserSchema.safeParse({ name: "notes", except_hosts: ["10.0.0.1"] });
    expect(present.error?.issues[0]).toMatchObject({ path: ["except_hosts"], message: expect.stringMatching(/only with state: absent/) });
    const both = mysqlUserSchema.safeParse({ name: "notes", host: "10.0.0.1", state: "absent", except_hosts: [] });
    expect(both.error?.issues[0]?.message).toMatch(/either host .* or except_hosts/);
  });
});

describe("mysql_user decide (probe output from MariaDB 10.11)", () => {
  const secrets = new Set<string>();
  it.each<[string, Record<string, unknown>, string, unknown]>([
    ["converged account", app, USER_EXISTING, { kind: "ok" }],
    ["password not managed", { ...app, password: undefined }, USER_EXISTING, { kind: "ok" }],
    ["on_create ignores a different password", { ...app, password: "other", update_password: "on_create" }, USER_EXISTING, { kind: "ok" }],
    [
      "different password",
      { ...app, password: "other" },
      USER_EXISTING,
      { kind: "change", summary: "set password of 'e2e_app'@'10.77.0.%'", detail: { action: "update", setPassword: true, grantStatements: [] } },
    ],
    [
      "privileges differ",
      { ...app, privileges: "deploy_e2e.*:SELECT,INSERT" },
      USER_EXISTING,
      {
        kind: "change",
        summary: "revoke UPDATE on `deploy_e2e`.* for 'e2e_app'@'10.77.0.%', grant INSERT on `deploy_e2e`.* for 'e2e_app'@'10.77.0.%'",
        detail: {
          action: "update",
          setPassword: false,
          grantStatements: ["REVOKE UPDATE ON `deploy_e2e`.* FROM 'e2e_app'@'10.77.0.%';", "GRANT INSERT ON `deploy_e2e`.* TO 'e2e_app'@'10.77.0.%';"],
        },
      },
    ],
    ["append_privs keeps UPDATE", { ...app, privileges: "deploy_e2e.*:SELECT", append_privs: true }, USER_EXISTING, { kind: "ok" }],
    [
      "hostile name, converged",
      { name: "we'ird`u\\ser", host: "10.77.0.%", password: "secret", privileges: "`no``tes`.*:ALL,GRANT/*.*:SELECT,RELOAD,REPLICATION SLAVE,REPLICATION CLIENT" },
      USER_HOSTILE,
      { kind: "ok" },
    ],
    [
      "missing account",
      { ...app, name: "nobody", host: "%" },
      USER_MISSING,
      {
        kind: "change",
        summary: "create user 'nobody'@'%' with password, grant SELECT, UPDATE on `deploy_e2e`.*",
        detail: { action: "create", setPassword: true, grantStatements: ["GRANT SELECT, UPDATE ON `deploy_e2e`.* TO 'nobody'@'%';"] },
      },
    ],
    ["absent and missing", { name: "nobody", host: "%", state: "absent" }, USER_MISSING, { kind: "ok" }],
    ["absent and present", { name: "e2e_app", host: "10.77.0.%", state: "absent" }, USER_EXISTING, { kind: "change", summary: "drop user 'e2e_app'@'10.77.0.%'" }],
    [
      "root with socket auth: a password is a change, PROXY is left alone",
      { name: "root", password: "pw", privileges: "*.*:ALL,GRANT" },
      USER_ROOT,
      { kind: "change", summary: "set password of 'root'@'localhost'" },
    ],
    [
      "unix_socket: true on an account with the password only: socket login added, the password kept",
      { name: "root", password: "rotated-root-3", unix_socket: true },
      USER_ROOT_PASSWORD_ONLY,
      {
        kind: "change",
        summary: "allow unix_socket login for 'root'@'localhost'",
        detail: { action: "update", setPassword: false, auth: { socket: true, storedHash: "*3A7F43C361915B549E6C7A1BFD164A998825D997" } },
      },
    ],
    ["unix_socket: true, converged", { name: "root", password: "rotated-root-3", unix_socket: true }, USER_ROOT_SOCKET_AND_PASSWORD, { kind: "ok" }],
    ["unix_socket omitted: kept as it is", { name: "root", password: "rotated-root-3" }, USER_ROOT_SOCKET_AND_PASSWORD, { kind: "ok" }],
    [
      "a rotated password keeps socket login (IDENTIFIED BY alone dropped it)",
      { name: "root", password: "rotated-root-4" },
      USER_ROOT_SOCKET_AND_PASSWORD,
      { kind: "change", summary: "set password of 'root'@'localhost'", detail: { setPassword: true, auth: { socket: true } } },
    ],
    [
      "unix_socket: false removes socket login",
      { name: "root", password: "rotated-root-3", unix_socket: false },
      USER_ROOT_SOCKET_AND_PASSWORD,
      { kind: "change", summary: "remove unix_socket login of 'root'@'localhost'", detail: { auth: { socket: false } } },
    ],
    [
      "unix_socket: false on Debian's root without a password: refused, it would lock the account",
      { name: "root", unix_socket: false },
      USER_ROOT,
      { kind: "fail", message: "unix_socket: false would leave 'root'@'localhost' no way to log in: give it a password" },
    ],
    [
      "unix_socket: true on MySQL: refused (auth_socket cannot be combined with a password)",
      { name: "root", password: "x", unix_socket: true },
      USER_MISSING.replace("10.11.19-MariaDB-0+deb12u1-log", "8.0.36-0ubuntu0.22.04.1"),
      { kind: "fail", message: expect.stringContaining("needs MariaDB 10.4 or later") },
    ],
    [
      "except_hosts: only accounts at IP addresses not listed are dropped",
      { name: "notes", state: "absent", except_hosts: ["10.77.38.11", "10.77.38.12"] },
      USER_HOSTS,
      {
        kind: "change",
        summary: "drop user 'notes'@'10.77.38.14', 'notes'@'fd00::14' (not in except_hosts)",
        detail: { action: "drop", staleHosts: ["10.77.38.14", "fd00::14"] },
      },
    ],
    ["except_hosts: nothing stale", { name: "notes", state: "absent", except_hosts: ["10.77.38.11", "10.77.38.12", "10.77.38.14", "FD00::14"] }, USER_HOSTS, { kind: "ok" }],
    ["no client yet", app, NO_CLIENT, { kind: "blocked", reason: expect.stringContaining("no mariadb or mysql client") }],
    ["server down", app, SERVER_DOWN, { kind: "blocked", reason: expect.stringContaining("ERROR 2002") }],
  ])("%s", (_name, p, output, plan) => {
    expect(decideMysqlUser(params(p), output, secrets)).toMatchObject(plan as object);
  });

  it("never puts the password in a plan or a summary", () => {
    const password = "hunter2-'quoted'";
    const plan = decideMysqlUser(params({ ...app, name: "nobody", password }), USER_MISSING, new Set());
    expect(JSON.stringify(plan)).not.toContain("hunter2");
    // A user name equal to a secret is redacted in the summary.
    const named = decideMysqlUser(params({ name: "topsecret", host: "%" }), USER_MISSING, new Set(["topsecret"]));
    expect(named).toMatchObject({ summary: "create user '********'@'%'" });
  });
});

describe("mysql_user SQL", () => {
  const change = (c: Partial<MysqlUserChange>): MysqlUserChange => ({ action: "update", setPassword: false, grantStatements: [], ...c });

  it("creates, alters and drops with escaped values, binary log off when asked", () => {
    const p = params({ name: "o'neil", host: "%", password: "pa'ss\\word", sql_log_bin: false });
    expect(mysqlUserStatements(p, change({ action: "create", setPassword: true }))).toEqual([
      "SET SESSION sql_log_bin = 0;",
      "CREATE USER 'o\\'neil'@'%' IDENTIFIED BY 'pa\\'ss\\\\word';",
    ]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ setPassword: true, grantStatements: ["GRANT X;"] }))).toEqual([
      "ALTER USER 'o\\'neil'@'%' IDENTIFIED BY 'pa\\'ss\\\\word';",
      "GRANT X;",
    ]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ action: "drop" }))).toEqual(["DROP USER 'o\\'neil'@'%';"]);
    expect(mysqlUserStatements({ ...p, password: undefined, sql_log_bin: true }, change({ action: "create" }))).toEqual(["CREATE USER 'o\\'neil'@'%';"]);
  });

  it("keeps socket login when it sets a password, and keeps the stored password when it only adds socket login", () => {
    const p = params({ name: "root", password: "pa'ss", sql_log_bin: false });
    expect(mysqlUserStatements(p, change({ setPassword: true, auth: { socket: true, storedHash: "*AB" } }))).toEqual([
      "SET SESSION sql_log_bin = 0;",
      "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('pa\\'ss');",
    ]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ auth: { socket: true, storedHash: "*AB" } }))).toEqual([
      "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING '*AB';",
    ]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ auth: { socket: false, storedHash: "*AB" } }))).toEqual([]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ setPassword: true, auth: { socket: false, storedHash: "*AB" } }))).toEqual([
      "ALTER USER 'root'@'localhost' IDENTIFIED BY 'pa\\'ss';",
    ]);
    expect(mysqlUserStatements({ ...p, sql_log_bin: true }, change({ action: "create", setPassword: false, auth: { socket: true, storedHash: "" } }))).toEqual([
      "CREATE USER 'root'@'localhost' IDENTIFIED VIA unix_socket;",
    ]);
  });

  it("except_hosts drops each stale account, out of the binary log when asked", () => {
    const p = params({ name: "notes", state: "absent", except_hosts: ["10.0.0.1"], sql_log_bin: false });
    expect(mysqlUserStatements(p, change({ action: "drop", staleHosts: ["10.0.0.2", "fd00::2"] }))).toEqual([
      "SET SESSION sql_log_bin = 0;",
      "DROP USER 'notes'@'10.0.0.2';",
      "DROP USER 'notes'@'fd00::2';",
    ]);
  });

  it.each(HOSTILE.filter((v) => !v.includes("\n")))("the probe for %j carries the name only as an SQL literal in a here-document", async (value) => {
    shell = new StubShell({ mariadb: fakeMysql([{ match: "VERSION()", rows: ["#deploy:server\t10.11.6-MariaDB"] }]) });
    const output = await shell.probe(mysqlUserProbe(params({ name: value, host: value, privileges: "a.*:SELECT" })));
    expect(output?.output).toContain("#deploy:client-exit\t0");
    const sql = readFileSync(path.join(shell.dir, "calls.sql"), "utf8");
    const literal = `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n")}'`;
    expect(sql).toContain(`WHERE User = ${literal} AND Host = ${literal};`);
    expect(shell.calls().every((c) => c.args.every((a) => !a.includes(value) || a === value))).toBe(true);
  });

  it("apply sends the password on stdin, never in argv, and reports failures redacted", async () => {
    const password = "s3cret 'x' $(touch pwned)";
    shell = new StubShell({ mariadb: 'cat >> "$STUB_CALLS.sql"' });
    const p = params({ name: "app", host: "%", password });
    const plan = decideMysqlUser(p, USER_MISSING, new Set());
    const result = await mysqlUserModule.apply(p, undefined, plan as Change, shell.context());
    expect(result).toEqual({ changed: true, result: { user: "app", host: "%" } });
    expect(shell.calls().map((c) => c.tool)).toEqual(["mariadb"]);
    expect(shell.calls().flatMap((c) => c.args).join(" ")).not.toContain("s3cret");
    expect(readFileSync(path.join(shell.dir, "calls.sql"), "utf8")).toContain("CREATE USER 'app'@'%' IDENTIFIED BY 's3cret \\'x\\' $(touch pwned)';");

    shell.cleanup();
    // The server's error quotes the statement, password included: the message must not.
    shell = new StubShell({ mariadb: `cat >/dev/null; echo "ERROR 1064 (42000) at line 2: syntax error near 'IDENTIFIED BY simple-pw'" >&2; exit 1` });
    const failed = await mysqlUserModule.apply({ ...p, password: "simple-pw" }, undefined, plan as Change, shell.context());
    expect(failed.failed).toBe("mysql_user 'app'@'%': ERROR 1064 (42000) at line 2: syntax error near 'IDENTIFIED BY ********'");
  });
});
