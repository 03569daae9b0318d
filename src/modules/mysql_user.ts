// `mysql_user`: an account, its password and exactly its privileges.
//
// One probe reads the account's plugin + authentication string and its SHOW GRANTS. The password is
// compared on the control machine (mysql/password.ts), so it never goes to the host for a check; when it
// must be set, CREATE/ALTER USER travel on the client's stdin. Privileges are compared in a normal form
// (mysql/grants.ts): a task grants exactly what it lists and revokes the rest, unless append_privs.
//
// sql_log_bin: false keeps the statements out of this server's binary log. Accounts that exist on the
// primary AND its replica must be managed on each server that way, or the replica would replay the
// primary's CREATE USER on top of its own and stop with an error.
import { z } from "zod";
import type { Module, Plan } from "./types.js";
import { scriptProbe } from "./lib/lookup.js";
import { loginFields, printedRow, probeScript, runSql, serverProblem, serverState, VERSION_QUERY, withSql } from "./mysql/client.js";
import { taggedRow, taggedRows } from "./mysql/batch.js";
import { canonicalGrants, diffGrants, parsePrivilegeSpec, parseShowGrants, type Grants } from "./mysql/grants.js";
import { passwordMatches } from "./mysql/password.js";
import { account, sqlText, str } from "./mysql/sql.js";
import { redact } from "./system/redact.js";

const oneLine = (what: string) =>
  z
    .string()
    .min(1)
    .refine((s) => !/[\n\r\0]/.test(s), `${what} must be one line without NUL`);

const privilegesSchema = z
  .union([z.string(), z.array(z.string())])
  .superRefine((spec, ctx) => {
    try {
      parsePrivilegeSpec(spec);
    } catch (error: unknown) {
      ctx.addIssue({ code: "custom", message: error instanceof Error ? error.message : String(error) });
    }
  })
  .describe("Privileges as db.table:PRIV,PRIV entries, several separated by '/' or as a list; GRANT = with grant option. Omitted: privileges are not managed.");

export const mysqlUserSchema = z
  .strictObject({
    name: oneLine("name").pipe(z.string().max(80)).describe("Account user name."),
    host: oneLine("host").pipe(z.string().max(255)).default("localhost").describe("Host part of the account ('%', '10.0.0.%', 'localhost')."),
    password: z.string().optional().describe("Password (a secret: never printed, never on a command line). Omitted: not managed."),
    update_password: z
      .enum(["always", "on_create"])
      .default("always")
      .describe("always: make the password match; on_create: set it only when creating the account."),
    privileges: privilegesSchema.optional(),
    append_privs: z.boolean().default(false).describe("Only add the listed privileges; keep others the account has."),
    state: z.enum(["present", "absent"]).default("present"),
    sql_log_bin: z.boolean().default(true).describe("false: keep these statements out of the binary log (manage the account on each server itself)."),
    ...loginFields,
  })
  .describe("A MySQL/MariaDB account with its password and privileges.");

export type MysqlUserParams = z.infer<typeof mysqlUserSchema>;

/** What apply does; the password itself is never part of a plan (plans can be printed). */
export interface MysqlUserChange {
  action: "create" | "update" | "drop";
  setPassword: boolean;
  grantStatements: string[];
}

export function mysqlUserProbe(params: MysqlUserParams) {
  const acct = account(params.name, params.host);
  const followUp =
    params.state === "present" && params.privileges !== undefined
      ? [
          `if ${printedRow("account")}; then`,
          withSql("db --batch --skip-column-names", sqlText([`SHOW GRANTS FOR ${acct};`]), "| sed 's/^/#deploy:grant\t/'"),
          `fi`,
        ]
      : [];
  return probeScript(
    params,
    [
      VERSION_QUERY,
      `SELECT '#deploy:account', plugin, HEX(authentication_string) FROM mysql.user WHERE User = ${str(params.name)} AND Host = ${str(params.host)};`,
    ],
    followUp,
  );
}

function display(params: MysqlUserParams): string {
  return `'${params.name}'@'${params.host}'`;
}

export function decideMysqlUser(params: MysqlUserParams, output: string, secrets: ReadonlySet<string>): Plan {
  const state = serverState(output);
  const problem = serverProblem(state);
  if (problem || state.kind !== "up") return problem ?? { kind: "fail", message: "no server" };
  const row = taggedRow(output, "account");
  const who = redact(display(params), secrets);
  if (params.state === "absent") {
    if (!row) return { kind: "ok" };
    const detail: MysqlUserChange = { action: "drop", setPassword: false, grantStatements: [] };
    return { kind: "change", summary: `drop user ${who}`, detail };
  }

  const acct = account(params.name, params.host);
  let grantChange = { statements: [] as string[], words: [] as string[] };
  if (params.privileges !== undefined) {
    const wanted = canonicalGrants(parsePrivilegeSpec(params.privileges, state.flavour), state.flavour);
    const current: Grants = row ? parseShowGrants(taggedRows(output, "grant").map((r) => r.join("\t")), state.flavour) : new Map();
    grantChange = diffGrants(current, wanted, acct, params.append_privs);
  }

  if (!row) {
    const detail: MysqlUserChange = { action: "create", setPassword: params.password !== undefined, grantStatements: grantChange.statements };
    const words = [`create user ${who}${params.password !== undefined ? " with password" : ""}`, ...grantChange.words];
    return { kind: "change", summary: words.join(", "), detail };
  }

  const [plugin = "", hex = ""] = row;
  const setPassword =
    params.password !== undefined && params.update_password === "always" && !passwordMatches({ plugin, hex }, params.password);
  if (!setPassword && grantChange.statements.length === 0) return { kind: "ok" };
  const words = [...(setPassword ? [`set password of ${who}`] : []), ...grantChange.words.map((w) => `${w} for ${who}`)];
  const detail: MysqlUserChange = { action: "update", setPassword, grantStatements: grantChange.statements };
  return { kind: "change", summary: words.join(", "), detail };
}

/** The statements apply sends (on stdin): the only place the password enters SQL. */
export function mysqlUserStatements(params: MysqlUserParams, change: MysqlUserChange): string[] {
  const acct = account(params.name, params.host);
  const out: string[] = [];
  if (!params.sql_log_bin) out.push("SET SESSION sql_log_bin = 0;");
  const identified = change.setPassword && params.password !== undefined ? ` IDENTIFIED BY ${str(params.password)}` : "";
  if (change.action === "drop") out.push(`DROP USER ${acct};`);
  if (change.action === "create") out.push(`CREATE USER ${acct}${identified};`);
  if (change.action === "update" && identified) out.push(`ALTER USER ${acct}${identified};`);
  out.push(...change.grantStatements);
  return out;
}

export const mysqlUserModule: Module<MysqlUserParams, undefined> = {
  name: "mysql_user",
  description: "Manage a MySQL/MariaDB account: password (compared by hash) and exact privileges.",
  schema: mysqlUserSchema,

  probe(params) {
    return scriptProbe(mysqlUserProbe(params));
  },

  decide(params, _prepared, observed, ctx): Plan {
    return decideMysqlUser(params, observed?.output ?? "", secretsOf(params, ctx.secrets));
  },

  async apply(params, _prepared, change, ctx) {
    const statements = mysqlUserStatements(params, change.detail as MysqlUserChange);
    const failed = await runSql(ctx, params, statements, params.password !== undefined ? [params.password] : []);
    if (failed) return { changed: false, failed: `mysql_user ${redact(display(params), secretsOf(params, ctx.secrets))}: ${failed}` };
    return { changed: true, result: { user: params.name, host: params.host } };
  },
};

function secretsOf(params: MysqlUserParams, secrets: ReadonlySet<string>): ReadonlySet<string> {
  return params.password ? new Set([...secrets, params.password]) : secrets;
}
