// `mysql_db`: a database with its character set / collation, and optionally a schema file.
//
// Schema: `schema` names a file of the role's files/ directory holding idempotent DDL (CREATE TABLE IF NOT
// EXISTS ...). It is applied when the database is created and whenever the file's SHA-256 differs from the
// one recorded in the database's own table `deploy_schema` (one row per schema file: name, sha256,
// applied_at). Keeping the marker inside the database means it is dropped with it, and a replica seeded
// from a dump carries it along. The file is sent on the client's stdin after `USE <database>`, so it runs
// with the server's own sql_mode, and may use DELIMITER like any file fed to the client.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Module, Plan, PrepareContext } from "./types.js";
import type { Probe } from "./lib/lookup.js";
import { raw } from "../util/shell.js";
import { taggedRow, taggedRows } from "./mysql/batch.js";
import {
  clientPrelude,
  failure,
  loginFields,
  runSql,
  serverProblem,
  serverState,
  sqlProbe,
  VERSION_QUERY,
  withSql,
} from "./mysql/client.js";
import { ident, sqlText, str } from "./mysql/sql.js";

export const MARKER_TABLE = "deploy_schema";

const charsetName = z.string().regex(/^[A-Za-z0-9_]+$/, "must be a character set or collation name such as utf8mb4");

export const mysqlDbSchema = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(64)
      .refine((s) => !/[\n\r\0]/.test(s), "must be one line without NUL")
      .refine((s) => !s.endsWith(" "), "cannot end with a space")
      .describe("Database name."),
    state: z.enum(["present", "absent"]).default("present"),
    encoding: charsetName.optional().describe("Default character set, e.g. utf8mb4."),
    collation: charsetName.optional().describe("Default collation, e.g. utf8mb4_unicode_ci."),
    schema: z
      .string()
      .min(1)
      .optional()
      .describe("File in the role's files/ with idempotent DDL, applied on creation and when its checksum changes."),
    ...loginFields,
  })
  .describe("A MySQL/MariaDB database, its character set, and its schema file.");

export type MysqlDbParams = z.infer<typeof mysqlDbSchema>;

export interface SchemaFile {
  name: string;
  sha256: string;
  sql: string;
}

export interface MysqlDbPrepared {
  schema?: SchemaFile;
}

export interface MysqlDbChange {
  create: boolean;
  drop: boolean;
  alter: boolean;
  applySchema: boolean;
}

export function mysqlDbProbe(params: MysqlDbParams): Probe {
  const db = str(params.name);
  const schema =
    params.state === "present" && params.schema !== undefined
      ? [
          {
            when: "marker-table",
            statements: [`SELECT '#deploy:schema', name, sha256 FROM ${ident(params.name)}.${ident(MARKER_TABLE)} WHERE name = ${str(params.schema)};`],
          },
        ]
      : [];
  return sqlProbe(
    params,
    [
      VERSION_QUERY,
      `SELECT '#deploy:database', DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${db};`,
      `SELECT '#deploy:marker-table', TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${db} AND TABLE_NAME = ${str(MARKER_TABLE)};`,
    ],
    schema,
  );
}

export function decideMysqlDb(params: MysqlDbParams, prepared: MysqlDbPrepared, output: string): Plan {
  const state = serverState(output);
  const problem = serverProblem(state);
  if (problem || state.kind !== "up") return problem ?? { kind: "fail", message: "no server" };
  const row = taggedRow(output, "database");
  const name = params.name;
  const change = (summary: string[], detail: Partial<MysqlDbChange>): Plan => ({
    kind: "change",
    summary: summary.join(", "),
    detail: { create: false, drop: false, alter: false, applySchema: false, ...detail } satisfies MysqlDbChange,
  });
  if (params.state === "absent") return row ? change([`drop database ${name}`], { drop: true }) : { kind: "ok" };

  const schema = prepared.schema;
  if (!row) {
    const charset = [params.encoding, params.collation].filter((x) => x !== undefined).join("/");
    return change(
      [`create database ${name}${charset ? ` (${charset})` : ""}`, ...(schema ? [`apply schema ${schema.name}`] : [])],
      { create: true, applySchema: schema !== undefined },
    );
  }
  const [charset = "", collation = ""] = row;
  const words: string[] = [];
  const alter =
    (params.collation !== undefined && params.collation.toLowerCase() !== collation.toLowerCase()) ||
    (params.encoding !== undefined && params.encoding.toLowerCase() !== charset.toLowerCase());
  if (alter) {
    words.push(`${name}: character set ${charset}/${collation} -> ${[params.encoding ?? charset, params.collation].filter((x) => x).join("/")}`);
  }
  let applySchema = false;
  if (schema) {
    const recorded = taggedRows(output, "schema").find((r) => r[0] === schema.name)?.[1];
    if (recorded !== schema.sha256) {
      applySchema = true;
      words.push(`apply schema ${schema.name} to ${name} (${recorded === undefined ? "never applied" : "checksum changed"})`);
    }
  }
  if (!alter && !applySchema) return { kind: "ok" };
  return change(words, { alter, applySchema });
}

function charsetClause(params: MysqlDbParams): string {
  return [params.encoding ? ` CHARACTER SET ${params.encoding}` : "", params.collation ? ` COLLATE ${params.collation}` : ""].join("");
}

export function mysqlDbStatements(params: MysqlDbParams, change: MysqlDbChange): string[] {
  const db = ident(params.name);
  if (change.drop) return [`DROP DATABASE ${db};`];
  if (change.create) return [`CREATE DATABASE ${db}${charsetClause(params)};`];
  if (change.alter) return [`ALTER DATABASE ${db}${charsetClause(params)};`];
  return [];
}

/** Script applying a schema file (on stdin, after USE), then recording its checksum. */
export function schemaScript(params: MysqlDbParams, schema: SchemaFile) {
  const db = ident(params.name);
  const marker = `${db}.${ident(MARKER_TABLE)}`;
  const record = sqlText([
    `CREATE TABLE IF NOT EXISTS ${marker} (name VARCHAR(255) NOT NULL PRIMARY KEY, sha256 CHAR(64) NOT NULL, ` +
      `applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP) COMMENT = 'schema files applied by deploy';`,
    `REPLACE INTO ${marker} (name, sha256) VALUES (${str(schema.name)}, ${str(schema.sha256)});`,
  ]);
  return {
    script: raw([clientPrelude(params), "db --batch || exit", withSql("db --batch", record)].join("\n")),
    stdin: `USE ${db};\n${schema.sql}\n`,
  };
}

export const mysqlDbModule: Module<MysqlDbParams, MysqlDbPrepared> = {
  name: "mysql_db",
  description: "Manage a MySQL/MariaDB database: character set, collation, and an idempotent schema file.",
  schema: mysqlDbSchema,

  async prepare(params, ctx: PrepareContext): Promise<MysqlDbPrepared> {
    if (params.schema === undefined || params.state === "absent") return {};
    const bytes = await ctx.readRoleFile(params.schema);
    return { schema: { name: params.schema, sha256: createHash("sha256").update(bytes).digest("hex"), sql: bytes.toString("utf8") } };
  },

  probe(params) {
    return mysqlDbProbe(params);
  },

  decide(params, prepared, observed): Plan {
    return decideMysqlDb(params, prepared, observed?.output ?? "");
  },

  async apply(params, prepared, change, ctx) {
    const detail = change.detail as MysqlDbChange;
    const statements = mysqlDbStatements(params, detail);
    if (statements.length > 0) {
      const failed = await runSql(ctx, params, statements);
      if (failed) return { changed: false, failed: `mysql_db ${params.name}: ${failed}` };
    }
    if (detail.applySchema && prepared.schema) {
      const { script, stdin } = schemaScript(params, prepared.schema);
      const failed = failure(await ctx.run(script, { stdin }), ctx);
      if (failed) return { changed: true, failed: `mysql_db ${params.name}: schema ${prepared.schema.name}: ${failed}` };
    }
    return { changed: true, result: { db: params.name } };
  },
};
