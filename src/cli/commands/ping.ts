// `deploy ping <inventory> [--limit pattern] [--json] [--timeout S]`: reach every host in parallel and say,
// per host, whether it answered, what OS it runs and how long a command round trip takes. An unreachable
// host is reported after the connect timeout without holding up the others.
import path from "node:path";
import { loadInventory } from "../../config/inventory.js";
import type { Host, Inventory } from "../../config/model.js";
import { matchHosts, PatternError } from "../../config/patterns.js";
import { createConnectionEnv, openConnection, type ConnectionEnv } from "../../connection/open.js";
import { BecomeError, ConnectionError, type Connection } from "../../connection/types.js";
import { gatherFacts } from "../../facts/gather.js";
import type { Facts } from "../../facts/types.js";
import { checkInventoryAlone, loadInventoryFirst } from "../argument-order.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";

const DEFAULT_TIMEOUT_S = 5;

const USAGE = `Usage: deploy ping <inventory> [--limit PATTERN] [--json] [--timeout SECONDS]

Connects to every host (in parallel), gathers its facts and times a command round trip.
For hosts with become, also checks that sudo works.

Options:
      --limit PATTERN          only these hosts (web-01, app:!web-02, web-*, ...)
      --timeout SECONDS        connect timeout per host (default ${DEFAULT_TIMEOUT_S})
      --json                   print a JSON document instead of lines
      --vault-password-file F  read the vault password from F

Exit status: 0 every host answered, 4 some host was unreachable, 2 sudo failed on a host (6 both),
1 invalid usage or inventory.`;

export interface PingResult {
  host: string;
  address: string;
  reachable: boolean;
  /** Connect + authenticate time. */
  connectMs?: number;
  /** One `true` on the open connection (best of three). */
  rttMs?: number;
  facts?: Facts;
  /** Present for become hosts: sudo works ("ok") or the reason it does not. */
  become?: { user: string; ok: boolean; message?: string };
  error?: { kind: string; message: string; hint?: string };
}

function errorOf(error: unknown): NonNullable<PingResult["error"]> {
  if (error instanceof ConnectionError) {
    return { kind: error.kind, message: error.message, ...(error.hint !== undefined ? { hint: error.hint } : {}) };
  }
  return { kind: "error", message: error instanceof Error ? error.message : String(error) };
}

async function roundTrip(conn: Connection): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await conn.exec("true", { become: false });
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(best * 10) / 10;
}

export async function pingHost(host: Host, inventory: Inventory, env: ConnectionEnv): Promise<PingResult> {
  const result: PingResult = { host: host.name, address: host.address, reachable: false };
  let conn: Connection | undefined;
  try {
    const started = performance.now();
    conn = await openConnection(host, inventory, env);
    result.connectMs = Math.round(performance.now() - started);
    result.facts = await gatherFacts(conn);
    result.rttMs = await roundTrip(conn);
    result.reachable = true;
    if (host.become) {
      const user = host.becomeUser ?? "root";
      try {
        const who = await conn.exec("id -un", { become: true });
        const ok = who.exitCode === 0 && who.stdout.trim() === user;
        result.become = { user, ok, ...(ok ? {} : { message: `sudo ran the command as '${who.stdout.trim()}'` }) };
      } catch (error: unknown) {
        if (!(error instanceof BecomeError)) throw error;
        result.become = { user, ok: false, message: error.message };
      }
    }
  } catch (error: unknown) {
    result.reachable = false;
    result.error = errorOf(error);
  } finally {
    await conn?.close().catch(() => undefined);
  }
  return result;
}

/** Bound a host's whole ping, in case a host accepts the connection and then stalls. */
function withDeadline(work: Promise<PingResult>, host: Host, ms: number): Promise<PingResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<PingResult>((resolve) => {
    timer = setTimeout(() => resolve({
      host: host.name,
      address: host.address,
      reachable: false,
      error: { kind: "timeout", message: `no complete answer within ${Math.round(ms / 1000)}s` },
    }), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function describeResult(r: PingResult): string[] {
  if (!r.reachable) {
    const lines = [`${r.host}  UNREACHABLE  ${r.error?.message ?? "unknown error"}`];
    if (r.error?.hint) lines.push(...r.error.hint.split("\n").map((l) => `${r.host}    ${l}`));
    return lines;
  }
  const f = r.facts;
  const os = f ? `${f.os.id} ${f.os.version}${f.os.codename ? ` (${f.os.codename})` : ""} ${f.arch}` : "";
  const become = r.become ? (r.become.ok ? `  become ${r.become.user} ok` : `  BECOME FAILED: ${r.become.message ?? ""}`) : "";
  return [`${r.host}  ok  ${os}  rtt ${r.rttMs} ms  connect ${r.connectMs} ms${become}`];
}

export function exitStatus(results: PingResult[]): number {
  const unreachable = results.some((r) => !r.reachable);
  const becomeFailed = results.some((r) => r.become && !r.become.ok);
  return (unreachable ? EXIT.unreachable : 0) | (becomeFailed ? EXIT.failed : 0);
}

export const pingCommand: Command = {
  name: "ping",
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(args, {
          limit: { type: "string", short: "l" },
          json: { type: "boolean" },
          timeout: { type: "string" },
          "vault-password-file": { type: "string" },
        });
    const [file, ...more] = parsed.positionals;
    if (!file) throw new UsageError("missing <inventory> (for example inventory/lab.yaml)");
    checkInventoryAlone("ping", file, more, io.cwd);
    const timeoutS = parsed.values.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(parsed.values.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout must be a positive number of seconds, not '${parsed.values.timeout}'`);

    const inventory = await loadInventoryFirst("ping", file, io.cwd, () =>
      loadInventory(path.resolve(io.cwd, file), {
        env: io.env,
        ...(parsed.values["vault-password-file"] !== undefined ? { vaultPasswordFile: parsed.values["vault-password-file"] } : {}),
      }),
    );
    let names: string[];
    try {
      names = parsed.values.limit !== undefined ? matchHosts(parsed.values.limit, inventory) : [...inventory.hosts.keys()];
    } catch (error: unknown) {
      if (error instanceof PatternError) throw new UsageError(`--limit ${error.message}`, { cause: error });
      throw error;
    }
    if (names.length === 0) throw new UsageError("no host selected");

    const env = await createConnectionEnv(io.env, { warn: (line) => io.err(line), connectTimeoutMs: timeoutS * 1000, interactive: io.isTTY });
    const deadlineMs = timeoutS * 1000 * 2 + 15_000;
    const results = await Promise.all(
      names.map(async (name) => {
        const host = inventory.hosts.get(name)!;
        const result = await withDeadline(pingHost(host, inventory, env), host, deadlineMs);
        if (!parsed.values.json) for (const line of describeResult(result)) io.out(line);
        return result;
      }),
    );
    const reachable = results.filter((r) => r.reachable).length;
    if (parsed.values.json) {
      io.out(JSON.stringify({ hosts: results, summary: { hosts: results.length, reachable, unreachable: results.length - reachable } }, null, 2));
    } else {
      io.out(`${results.length} host${results.length === 1 ? "" : "s"}: ${reachable} reachable, ${results.length - reachable} unreachable`);
    }
    return exitStatus(results);
  },
};
