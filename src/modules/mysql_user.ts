// `mysql_user`: an account, its password and exactly its privileges.
//
// One probe (an SQL lookup: it shares the batch's client session) reads the account's plugin +
// authentication string and its SHOW GRANTS. The password is compared on the control machine
// (mysql/password.ts), so it never goes to the host for a check; when it must be set, CREATE/ALTER USER
// travel on the client's stdin. Privileges are compared in a normal form
// (mysql/grants.ts): a task grants exactly what it lists and revokes the rest, unless append_privs.
//
// sql_log_bin: false keeps the statements out of this server's binary log. Accounts that exist on the
// primary AND its replica must be managed on each server that way, or the replica would replay the
// primary's CREATE USER on top of its own and stop with an error.
import { z } from "zod";
import type { Module, Plan } from "./types.js";
import type { Probe } from "./lib/lookup.js";
import { loginFields, runSql, serverProblem, serverState, sqlProbe, VERSION_QUERY } from "./mysql/client.js";
import { taggedRow, taggedRows } from "./mysql/batch.js";
import { canonicalGrants, diffGrants, parsePrivilegeSpec, parseShowGrants, type Grants } from "./mysql/grants.js";
import { grantsAllowSocket, identifiedClause, socketUnsupported, staleHosts } from "./mysql/auth.js";
import { passwordMatches } from "./mysql/password.js";
import { account, str } from "./mysql/sql.js";
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
    host: oneLine("host").pipe(z.string().max(255)).optional().describe("Host part of the account ('%', '10.0.0.%', 'localhost'). Default: localhost."),
    password: z.string().optional().describe("Password (a secret: never printed, never on a command line). Omitted: not managed."),
    update_password: z
      .enum(["always", "on_create"])
      .default("always")
      .describe("always: make the password match; on_create: set it only when creating the account."),
    privileges: privilegesSchema.optional(),
    append_privs: z.boolean().default(false).describe("Only add the listed privileges; keep others the account has."),
    unix_socket: z
      .boolean()
      .optional()
      .describe("MariaDB 10.4+: true lets the OS user of the same name log in through the server's socket besides the password (Debian's root); false: the password only. Omitted: kept as the account has it."),
    except_hosts: z
      .array(oneLine("except_hosts entry"))
      .optional()
      .describe("With state: absent and no host: drop this user's accounts at every IP address not listed (never 'localhost', '%', patterns or names)."),
    state: z.enum(["present", "absent"]).default("present"),
    sql_log_bin: z.boolean().default(true).describe("false: keep these statements out of the binary log (manage the account on each server itself)."),
    ...loginFields,
  })
  .superRefine((p, ctx) => {
    if (p.except_hosts === undefined) return;
    if (p.state !== "absent") ctx.addIssue({ code: "custom", path: ["except_hosts"], message: "only with state: absent (it drops the accounts at the other addresses)" });
    if (p.host !== undefined) ctx.addIssue({ code: "custom", path: ["except_hosts"], message: "give either host (one account) or except_hosts (every account of the name but these), not both" });
  })
  .describe("A MySQL/MariaDB account with its password and privileges.");

export type MysqlUserParams = z.infer<typeof mysqlUserSchema>;

/** What apply does; the password itself is never part of a plan (plans can be printed). */
export interface MysqlUserChange {
  action: "create" | "update" | "drop";
  setPassword: boolean;
  grantStatements: string[];
  /** Rewrite how the account logs in (password and/or socket login), with socket login or without. */
  auth?: { socket: boolean; storedHash: string };
  /** except_hosts: the hosts whose accounts are dropped. */
  staleHosts?: string[];
}

/** The account's host part: `host`, default localhost. */
export function hostOf(params: MysqlUserParams): string {
  return params.host ?? "localhost";
}

export function mysqlUserProbe(params: MysqlUserParams): Probe {
  if (params.except_hosts !== undefined) {
    return sqlProbe(params, [VERSION_QUERY, `SELECT '#deploy:host', Host FROM mysql.user WHERE User = ${str(params.name)};`]);
  }
  // SHOW GRANTS also says how the account logs in (MariaDB prints IDENTIFIED VIA ... in its first line).
  const grants = params.state === "present" ? [{ when: "account", statements: [`SHOW GRANTS FOR ${account(params.name, hostOf(params))};`], tag: "grant" }] : [];
  return sqlProbe(
    params,
    [
      VERSION_QUERY,
      `SELECT '#deploy:account', plugin, HEX(authentication_string) FROM mysql.user WHERE User = ${str(params.name)} AND Host = ${str(hostOf(params))};`,
    ],
    grants,
  );
}

function display(params: MysqlUserParams, host = hostOf(params)): string {
  return `'${params.name}'@'${host}'`;
}

function decideStale(params: MysqlUserParams, output: string, secrets: ReadonlySet<string>): Plan {
  const stale = staleHosts(taggedRows(output, "host").map((r) => r[0] ?? ""), params.except_hosts ?? []);
  if (stale.length === 0) return { kind: "ok" };
  const who = stale.map((h) => redact(display(params, h), secrets)).join(", ");
  const detail: MysqlUserChange = { action: "drop", setPassword: false, grantStatements: [], staleHosts: stale };
  return { kind: "change", summary: `drop user ${who} (not in except_hosts)`, detail };
}

export function decideMysqlUser(params: MysqlUserParams, output: string, secrets: ReadonlySet<string>): Plan {
  const state = serverState(output);
  const problem = serverProblem(state);
  if (problem || state.kind !== "up") return problem ?? { kind: "fail", message: "no server" };
  if (params.except_hosts !== undefined) return decideStale(params, output, secrets);
  const row = taggedRow(output, "account");
  const who = redact(display(params), secrets);
  if (params.state === "absent") {
    if (!row) return { kind: "ok" };
    const detail: MysqlUserChange = { action: "drop", setPassword: false, grantStatements: [] };
    return { kind: "change", summary: `drop user ${who}`, detail };
  }
  if (params.unix_socket === true) {
    const unsupported = socketUnsupported(state.flavour);
    if (unsupported) return { kind: "fail", message: unsupported };
  }

  const acct = account(params.name, hostOf(params));
  const grantLines = row ? taggedRows(output, "grant").map((r) => r.join("\t")) : [];
  let grantChange = { statements: [] as string[], words: [] as string[] };
  if (params.privileges !== undefined) {
    const wanted = canonicalGrants(parsePrivilegeSpec(params.privileges, state.flavour), state.flavour);
    const current: Grants = row ? parseShowGrants(grantLines, state.flavour) : new Map();
    grantChange = diffGrants(current, wanted, acct, params.append_privs);
  }

  if (!row) {
    const socket = params.unix_socket === true;
    const detail: MysqlUserChange = {
      action: "create",
      setPassword: params.password !== undefined,
      grantStatements: grantChange.statements,
      ...(socket ? { auth: { socket, storedHash: "" } } : {}),
    };
    const how = [...(params.password !== undefined ? ["password"] : []), ...(socket ? ["unix_socket login"] : [])];
    const words = [`create user ${who}${how.length > 0 ? ` with ${how.join(" and ")}` : ""}`, ...grantChange.words];
    return { kind: "change", summary: words.join(", "), detail };
  }

  const [plugin = "", hex = ""] = row;
  const setPassword =
    params.password !== undefined && params.update_password === "always" && !passwordMatches({ plugin, hex }, params.password);
  const hasSocket = grantsAllowSocket(grantLines);
  const socket = params.unix_socket ?? hasSocket;
  const storedHash = plugin === "mysql_native_password" || plugin === "" ? Buffer.from(hex, "hex").toString("latin1") : "";
  if (socket !== hasSocket && !socket && !setPassword && !storedHash.startsWith("*")) {
    return { kind: "fail", message: `unix_socket: false would leave ${who} no way to log in: give it a password` };
  }
  const authWords = [
    ...(setPassword ? [`set password of ${who}`] : []),
    ...(socket !== hasSocket ? [`${socket ? "allow" : "remove"} unix_socket login ${socket ? "for" : "of"} ${who}`] : []),
  ];
  if (authWords.length === 0 && grantChange.statements.length === 0) return { kind: "ok" };
  const words = [...authWords, ...grantChange.words.map((w) => `${w} for ${who}`)];
  // Setting a password keeps socket login when the account has it (a plain IDENTIFIED BY dropped it).
  const rewriteAuth = socket !== hasSocket || (setPassword && socket);
  const detail: MysqlUserChange = {
    action: "update",
    setPassword,
    grantStatements: grantChange.statements,
    ...(rewriteAuth ? { auth: { socket, storedHash } } : {}),
  };
  return { kind: "change", summary: words.join(", "), detail };
}

/** The statements apply sends (on stdin): the only place the password enters SQL. */
export function mysqlUserStatements(params: MysqlUserParams, change: MysqlUserChange): string[] {
  const out: string[] = [];
  if (!params.sql_log_bin) out.push("SET SESSION sql_log_bin = 0;");
  if (change.staleHosts !== undefined) {
    for (const host of change.staleHosts) out.push(`DROP USER ${account(params.name, host)};`);
    return out;
  }
  const acct = account(params.name, hostOf(params));
  const password = change.setPassword ? params.password : undefined;
  const identified = change.auth
    ? identifiedClause({ password, storedHash: change.auth.storedHash, socket: change.auth.socket })
    : identifiedClause({ password, storedHash: "", socket: false });
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
    return mysqlUserProbe(params);
  },

  decide(params, _prepared, observed, ctx): Plan {
    return decideMysqlUser(params, observed?.output ?? "", secretsOf(params, ctx.secrets));
  },

  async apply(params, _prepared, change, ctx) {
    const statements = mysqlUserStatements(params, change.detail as MysqlUserChange);
    const failed = await runSql(ctx, params, statements, params.password !== undefined ? [params.password] : []);
    const detail = change.detail as MysqlUserChange;
    const what = detail.staleHosts ? detail.staleHosts.map((h) => display(params, h)).join(", ") : display(params);
    if (failed) return { changed: false, failed: `mysql_user ${redact(what, secretsOf(params, ctx.secrets))}: ${failed}` };
    if (detail.staleHosts) return { changed: true, result: { user: params.name, dropped: detail.staleHosts } };
    return { changed: true, result: { user: params.name, host: hostOf(params) } };
  },
};

function secretsOf(params: MysqlUserParams, secrets: ReadonlySet<string>): ReadonlySet<string> {
  return params.password ? new Set([...secrets, params.password]) : secrets;
}
