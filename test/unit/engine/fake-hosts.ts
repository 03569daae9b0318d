// For engine unit tests: a throwaway project and hosts that exist only in memory. A fake connection
// answers every command with exit 0 (or 1 when the command text contains FAIL), after `delayMs`; a command
// containing LOSE_CONNECTION loses the connection instead, one containing SUDO_REFUSES is refused by sudo.
import type { Host, Project } from "../../../src/config/model.js";
import { matchHosts } from "../../../src/config/patterns.js";
import { loadProject } from "../../../src/config/project.js";
import { BecomeError, ConnectionError, type Connection, type ExecOptions, type ExecResult } from "../../../src/connection/types.js";
import type { RunEvent } from "../../../src/engine/events.js";
import { runPlaybook, type RunOptions, type RunResult } from "../../../src/engine/run.js";
import { HostBusy } from "../../../src/facts/host-lock.js";
import type { Facts } from "../../../src/facts/types.js";
import { createEvaluator } from "../../../src/template/evaluator.js";
import { tempProject } from "../config/temp-project.js";

export const FACTS: Facts = {
  os: { id: "debian", version: "12", codename: "bookworm", family: ["debian"] },
  arch: "x86_64",
  init: "systemd",
  packageManager: "apt",
  hostname: "h",
  addresses: ["10.0.0.1"],
  memoryMb: 1024,
  sshClient: "10.0.0.1",
  cpus: 2,
};

export interface FakeFleet {
  /** Hosts whose connect fails with ConnectionError("unreachable"). */
  unreachable: Set<string>;
  /** Hosts whose connect never answers: it ends only when the run's stop signal aborts it. */
  silent: Set<string>;
  /** Hosts another deploy is applying to (set it on the fleet): their first gathering throws HostBusy. */
  busy?: Set<string>;
  /** Hosts in the order they were connected. */
  connected: string[];
  /** Commands per host, in order. */
  commands: Map<string, string[]>;
  delayMs: number;
  /** Commands running now, and the most that ever ran at the same time, over all hosts. */
  running: number;
  maxConcurrent: number;
  /** Called as each command starts. */
  onExec?: (host: string, command: string) => void;
  /** Facts per host (FACTS when absent). */
  factsOf?: (host: string) => Facts;
}

export function fakeFleet(over: Partial<Pick<FakeFleet, "unreachable" | "silent" | "delayMs" | "onExec" | "factsOf">> = {}): FakeFleet {
  return { unreachable: new Set(), silent: new Set(), connected: [], commands: new Map(), delayMs: 0, running: 0, maxConcurrent: 0, ...over };
}

function fakeConnection(host: Host, fleet: FakeFleet): Connection {
  const stats = { roundTrips: 0, bytesUp: 0, bytesDown: 0 };
  const exec = async (command: unknown, _options?: ExecOptions): Promise<ExecResult> => {
    stats.roundTrips++;
    const text = String(command);
    fleet.commands.get(host.name)?.push(text);
    fleet.onExec?.(host.name, text);
    fleet.running++;
    fleet.maxConcurrent = Math.max(fleet.maxConcurrent, fleet.running);
    await new Promise((r) => setTimeout(r, fleet.delayMs));
    fleet.running--;
    if (text.includes("LOSE_CONNECTION")) throw new ConnectionError("connection-lost", host.name, `connection to ${host.address} lost`);
    if (text.includes("SUDO_REFUSES")) throw new BecomeError(host.name, "sudo needs a password to become root", "Set become_password.");
    return { exitCode: text.includes("FAIL") ? 1 : 0, stdout: "", stderr: text.includes("FAIL") ? "it failed" : "" };
  };
  return {
    hostName: host.name,
    capabilities: { remote: true },
    stats,
    exec,
    put: async () => undefined,
    get: async () => Buffer.alloc(0),
    close: async () => undefined,
  };
}

/** Write a project to a temp dir (`prepare` may add more, e.g. symbolic links) and load it. */
export async function loadTemp(files: Record<string, string>, prepare?: (dir: string) => void, extraVars: string[] = []): Promise<Project> {
  const dir = tempProject(files);
  prepare?.(dir);
  return loadProject({ cwd: dir, inventoryFile: "inventory/hosts.yaml", playbookFile: "playbooks/site.yaml", extraVars, env: {} });
}

export async function runFake(
  project: Project,
  fleet: FakeFleet,
  options: Partial<RunOptions> = {},
): Promise<{ result: RunResult; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await runPlaybook(
    project,
    { mode: "apply", forks: 50, tags: { tags: [], skipTags: [] }, forceHandlers: false, ...options },
    {
      async gatherFirst(conn) {
        if (fleet.busy?.has(conn.hostName)) throw new HostBusy(conn.hostName, { user: "alice", machine: "laptop", pid: 4242, since: new Date() });
        return { facts: await this.gatherFacts(conn) };
      },
      evaluator: createEvaluator(project),
      matchHosts: (pattern) => matchHosts(pattern, project.inventory),
      connect: async (host, stop) => {
        fleet.connected.push(host.name);
        if (fleet.silent.has(host.name)) {
          await new Promise((resolve) => stop?.addEventListener("abort", resolve, { once: true }));
          throw new ConnectionError("unreachable", host.name, "connection closed during the handshake");
        }
        if (fleet.unreachable.has(host.name)) throw new ConnectionError("unreachable", host.name, `no SSH answer from ${host.address}`);
        fleet.commands.set(host.name, []);
        return fakeConnection(host, fleet);
      },
      gatherFacts: async (conn) => fleet.factsOf?.(conn.hostName) ?? FACTS,
    },
    (event) => events.push(event),
  );
  return { result, events };
}

/** Four hosts a..d, in this order. */
export const FOUR_HOSTS = `hosts:
  a: { address: 10.0.0.1 }
  b: { address: 10.0.0.2 }
  c: { address: 10.0.0.3 }
  d: { address: 10.0.0.4 }
`;
