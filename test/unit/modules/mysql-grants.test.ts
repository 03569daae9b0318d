import { describe, expect, it } from "vitest";
import { taggedRows } from "../../../src/modules/mysql/batch.js";
import { parseFlavour } from "../../../src/modules/mysql/flavour.js";
import { diffGrants, parseGrantLine, parsePrivilegeSpec, parseShowGrants, type Grants } from "../../../src/modules/mysql/grants.js";
import { USER_EXISTING, USER_HOSTILE, USER_ROOT } from "./mysql-fixtures.js";

const mariadb = parseFlavour("10.11.19-MariaDB-0+deb12u1-log")!;
const mysql8 = parseFlavour("8.0.36-0ubuntu0.22.04.1")!;

function plain(grants: Grants): Record<string, string> {
  return Object.fromEntries([...grants].map(([k, g]) => [k, [...[...g.privileges].sort(), ...(g.grantOption ? ["+GRANT"] : [])].join(",")]));
}

const grantLines = (output: string) => taggedRows(output, "grant").map((r) => r[0]!);

describe("SHOW GRANTS", () => {
  it("reads MariaDB's lines: USAGE is nothing, hostile names, grant option, password hash ignored", () => {
    expect(plain(parseShowGrants(grantLines(USER_EXISTING), mariadb))).toEqual({ "`deploy_e2e`.*": "SELECT,UPDATE" });
    expect(plain(parseShowGrants(grantLines(USER_HOSTILE), mariadb))).toEqual({
      "*.*": "BINLOG MONITOR,RELOAD,REPLICATION SLAVE,SELECT",
      "`no``tes`.*": "ALL PRIVILEGES,+GRANT",
    });
  });

  it("leaves proxy, role and routine grants unmanaged", () => {
    expect(plain(parseShowGrants(grantLines(USER_ROOT), mariadb))).toEqual({ "*.*": "ALL PRIVILEGES,+GRANT" });
    expect(parseGrantLine("GRANT `app_role`@`%` TO `app`@`%`", mysql8)).toBeUndefined();
    expect(parseGrantLine("GRANT `reader` TO `app`@`%`", mariadb)).toBeUndefined();
    expect(parseGrantLine("GRANT EXECUTE ON PROCEDURE `db`.`p` TO `app`@`%`", mariadb)).toBeUndefined();
  });

  it("reads MySQL 8's lines, table grants and column lists", () => {
    const lines = [
      "GRANT USAGE ON *.* TO `app`@`%`",
      "GRANT SELECT, INSERT ON `notes`.* TO `app`@`%`",
      "GRANT SELECT (`id`, `text`), UPDATE (`text`) ON `notes`.`notes` TO `app`@`%`",
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `repl`@`10.0.0.%`",
      "GRANT BACKUP_ADMIN ON *.* TO `repl`@`10.0.0.%` WITH GRANT OPTION",
    ];
    expect(plain(parseShowGrants(lines, mysql8))).toEqual({
      "`notes`.*": "INSERT,SELECT",
      "`notes`.`notes`": "SELECT (`id`, `text`),UPDATE (`text`)",
      "*.*": "BACKUP_ADMIN,REPLICATION CLIENT,REPLICATION SLAVE,+GRANT",
    });
  });

  it("does not take a grant option from a name that spells it", () => {
    const parsed = parseGrantLine("GRANT SELECT ON `db`.* TO `WITH GRANT OPTION`@`%`", mariadb);
    expect(parsed?.grant.grantOption).toBe(false);
    expect(parseGrantLine("GRANT SELECT ON `a ON b`.`t` TO `u`@`%` WITH GRANT OPTION", mariadb)).toMatchObject({
      object: "`a ON b`.`t`",
      grant: { grantOption: true },
    });
  });
});

describe("privilege specs", () => {
  it("reads entries separated by / or given as a list, ALL and GRANT included", () => {
    expect(plain(parsePrivilegeSpec("notes.*:select, insert/*.*:REPLICATION SLAVE"))).toEqual({
      "`notes`.*": "INSERT,SELECT",
      "*.*": "REPLICATION SLAVE",
    });
    expect(plain(parsePrivilegeSpec(["notes.notes:ALL,GRANT", "`my.db/x`.*:SELECT"]))).toEqual({
      "`notes`.`notes`": "ALL PRIVILEGES,+GRANT",
      "`my.db/x`.*": "SELECT",
    });
  });

  it("folds the flavour's aliases into what SHOW GRANTS prints", () => {
    expect(plain(parsePrivilegeSpec("*.*:REPLICATION CLIENT,REPLICATION REPLICA", mariadb))).toEqual({ "*.*": "BINLOG MONITOR,REPLICATION SLAVE" });
    expect(plain(parsePrivilegeSpec("*.*:REPLICATION CLIENT", mysql8))).toEqual({ "*.*": "REPLICATION CLIENT" });
  });

  it.each([
    ["notes", /expected db\.table:PRIVILEGES/],
    ["notes.*", /expected db\.table:PRIVILEGES/],
    ["notes.*:", /no privileges/],
    ["notes.*:SELECT; DROP", /not a privilege name/],
    ["*.notes:SELECT", /expected db\.table/],
  ])("rejects %j", (spec, message) => {
    expect(() => parsePrivilegeSpec(spec)).toThrow(message);
  });
});

describe("grant changes", () => {
  const acct = "'app'@'%'";
  const want = (spec: string) => parsePrivilegeSpec(spec, mariadb);
  const have = (lines: string[]) => parseShowGrants(lines, mariadb);

  it.each<[string, string[], string, boolean, string[]]>([
    ["nothing to do", ["GRANT SELECT, INSERT ON `notes`.* TO `app`@`%`"], "notes.*:INSERT,SELECT", false, []],
    ["new account", [], "notes.*:SELECT,INSERT", false, ["GRANT INSERT, SELECT ON `notes`.* TO 'app'@'%';"]],
    [
      "exact: revoke extras, grant missing",
      ["GRANT SELECT, DELETE ON `notes`.* TO `app`@`%`", "GRANT SELECT ON `mysql`.* TO `app`@`%`"],
      "notes.*:SELECT,UPDATE",
      false,
      ["REVOKE SELECT ON `mysql`.* FROM 'app'@'%';", "REVOKE DELETE ON `notes`.* FROM 'app'@'%';", "GRANT UPDATE ON `notes`.* TO 'app'@'%';"],
    ],
    ["append keeps extras", ["GRANT SELECT, DELETE ON `notes`.* TO `app`@`%`", "GRANT SELECT ON `mysql`.* TO `app`@`%`"], "notes.*:SELECT", true, []],
    [
      "narrowing ALL revokes it whole",
      ["GRANT ALL PRIVILEGES ON `notes`.* TO `app`@`%` WITH GRANT OPTION"],
      "notes.*:SELECT",
      false,
      ["REVOKE ALL PRIVILEGES ON `notes`.* FROM 'app'@'%';", "REVOKE GRANT OPTION ON `notes`.* FROM 'app'@'%';", "GRANT SELECT ON `notes`.* TO 'app'@'%';"],
    ],
    ["ALL covers single privileges", ["GRANT ALL PRIVILEGES ON `notes`.* TO `app`@`%`"], "notes.*:ALL", false, []],
    ["widening to ALL", ["GRANT SELECT ON `notes`.* TO `app`@`%`"], "notes.*:ALL", false, ["GRANT ALL PRIVILEGES ON `notes`.* TO 'app'@'%';"]],
    ["grant option alone", ["GRANT SELECT ON `notes`.* TO `app`@`%`"], "notes.*:SELECT,GRANT", false, ["GRANT USAGE ON `notes`.* TO 'app'@'%' WITH GRANT OPTION;"]],
  ])("%s", (_name, current, spec, append, statements) => {
    expect(diffGrants(have(current), want(spec), acct, append).statements).toEqual(statements);
  });

  it("says what changes in words", () => {
    const change = diffGrants(have(["GRANT SELECT, DELETE ON `notes`.* TO `app`@`%`"]), want("notes.*:SELECT,INSERT,GRANT"), acct, false);
    expect(change.words).toEqual(["revoke DELETE on `notes`.*", "grant INSERT, GRANT OPTION on `notes`.*"]);
  });
});
