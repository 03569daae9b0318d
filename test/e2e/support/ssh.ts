// For the SSH e2e tests: connection targets for the tests' lab hosts, isolated from this machine's
// ~/.ssh (own HOME, own user known_hosts, no agent unless a test brings one), and root helpers.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadInventory } from "../../../src/config/inventory.js";
import type { Inventory } from "../../../src/config/model.js";
import { connectSsh, type SshOptions } from "../../../src/connection/ssh.js";
import { resolveTarget } from "../../../src/connection/target.js";
import type { Connection, ConnectionTarget } from "../../../src/connection/types.js";
import { ensureLab, testLabInventory, type Lab } from "./lab.js";

export interface SshLab {
  lab: Lab;
  inventory: Inventory;
  /** Scratch directory (also HOME for connections: its .ssh is empty). */
  tmp: string;
  warnings: string[];
}

export async function sshLab(): Promise<SshLab> {
  const lab = await ensureLab(testLabInventory());
  const inventory = await loadInventory(testLabInventory());
  const tmp = await mkdtemp(join(tmpdir(), "deploy-ssh-e2e-"));
  return { lab, inventory, tmp, warnings: [] };
}

/** A lab host as the inventory describes it (deploy + sudo, lab key, lab known_hosts, strict). */
export function labTarget(ctx: SshLab, name: string, over: Partial<ConnectionTarget> = {}): ConnectionTarget {
  const host = ctx.inventory.hosts.get(name);
  if (!host) throw new Error(`no host ${name} in ${testLabInventory()}`);
  const target = resolveTarget(host, ctx.inventory, { home: ctx.tmp, localUser: "root", fileExists: () => false });
  return { ...target, ...over };
}

export function options(ctx: SshLab, over: SshOptions = {}): SshOptions {
  return {
    env: {},
    userKnownHostsFile: join(ctx.tmp, "user_known_hosts"),
    warn: (line) => ctx.warnings.push(line),
    ...over,
  };
}

export function connect(ctx: SshLab, target: ConnectionTarget, over: SshOptions = {}): Promise<Connection> {
  return connectSsh(target, options(ctx, over));
}

/** Run a local tool to completion (ssh-keygen, ssh-add). */
export function runLocal(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, out }));
  });
}

/** An ssh-agent of our own on a socket in `dir`, stopped by its pid. */
export async function startAgent(dir: string): Promise<{ socket: string; process: ChildProcess; stop: () => void }> {
  const socket = join(dir, "agent.sock");
  const agent = spawn("ssh-agent", ["-D", "-a", socket], { stdio: ["ignore", "ignore", "pipe"] });
  const deadline = Date.now() + 5000;
  for (;;) {
    const probe = await runLocal("ssh-add", ["-l"], { ...process.env, SSH_AUTH_SOCK: socket });
    // 1 = agent answered "no identities"; 2 = cannot connect yet.
    if (probe.code === 0 || probe.code === 1) break;
    if (Date.now() > deadline) throw new Error(`ssh-agent did not come up: ${probe.out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    socket,
    process: agent,
    stop: () => {
      if (agent.pid !== undefined && agent.exitCode === null) process.kill(agent.pid, "SIGTERM");
    },
  };
}
