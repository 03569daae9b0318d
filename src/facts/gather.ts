// Gathering: all facts in ONE exec, one script printing a delimited section per fact.
import type { Connection } from "../connection/types.js";
import { raw, type Script } from "../util/shell.js";
import { FACTS, type FactTable } from "./definitions.js";
import { HEARTBEAT_MS, HostBusy, LOCK_READY, lockScript, planWarning, readLockState, unlockedWarning, type LockHolder, type LockIntent } from "./host-lock.js";
import type { Facts } from "./types.js";

/** Starts each section; fact output never begins with it. */
export const SECTION_MARK = "@@deploy-fact ";

export function factsScript(table: FactTable = FACTS): Script {
  const parts = Object.entries(table).map(
    // A group, not a subshell: one process fewer per fact (no fact command exits or sets options).
    ([name, fact]) => `printf '%s\\n' '${SECTION_MARK}${name}'\n{ ${fact.command}; } 2>/dev/null`,
  );
  return raw(parts.join("\n"));
}

/** Section name -> its text, from the script's stdout. */
export function splitSections(stdout: string): Map<string, string> {
  const sections = new Map<string, string>();
  let name: string | undefined;
  let lines: string[] = [];
  const flush = (): void => {
    if (name !== undefined) sections.set(name, lines.join("\n"));
  };
  for (const line of stdout.split("\n")) {
    if (line.startsWith(SECTION_MARK)) {
      flush();
      name = line.slice(SECTION_MARK.length).trim();
      lines = [];
    } else lines.push(line);
  }
  flush();
  return sections;
}

export function parseFacts(stdout: string, table: FactTable = FACTS): Facts {
  const sections = splitSections(stdout);
  const read = <K extends keyof Facts>(key: K): Facts[K] => table[key].parse(sections.get(key) ?? "");
  return {
    os: read("os"),
    arch: read("arch"),
    init: read("init"),
    packageManager: read("packageManager"),
    hostname: read("hostname"),
    addresses: read("addresses"),
    memoryMb: read("memoryMb"),
    cpus: read("cpus"),
    sshClient: read("sshClient"),
    pendingHandlers: read("pendingHandlers"),
  };
}

/** Facts never need privileges: they run as the login user, whatever the host's become says. */
export async function gatherFacts(conn: Connection): Promise<Facts> {
  const result = await conn.exec(factsScript(), { become: false });
  return parseFacts(result.stdout);
}

/** The run's first gathering on a host; `warning`: what the user should know about the host's lock. */
export interface FirstGathering {
  facts: Facts;
  warning?: string;
}

/**
 * The run's first gathering on a host, in the same one round trip, with the host lock (host-lock.ts):
 * apply takes it and holds it until the connection closes, or throws HostBusy; plan warns of an apply that
 * holds it. A local connection is not locked: the control machine is not a host one apply converges
 * alone (parallel runs from one CI machine to different fleets all run their delegate_to localhost tasks
 * there, and would exclude each other), and nothing it runs outlives a command.
 */
export async function gatherFactsLocked(conn: Connection, intent: LockIntent, holder: LockHolder): Promise<FirstGathering> {
  if (!conn.capabilities.remote || !conn.hold) return { facts: await gatherFacts(conn) };
  const script = lockScript(intent, holder, factsScript());
  let stdout: string;
  let held = false;
  if (intent === "plan") {
    stdout = (await conn.exec(script, { become: false })).stdout;
  } else {
    const outcome = await conn.hold(script, { readyLine: LOCK_READY, heartbeat: { bytes: ".", everyMs: HEARTBEAT_MS } });
    stdout = outcome.held ? outcome.stdout : outcome.result.stdout;
    held = outcome.held;
  }
  const state = readLockState(stdout);
  if (state.kind === "held" && !held) return { facts: parseFacts(stdout), warning: unlockedWarning("its holder on the host ended at once") };
  if (state.kind === "busy") {
    if (intent === "apply") throw new HostBusy(conn.hostName, state.holder);
    return { facts: parseFacts(stdout), warning: planWarning(state.holder) };
  }
  if (state.kind === "unsupported" && intent === "apply") return { facts: parseFacts(stdout), warning: unlockedWarning(state.why) };
  return { facts: parseFacts(stdout) };
}
