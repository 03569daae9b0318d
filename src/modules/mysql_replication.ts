// `mysql_replication`: this server replicates from a primary, GTID based (MariaDB and MySQL 8 syntax).
//
// The probe reads the replica status first. A running replica pointed at the same primary host, port and
// user (with the same password, compared as a SHA-256 of what the server stored) is left alone. A replica
// pointed elsewhere is re-pointed (stop, change, start): GTIDs carry its position over. Stopped threads are
// restarted. After a restart or re-point, apply waits until both threads run and the SQL thread has applied
// all the replica had received when probed (an event it had stopped on is then past), or fails with the
// server's last error; a long catch-up is reported as still catching up (mysql/replica-start.ts). A server
// that does not replicate yet is first seeded from a consistent dump of the primary's databases (see
// mysql/replication.ts for how the dump reaches it and which privileges the replication account needs), then
// started.
//
// Passwords travel only on stdin: the CHANGE statement, and the option file the dump tool reads.
import { createHash } from "node:crypto";
import { z } from "zod";
import type { Module, Plan } from "./types.js";
import { scriptProbe } from "./lib/lookup.js";
import { TAG } from "./lib/probe.js";
import type { ApplyContext } from "./types.js";
import { failure, loginFields, probeScript, runSql, serverProblem, serverState, VERSION_QUERY, type LoginParams } from "./mysql/client.js";
import { namedRows, taggedRow } from "./mysql/batch.js";
import { replicationSyntax, type Flavour } from "./mysql/flavour.js";
import { clientOptionFile } from "./mysql/option-file.js";
import { describeThreads, isRunning, parseReplicaStatus, statusVars, type ReplicaStatus } from "./mysql/replica-status.js";
import { startVerdict, type StartVerdict, type StartWatch } from "./mysql/replica-start.js";
import { pointAtPrimaryStatements, seedScript, statusScript, type PrimaryTarget } from "./mysql/replication.js";
import { redact } from "./system/redact.js";

const oneLine = z
  .string()
  .min(1)
  .refine((s) => !/[\n\r\0]/.test(s), "must be one line without NUL");

export const mysqlReplicationSchema = z
  .strictObject({
    primary_host: oneLine.optional().describe("Address of the primary, as the replica reaches it."),
    primary_port: z.number().int().min(1).max(65535).default(3306),
    primary_user: oneLine.pipe(z.string().max(80)).optional().describe("Replication account on the primary."),
    primary_password: z.string().optional().describe("Its password (a secret: travels on stdin only)."),
    mode: z.enum(["gtid"]).default("gtid").describe("Replication positions: GTID (the only mode)."),
    seed: z
      .boolean()
      .default(true)
      .describe("When this server does not replicate yet, copy the primary's databases (consistent dump) before starting."),
    connect_retry: z.number().int().min(1).max(3600).default(10).describe("Seconds between the replica's connection attempts."),
    wait_timeout: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe("Seconds apply waits for both replication threads to run and apply what the replica had already received."),
    state: z.enum(["present", "absent"]).default("present").describe("absent: stop replicating and forget the primary."),
    ...loginFields,
  })
  .superRefine((p, ctx) => {
    if (p.state !== "present") return;
    for (const key of ["primary_host", "primary_user", "primary_password"] as const) {
      if (p[key] === undefined) ctx.addIssue({ code: "custom", message: "is required with state present", path: [key] });
    }
  })
  .describe("Make this MySQL/MariaDB server a GTID replica of a primary (seeded from a dump when new).");

export type MysqlReplicationParams = z.infer<typeof mysqlReplicationSchema>;

export type ReplicationAction = "setup" | "repoint" | "restart" | "remove";

export interface MysqlReplicationChange {
  action: ReplicationAction;
  flavour: Flavour;
  seed: boolean;
  /** GTIDs the replica had received when probed: apply waits until they are applied. */
  received: string;
}

// The password the server stored for its primary, as a SHA-256 (never the password itself): MariaDB keeps
// it on line 6 of master.info in the data directory, MySQL 8 in mysql.slave_master_info. The server's
// flavour and data directory come from the first query's rows ("$out"), read with shell builtins: asking
// the client (`--version`, another login for @@datadir) cost two more client starts per probe.
const PASSWORD_CHECK = [
  `nl='
'`,
  `v=\${out#*"${TAG}server\t"}; v=\${v%%"$nl"*}`,
  `case $v in`,
  `*MariaDB*)`,
  `  d=\${out#*"${TAG}datadir\t"}; d=\${d%%"$nl"*}; i="\${d%/}/master.info"`,
  `  if [ -f "$i" ]; then printf '#deploy:password-sha256\t%s\n' "$(sed -n 6p "$i" | tr -d '\n' | sha256sum | cut -d' ' -f1)"; fi ;;`,
  `*)`,
  `  db --batch --skip-column-names -e "SELECT '#deploy:password-sha256', SHA2(User_password, 256) FROM mysql.slave_master_info WHERE Channel_name = ''" ;;`,
  `esac`,
];

/** The data directory, for the password check; a path has no character the batch format escapes. */
const DATADIR_QUERY = "SELECT '#deploy:datadir', @@datadir;";

export function mysqlReplicationProbe(params: MysqlReplicationParams) {
  return probeScript(params, params.state === "present" ? [VERSION_QUERY, DATADIR_QUERY] : [VERSION_QUERY], [
    "echo '#deploy:status-begin'",
    "{ db --batch -e 'SHOW REPLICA STATUS' || db --batch -e 'SHOW SLAVE STATUS'; } 2>&1",
    "echo '#deploy:status-end'",
    ...(params.state === "present" ? PASSWORD_CHECK : []),
  ]);
}

/** The replica status printed (by the probe or statusScript); undefined when this server replicates from nobody. */
export function observedStatus(output: string): ReplicaStatus | undefined {
  const row = namedRows(output, "status")?.[0];
  const status = row ? parseReplicaStatus(row, taggedRow(output, "gtid-applied")?.[0]) : undefined;
  return status && status.primaryHost !== "" ? status : undefined;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

export function decideMysqlReplication(params: MysqlReplicationParams, output: string, secrets: ReadonlySet<string>): Plan {
  const state = serverState(output);
  const problem = serverProblem(state);
  if (problem || state.kind !== "up") return problem ?? { kind: "fail", message: "no server" };
  if (!namedRows(output, "status")) return { kind: "fail", message: "the probe printed no replica status" };
  const status = observedStatus(output);
  const flavour = state.flavour;
  const hide = (text: string) => redact(text, secrets);
  if (params.state === "absent") {
    if (!status) return { kind: "ok" };
    const detail: MysqlReplicationChange = { action: "remove", flavour, seed: false, received: "" };
    return { kind: "change", summary: hide(`stop replicating from ${status.primaryHost}:${status.primaryPort} and forget it`), detail };
  }

  const host = params.primary_host ?? "";
  const user = params.primary_user ?? "";
  const wanted = `${host}:${params.primary_port}`;
  const change = (action: ReplicationAction, summary: string): Plan => {
    const detail: MysqlReplicationChange = { action, flavour, seed: action === "setup" && params.seed, received: status?.receivedGtids ?? "" };
    return { kind: "change", summary: hide(summary), detail };
  };
  if (!status) {
    return change("setup", `replicate from ${wanted} as ${user} (GTID)${params.seed ? ", seeded from a dump of the primary's databases" : ""}`);
  }
  const current = `${status.primaryHost}:${status.primaryPort}`;
  const moved = status.primaryHost.toLowerCase() !== host.toLowerCase() || status.primaryPort !== params.primary_port;
  if (moved || status.primaryUser !== user) {
    return change("repoint", `re-point replication from ${current} as ${status.primaryUser} to ${wanted} as ${user}`);
  }
  if (!status.usesGtid) return change("repoint", `switch replication from ${current} to GTID positions`);
  const storedPassword = taggedRow(output, "password-sha256")?.[0];
  if (storedPassword !== undefined && storedPassword !== sha256(params.primary_password ?? "")) {
    return change("repoint", `update the replication password for ${wanted}`);
  }
  if (!isRunning(status)) return change("restart", `restart replication from ${wanted}: ${describeThreads(status)}`);
  return { kind: "ok", summary: hide(`replicating from ${wanted}`), result: statusVars(status) };
}

async function readStatus(ctx: ApplyContext, login: LoginParams, flavour: Flavour, applied: boolean): Promise<ReplicaStatus | undefined> {
  const result = await ctx.run(statusScript(login, flavour, applied));
  return observedStatus(result.stdout);
}

/** Read the status until startVerdict() decides (at most wait_timeout seconds); the verdict and the last status. */
async function watchStart(
  ctx: ApplyContext,
  params: MysqlReplicationParams,
  flavour: Flavour,
  watch: StartWatch,
): Promise<{ verdict: Exclude<StartVerdict, { kind: "wait" }>; status: ReplicaStatus | undefined }> {
  const started = Date.now();
  let firstApplied: string | undefined;
  // Short pauses first: a healthy replica is usually there at the first read, a failing one within a second.
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    // Where nothing had been received before, both threads running is the test: no applied position needed.
    const status = await readStatus(ctx, params, flavour, watch.received !== "");
    firstApplied ??= status?.appliedGtids;
    const elapsed = Date.now() - started;
    const timedOut = elapsed >= params.wait_timeout * 1000;
    const verdict = startVerdict(watch, status, { seconds: Math.round(elapsed / 1000), timedOut, firstApplied });
    if (verdict.kind !== "wait") return { verdict, status };
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, params.wait_timeout * 1000 - elapsed)));
  }
}

export const mysqlReplicationModule: Module<MysqlReplicationParams, undefined> = {
  name: "mysql_replication",
  description: "Make a MySQL/MariaDB server a GTID replica of a primary: seeded from a dump when new, re-pointed when the primary moves.",
  schema: mysqlReplicationSchema,

  probe(params) {
    return scriptProbe(mysqlReplicationProbe(params));
  },

  decide(params, _prepared, observed, ctx): Plan {
    return decideMysqlReplication(params, observed?.output ?? "", secretsOf(params, ctx.secrets));
  },

  async apply(params, _prepared, change, ctx) {
    const { action, flavour, seed, received } = change.detail as MysqlReplicationChange;
    const secrets = secretsOf(params, ctx.secrets);
    const syntax = replicationSyntax(flavour);

    if (action === "remove") {
      const failed = await runSql(ctx, params, [syntax.stop, syntax.resetAll]);
      return failed ? { changed: false, failed } : { changed: true, result: statusVars(undefined) };
    }

    const target: PrimaryTarget = {
      host: params.primary_host ?? "",
      port: params.primary_port,
      user: params.primary_user ?? "",
      password: params.primary_password ?? "",
      connectRetry: params.connect_retry,
    };
    let seeded: number | undefined;
    if (seed) {
      const result = await ctx.run(seedScript(params, flavour), { stdin: clientOptionFile(target) });
      const failed = failure(result, { secrets });
      if (failed) return { changed: false, failed: redact(`seeding from ${target.host}:${target.port}: ${failed}`, secrets) };
      seeded = Number(taggedRow(result.stdout, "seeded")?.[0] ?? 0);
    }
    const statements = action === "restart" ? [syntax.stop, syntax.start] : pointAtPrimaryStatements(flavour, target);
    const failed = await runSql(ctx, params, statements, [target.password]);
    if (failed) return { changed: seeded !== undefined, failed };

    const { verdict, status } = await watchStart(ctx, params, flavour, { flavour: flavour.name, received, restart: action === "restart" });
    const result = { ...statusVars(status), ...(seeded !== undefined ? { seeded_databases: seeded } : {}) };
    if (verdict.kind === "failed") return { changed: true, failed: redact(verdict.message, secrets), result };
    const notes = [
      ...(seeded !== undefined ? [`seeded ${seeded} database${seeded === 1 ? "" : "s"}`] : []),
      ...(verdict.note !== undefined ? [verdict.note] : []),
    ];
    const summary = `replicating from ${target.host}:${target.port}${notes.length ? ` (${notes.join("; ")})` : ""}`;
    return { changed: true, result, summary: redact(summary, secrets) };
  },
};

function secretsOf(params: MysqlReplicationParams, secrets: ReadonlySet<string>): ReadonlySet<string> {
  return params.primary_password ? new Set([...secrets, params.primary_password]) : secrets;
}
