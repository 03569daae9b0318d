// Driving the server's own client (`mariadb`, else `mysql`) on the host, as the task's become user.
//
// Credentials: never on a command line. By default the client runs as root and logs in over the unix
// socket (Debian's MariaDB and Ubuntu's MySQL give root socket auth), or with what root's ~/.my.cnf holds.
// `login_config` names another option file (root-only, e.g. written by the role from the vault).
// SQL that carries a password is written to the client's stdin by apply; probes carry SQL in a quoted
// here-document (their own, or the batch's shared session: sql-lookup.ts), which is fine because probes
// never contain a secret.
import { z } from "zod";
import type { ExecResult } from "../../connection/types.js";
import { quote, raw, type Script } from "../../util/shell.js";
import type { Probe } from "../lib/lookup.js";
import { absolutePathSchema } from "../lib/params.js";
import { hasFact, parseProbe } from "../lib/probe.js";
import { redact } from "../system/redact.js";
import { tail } from "../lib/tail.js";
import type { ApplyContext } from "../types.js";
import { clientError, taggedRow } from "./batch.js";
import { parseFlavour, type Flavour } from "./flavour.js";
import { sqlText } from "./sql.js";
import type { SqlFollowUp } from "./sql-lookup.js";

export const loginFields = {
  login_user: z
    .string()
    .min(1)
    .regex(/^[^\n\0]+$/, "must be one line")
    .optional()
    .describe("Account the module logs in as (default: the client's default, root over the unix socket)."),
  login_config: absolutePathSchema
    .optional()
    .describe("Option file with the login credentials ([client] user/password), readable by root only. Default: root's ~/.my.cnf if any."),
  login_unix_socket: absolutePathSchema.optional().describe("Server socket, when not the client's default."),
};

export interface LoginParams {
  login_user?: string | undefined;
  login_config?: string | undefined;
  login_unix_socket?: string | undefined;
}

/** Seconds the client waits for the server to accept the connection. */
const CONNECT_TIMEOUT = 10;

/** Shell words of the client's options (each quoted). `--defaults-extra-file` must come first. */
export function clientOptions(login: LoginParams): string {
  const words: string[] = [];
  if (login.login_config !== undefined) words.push(`--defaults-extra-file=${login.login_config}`);
  if (login.login_user !== undefined) words.push(`--user=${login.login_user}`);
  if (login.login_unix_socket !== undefined) words.push(`--socket=${login.login_unix_socket}`);
  words.push(`--connect-timeout=${CONNECT_TIMEOUT}`);
  return words.map(quote).join(" ");
}

/**
 * Script lines that find the client and define `db` (the client with the login options). Without a client
 * it prints `#deploy:no-client` and stops.
 */
export function clientPrelude(login: LoginParams): string {
  return [
    `c=$(command -v mariadb || command -v mysql) || { echo '#deploy:no-client'; exit 0; }`,
    `db() { "$c" ${clientOptions(login)} "$@"; }`,
  ].join("\n");
}

const HEREDOC_END = "DEPLOY_SQL_END";

/**
 * `command` with `sql` as its stdin in a quoted here-document (no expansion); `pipe` continues the command
 * line (e.g. `| sed ...`). SQL from sqlText() never holds the end line: its values cannot contain a newline.
 */
export function withSql(command: string, sql: string, pipe = ""): string {
  if (sql.split("\n").some((line) => line === HEREDOC_END)) throw new Error("SQL text contains the here-document end line");
  return `${command} <<'${HEREDOC_END}'${pipe ? ` ${pipe}` : ""}\n${sql.endsWith("\n") ? sql : sql + "\n"}${HEREDOC_END}`;
}

/**
 * A probe: run `statements` (the first ones should select tagged rows), print the rows and
 * `#deploy:client-exit <rc>`; when the client succeeded, run `followUp` (more script lines that may test
 * "$out", the rows printed so far).
 */
export function probeScript(login: LoginParams, statements: ReadonlyArray<string>, followUp: ReadonlyArray<string> = []): Script {
  return raw(
    [
      clientPrelude(login),
      `out=$(${withSql("db --batch --skip-column-names 2>&1", sqlText(statements))}\n)`,
      `rc=$?`,
      `printf '%s\\n' "$out"`,
      `printf '#deploy:client-exit\\t%s\\n' "$rc"`,
      `[ "$rc" -eq 0 ] || exit 0`,
      ...followUp,
    ].join("\n"),
  );
}

/**
 * The same probe as probeScript(login, statements) plus follow-ups, as a lookup: the engine runs the SQL
 * lookups of a batch in one client session per login (sql-lookup.ts). Follow-ups are read-only queries.
 */
export function sqlProbe(login: LoginParams, statements: string[], then: SqlFollowUp[] = []): Probe {
  // Only the login options: the lookup's identity, and what decides which session it shares.
  const only: LoginParams = {
    ...(login.login_user !== undefined ? { login_user: login.login_user } : {}),
    ...(login.login_config !== undefined ? { login_config: login.login_config } : {}),
    ...(login.login_unix_socket !== undefined ? { login_unix_socket: login.login_unix_socket } : {}),
  };
  return { lookups: [{ kind: "sql", login: only, statements, ...(then.length > 0 ? { then } : {}) }] };
}

/** SELECT for the server's version row; every probe starts with it. */
export const VERSION_QUERY = "SELECT '#deploy:server', VERSION();";

export type ServerState =
  | { kind: "up"; flavour: Flavour }
  | { kind: "no-client" }
  /** login_config does not exist (yet: an earlier task may write it). */
  | { kind: "no-login-config"; path: string }
  | { kind: "down"; message: string }
  | { kind: "error"; message: string };

// Client errors that mean "no server to talk to (yet)": 2002 no socket, 2003 cannot connect, 2013 lost.
const SERVER_DOWN = new Set([2002, 2003, 2006, 2013]);

/** What the probe's first query says about the server. */
export function serverState(output: string): ServerState {
  if (hasFact(parseProbe(output), "no-client")) return { kind: "no-client" };
  const version = taggedRow(output, "server")?.[0];
  const flavour = version === undefined ? undefined : parseFlavour(version);
  if (flavour) return { kind: "up", flavour };
  const missing = /Could not open required defaults file: (.*)$/m.exec(output);
  if (missing) return { kind: "no-login-config", path: missing[1]!.trim() };
  const error = clientError(output);
  if (error && SERVER_DOWN.has(error.code)) return { kind: "down", message: error.message };
  if (error) return { kind: "error", message: error.message };
  return { kind: "error", message: `the client printed no server version (${tail(output, 3) || "no output"})` };
}

/** The plan for a probe whose server is not usable, or undefined when it is up. */
export function serverProblem(state: ServerState): { kind: "blocked"; reason: string } | { kind: "fail"; message: string } | undefined {
  switch (state.kind) {
    case "up":
      return undefined;
    case "no-client":
      return { kind: "blocked", reason: "no mariadb or mysql client on the host (is the server package installed?)" };
    case "no-login-config":
      return { kind: "blocked", reason: `the login option file ${state.path} does not exist` };
    case "down":
      return { kind: "blocked", reason: `the database server is not reachable: ${state.message}` };
    case "error":
      return {
        kind: "fail",
        message: /ERROR (1045|1698)\b/.test(state.message)
          ? `${state.message} (log in as root through the socket, or give login_config)`
          : state.message,
      };
  }
}

/** Run statements through the client, SQL on stdin. Returns the failure message, if any (secrets redacted). */
export async function runSql(
  ctx: ApplyContext,
  login: LoginParams,
  statements: ReadonlyArray<string>,
  secrets: ReadonlyArray<string> = [],
): Promise<string | undefined> {
  const script = raw(`${clientPrelude(login)}\ndb --batch`);
  const result = await ctx.run(script, { stdin: sqlText(statements) });
  return failure(result, ctx, secrets);
}

/** The failure message of a client run (secrets redacted), or undefined when it succeeded. */
export function failure(result: ExecResult, ctx: { secrets: ReadonlySet<string> }, secrets: ReadonlyArray<string> = []): string | undefined {
  if (hasFact(parseProbe(result.stdout), "no-client")) return "no mariadb or mysql client on the host";
  if (result.exitCode === 0) return undefined;
  const all = new Set([...ctx.secrets, ...secrets]);
  return redact(tail(result.stderr || result.stdout, 3) || `client exited with ${String(result.exitCode)}`, all);
}
