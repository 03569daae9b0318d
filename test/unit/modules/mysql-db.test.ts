import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decideMysqlDb, mysqlDbModule, mysqlDbSchema, mysqlDbStatements, type MysqlDbPrepared } from "../../../src/modules/mysql_db.js";
import type { Change, PrepareContext } from "../../../src/modules/types.js";
import { DB_EXISTING, DB_MISSING, DB_NO_MARKER, NO_CLIENT } from "./mysql-fixtures.js";
import { StubShell, taskContext } from "./stub-shell.js";

const params = (p: Record<string, unknown>) => mysqlDbSchema.parse(p);
/** The schema file recorded in DB_EXISTING. */
const RECORDED = { name: "notes.sql", sha256: "430b57a04429d9326aeacb973038547ab7968255efa17f80f6b48f08ab48294f", sql: "CREATE TABLE IF NOT EXISTS t (id INT);" };
const CHANGED = { ...RECORDED, sha256: "0".repeat(64) };

let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

describe("mysql_db schema", () => {
  it("takes names the server can hold and plain charset names", () => {
    expect(mysqlDbSchema.safeParse({ name: "no`tes 'x'" }).success).toBe(true);
    expect(mysqlDbSchema.safeParse({ name: "x".repeat(65) }).success).toBe(false);
    expect(mysqlDbSchema.safeParse({ name: "trailing " }).success).toBe(false);
    expect(mysqlDbSchema.safeParse({ name: "a\nb" }).success).toBe(false);
    expect(mysqlDbSchema.safeParse({ name: "notes", encoding: "utf8mb4; DROP" }).success).toBe(false);
  });
});

describe("mysql_db decide (probe output from MariaDB 10.11)", () => {
  it.each<[string, Record<string, unknown>, MysqlDbPrepared, string, unknown]>([
    ["converged", { name: "deploy_e2e", collation: "utf8mb4_bin", schema: "notes.sql" }, { schema: RECORDED }, DB_EXISTING, { kind: "ok" }],
    ["charset compared case-insensitively", { name: "deploy_e2e", encoding: "UTF8MB4" }, {}, DB_EXISTING, { kind: "ok" }],
    [
      "schema file changed",
      { name: "deploy_e2e", schema: "notes.sql" },
      { schema: CHANGED },
      DB_EXISTING,
      { kind: "change", summary: "apply schema notes.sql to deploy_e2e (checksum changed)", detail: { applySchema: true, alter: false, create: false } },
    ],
    [
      "schema never applied to an existing database",
      { name: "mysql", schema: "notes.sql" },
      { schema: RECORDED },
      DB_NO_MARKER,
      { kind: "change", summary: "apply schema notes.sql to mysql (never applied)" },
    ],
    [
      "collation differs",
      { name: "deploy_e2e", encoding: "utf8mb4", collation: "utf8mb4_unicode_ci" },
      {},
      DB_EXISTING,
      { kind: "change", summary: "deploy_e2e: character set utf8mb4/utf8mb4_bin -> utf8mb4/utf8mb4_unicode_ci", detail: { alter: true } },
    ],
    [
      "missing database",
      { name: "nothere", encoding: "utf8mb4", schema: "notes.sql" },
      { schema: RECORDED },
      DB_MISSING,
      { kind: "change", summary: "create database nothere (utf8mb4), apply schema notes.sql", detail: { create: true, applySchema: true } },
    ],
    ["absent, missing", { name: "nothere", state: "absent" }, {}, DB_MISSING, { kind: "ok" }],
    ["absent, present", { name: "deploy_e2e", state: "absent" }, {}, DB_EXISTING, { kind: "change", summary: "drop database deploy_e2e", detail: { drop: true } }],
    ["no client", { name: "x" }, {}, NO_CLIENT, { kind: "blocked" }],
  ])("%s", (_name, p, prepared, output, plan) => {
    expect(decideMysqlDb(params(p), prepared, output)).toMatchObject(plan as object);
  });
});

describe("mysql_db SQL and apply", () => {
  it("escapes the name; charset names are validated words", () => {
    const p = params({ name: "no`tes", encoding: "utf8mb4", collation: "utf8mb4_bin" });
    const base = { create: false, drop: false, alter: false, applySchema: false };
    expect(mysqlDbStatements(p, { ...base, create: true })).toEqual(["CREATE DATABASE `no``tes` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"]);
    expect(mysqlDbStatements(p, { ...base, alter: true })).toEqual(["ALTER DATABASE `no``tes` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"]);
    expect(mysqlDbStatements(p, { ...base, drop: true })).toEqual(["DROP DATABASE `no``tes`;"]);
  });

  it("prepare reads the role file and hashes it", async () => {
    const ctx = { ...taskContext(), readRoleFile: async (rel: string) => Buffer.from(`-- ${rel}\nCREATE TABLE IF NOT EXISTS t (id INT);\n`) };
    const prepared = await mysqlDbModule.prepare!(params({ name: "notes", schema: "notes.sql" }), ctx as unknown as PrepareContext);
    expect(prepared.schema).toEqual({
      name: "notes.sql",
      sql: "-- notes.sql\nCREATE TABLE IF NOT EXISTS t (id INT);\n",
      sha256: createHash("sha256").update("-- notes.sql\nCREATE TABLE IF NOT EXISTS t (id INT);\n").digest("hex"),
    });
  });

  it("creates, then feeds the schema file after USE and records its checksum", async () => {
    shell = new StubShell({ mariadb: 'n=$(cat "$STUB_CALLS.n" 2>/dev/null || echo 0); echo $((n + 1)) > "$STUB_CALLS.n"; cat > "$STUB_CALLS.sql.$n"' });
    const p = params({ name: "no`tes", schema: "notes.sql" });
    const prepared = { schema: RECORDED };
    const plan = decideMysqlDb(p, prepared, DB_MISSING) as Change;
    expect(await mysqlDbModule.apply(p, prepared, plan, shell.context())).toEqual({ changed: true, result: { db: "no`tes" } });
    const stdin = (n: number) => readFileSync(path.join(shell!.dir, `calls.sql.${n}`), "utf8");
    expect(stdin(0)).toContain("CREATE DATABASE `no``tes`;");
    expect(stdin(1)).toBe(`USE \`no\`\`tes\`;\n${RECORDED.sql}\n`);
    expect(stdin(2)).toContain("CREATE TABLE IF NOT EXISTS `no``tes`.`deploy_schema`");
    expect(stdin(2)).toContain(`REPLACE INTO \`no\`\`tes\`.\`deploy_schema\` (name, sha256) VALUES ('notes.sql', '${RECORDED.sha256}');`);
  });

  it("a failing schema file fails the task with the server's message", async () => {
    shell = new StubShell({ mariadb: 'cat > /dev/null; echo "ERROR 1064 (42000) at line 3: You have an error in your SQL syntax" >&2; exit 1' });
    const p = params({ name: "notes", schema: "notes.sql" });
    const plan = decideMysqlDb(p, { schema: CHANGED }, DB_EXISTING.replace("deploy_e2e", "notes")) as Change;
    expect(plan.kind).toBe("change");
    const result = await mysqlDbModule.apply(p, { schema: CHANGED }, plan, shell.context());
    expect(result).toEqual({ changed: true, failed: "mysql_db notes: schema notes.sql: ERROR 1064 (42000) at line 3: You have an error in your SQL syntax" });
  });
});
