import { describe, expect, it } from "vitest";
import { clientError, namedRows, splitRow, taggedRows, unescapeField } from "../../../src/modules/mysql/batch.js";
import { clientOptions, clientPrelude, serverProblem, serverState, withSql } from "../../../src/modules/mysql/client.js";
import { atLeast, parseFlavour, replicationSyntax } from "../../../src/modules/mysql/flavour.js";
import { clientOptionFile, optionValue } from "../../../src/modules/mysql/option-file.js";
import { account, ident, SESSION_PRELUDE, sqlText, str } from "../../../src/modules/mysql/sql.js";
import { NO_CLIENT, REPLICA_RUNNING, SERVER_DOWN, USER_HOSTILE } from "./mysql-fixtures.js";

describe("SQL escaping", () => {
  it.each([
    ["notes", "`notes`"],
    ["no`tes", "`no``tes`"],
    ["``", "``````"],
    ["it's \"x\" \\", "`it's \"x\" \\`"],
  ])("identifier %j -> %s", (name, sql) => {
    expect(ident(name)).toBe(sql);
  });

  it("refuses identifiers the server cannot hold or a here-document would split", () => {
    expect(() => ident("a\0b")).toThrow(/NUL/);
    expect(() => ident("a\nb")).toThrow(/line break/);
  });

  it.each([
    ["plain", "'plain'"],
    ["it's", "'it\\'s'"],
    ["back\\slash", "'back\\\\slash'"],
    ["\\'; DROP DATABASE x; -- ", "'\\\\\\'; DROP DATABASE x; -- '"],
    ["line1\nline2\r", "'line1\\nline2\\r'"],
    ["nul\0ctrl-z\x1a", "'nul\\0ctrl-z\\Z'"],
    ["`tick` \"dq\"", "'`tick` \"dq\"'"],
  ])("string %j -> %s", (value, sql) => {
    expect(str(value)).toBe(sql);
  });

  it("quotes both parts of an account", () => {
    expect(account("we'ird`u\\ser", "10.0.0.%")).toBe("'we\\'ird`u\\\\ser'@'10.0.0.%'");
  });

  it("starts every SQL text by dropping NO_BACKSLASH_ESCAPES, one statement per line", () => {
    const text = sqlText([`SELECT ${str("a\nb")};`, "SELECT 2;"]);
    expect(text.split("\n")).toEqual([SESSION_PRELUDE, "SELECT 'a\\nb';", "SELECT 2;", ""]);
    expect(SESSION_PRELUDE).toContain("NO_BACKSLASH_ESCAPES");
  });
});

describe("client invocation", () => {
  it("passes login options as single quoted words and never a password", () => {
    expect(clientOptions({})).toBe("--connect-timeout=10");
    expect(clientOptions({ login_config: "/root/my creds.cnf", login_user: "ad'min", login_unix_socket: "/run/mysqld/mysqld.sock" })).toBe(
      "'--defaults-extra-file=/root/my creds.cnf' '--user=ad'\\''min' --socket=/run/mysqld/mysqld.sock --connect-timeout=10",
    );
    expect(clientPrelude({})).toContain('db() { "$c" --connect-timeout=10 "$@"; }');
  });

  it("wraps SQL in a quoted here-document and refuses SQL holding its end line", () => {
    expect(withSql("db --batch", "SELECT 1;\n", "| sed 1d")).toBe("db --batch <<'DEPLOY_SQL_END' | sed 1d\nSELECT 1;\nDEPLOY_SQL_END");
    expect(() => withSql("db", "SELECT 1;\nDEPLOY_SQL_END\n")).toThrow(/end line/);
  });
});

describe("batch output", () => {
  it("unescapes fields as the client escaped them", () => {
    expect(unescapeField("a\\tb\\nc\\\\d\\0")).toBe("a\tb\nc\\d\0");
    expect(splitRow("x\ty\\tz\r")).toEqual(["x", "y\tz"]);
  });

  it("finds tagged rows and ignores noise", () => {
    const output = "Warning: something\n#deploy:account\tp\t2A\n#deploy:accounts\tnot-this\n#deploy:account\nERROR 1 at line 2\n";
    expect(taggedRows(output, "account")).toEqual([["p", "2A"], []]);
    expect(taggedRows(USER_HOSTILE, "grant")[1]).toEqual([
      "GRANT ALL PRIVILEGES ON `no``tes`.* TO `we'ird``u\\ser`@`10.77.0.%` WITH GRANT OPTION",
    ]);
  });

  it("reads a result with column names between markers", () => {
    const rows = namedRows(REPLICA_RUNNING, "status");
    expect(rows).toHaveLength(1);
    expect(rows?.[0]).toMatchObject({ Master_Host: "10.77.0.13", Slave_IO_Running: "Yes", Using_Gtid: "Slave_Pos", Last_IO_Error: "" });
    expect(namedRows("#deploy:status-begin\n#deploy:status-end\n", "status")).toEqual([]);
    expect(namedRows("#deploy:status-begin\nERROR 1227 (42000): Access denied\n", "status")).toBeUndefined();
  });

  it("reads client errors", () => {
    expect(clientError(SERVER_DOWN)).toMatchObject({ code: 2002 });
    expect(clientError("ERROR 1045 (28000): Access denied for user 'x'@'localhost'\n")).toMatchObject({ code: 1045 });
    expect(clientError("fine\n")).toBeUndefined();
  });
});

describe("server state and flavour", () => {
  it("tells up, down, missing client and refused login apart", () => {
    const up = serverState(USER_HOSTILE);
    expect(up).toEqual({ kind: "up", flavour: { name: "mariadb", version: [10, 11, 19], text: "10.11.19-MariaDB-0+deb12u1-log" } });
    expect(serverProblem(up)).toBeUndefined();
    expect(serverProblem(serverState(NO_CLIENT))).toEqual({
      kind: "blocked",
      reason: "no mariadb or mysql client on the host (is the server package installed?)",
    });
    expect(serverProblem(serverState(SERVER_DOWN))).toEqual({
      kind: "blocked",
      reason: "the database server is not reachable: ERROR 2002 (HY000): Can't connect to local server through socket '/run/mysqld/mysqld.sock' (2)",
    });
    // Captured from MariaDB 10.11's client given a --defaults-extra-file that does not exist.
    const noConfig = "Could not open required defaults file: /root/.my.cnf\nFatal error in defaults handling. Program aborted\n#deploy:client-exit\t1\n";
    expect(serverProblem(serverState(noConfig))).toEqual({ kind: "blocked", reason: "the login option file /root/.my.cnf does not exist" });
    expect(serverProblem(serverState("ERROR 1698 (28000): Access denied for user 'root'@'localhost'\n#deploy:client-exit\t1\n"))).toEqual({
      kind: "fail",
      message: "ERROR 1698 (28000): Access denied for user 'root'@'localhost' (log in as root through the socket, or give login_config)",
    });
  });

  it.each([
    ["10.11.6-MariaDB-0+deb12u1", "mariadb", "REPLICA"],
    ["10.3.39-MariaDB-0+deb10u1", "mariadb", "SLAVE"],
    ["8.0.36-0ubuntu0.22.04.1", "mysql", "REPLICA"],
    ["8.0.21", "mysql", "SLAVE"],
    ["8.4.0", "mysql", "REPLICA"],
  ])("%s is %s and says START %s", (text, name, word) => {
    const flavour = parseFlavour(text)!;
    expect(flavour.name).toBe(name);
    expect(replicationSyntax(flavour)).toEqual({ stop: `STOP ${word};`, start: `START ${word};`, resetAll: `RESET ${word} ALL;` });
  });

  it("compares versions", () => {
    const v = parseFlavour("10.5.1-MariaDB")!;
    expect([atLeast(v, 10, 5, 1), atLeast(v, 10, 5, 2), atLeast(v, 10, 4), atLeast(v, 11)]).toEqual([true, false, true, false]);
    expect(parseFlavour("garbage")).toBeUndefined();
  });
});

describe("option files", () => {
  it("quotes values so the client reads them back exactly", () => {
    // Checked against MariaDB 10.11: a password `a"b\c #d 'e ` logs in with exactly this line.
    expect(optionValue(`a"b\\c #d 'e `)).toBe(`"a\\"b\\\\c #d 'e "`);
    expect(optionValue("tab\tnl\n")).toBe('"tab\\tnl\\n"');
    expect(clientOptionFile({ host: "10.0.0.1", port: 3307, user: "repl", password: "p w" })).toBe(
      '[client]\nhost="10.0.0.1"\nport=3307\nuser="repl"\npassword="p w"\n',
    );
  });
});
