// Driving ansible-playbook for the comparison: bench/ansible's config and inventory, one SSH control
// directory per set of fresh hosts (ControlPersist masters of earlier hosts are closed, never reused).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { timed, type Timed } from "./proc.js";
import type { StackPaths } from "./stack.js";

export interface AnsibleRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
}

export interface AnsibleRun extends Timed {
  recap: Record<string, AnsibleRecap>;
}

/** What the Ansible side needs on this machine and is missing: ansible-playbook, and rsync for synchronize. */
export function ansibleMissing(): string[] {
  const runs = (tool: string) => spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
  return ["ansible-playbook", "rsync"].filter((tool) => !runs(tool));
}

/** "web-01 : ok=20 changed=0 unreachable=0 failed=0 skipped=2 rescued=0 ignored=0" lines of PLAY RECAP. */
export function parseRecap(stdout: string): Record<string, AnsibleRecap> {
  const recap: Record<string, AnsibleRecap> = {};
  const start = stdout.lastIndexOf("PLAY RECAP");
  if (start < 0) return recap;
  for (const line of stdout.slice(start).split("\n").slice(1)) {
    const match = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (!match) continue;
    const fields = Object.fromEntries([...match[2]!.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
    recap[match[1]!] = {
      ok: fields["ok"] ?? 0,
      changed: fields["changed"] ?? 0,
      unreachable: fields["unreachable"] ?? 0,
      failed: fields["failed"] ?? 0,
      skipped: fields["skipped"] ?? 0,
    };
  }
  return recap;
}

export function ansibleChanged(recap: Record<string, AnsibleRecap>): number {
  return Object.values(recap).reduce((sum, r) => sum + r.changed, 0);
}

/** A control directory for one set of fresh hosts; `close` ends its SSH masters. */
export class ControlDir {
  private constructor(readonly dir: string) {}

  static async create(): Promise<ControlDir> {
    return new ControlDir(await mkdtemp(path.join(tmpdir(), "deploy-bench-cp-")));
  }

  async close(): Promise<void> {
    if (!existsSync(this.dir)) return;
    for (const socket of await readdir(this.dir)) {
      // `ssh -O exit` asks the master behind the socket to end: no process is looked up or signalled by name.
      spawnSync("ssh", ["-o", `ControlPath=${path.join(this.dir, socket)}`, "-O", "exit", "bench-master"], { stdio: "ignore" });
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** `ansible-playbook site.yml [--check --diff] [-e k=v]`; fails unless every host ends without failure. */
export async function ansibleRun(paths: StackPaths, control: ControlDir, options: { check?: boolean; extra?: string[] } = {}): Promise<AnsibleRun> {
  const args = ["site.yml", ...(options.check ? ["--check", "--diff"] : []), ...(options.extra ?? []).flatMap((e) => ["-e", e])];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_CONFIG: path.join(paths.ansibleDir, "ansible.cfg"),
    ANSIBLE_SSH_CONTROL_PATH_DIR: control.dir,
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_FORCE_COLOR: "0",
  };
  const result = await timed("ansible-playbook", args, { cwd: paths.ansibleDir, env, label: `ansible-playbook ${args.join(" ")}` });
  return { ...result, recap: parseRecap(result.stdout) };
}
