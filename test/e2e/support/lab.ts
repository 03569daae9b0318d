// For e2e tests: real lab hosts for an inventory, brought up once per test run and reused when already up.
// Tests that need hosts call `ensureLab("inventory/lab.yaml")`; without root this FAILS (never skips).
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { loadInventory } from "../../../src/config/inventory.js";
import { labSpecFromInventory } from "../../../src/lab/inventory.js";
import { defaultLabContext, labUp, type UpResult } from "../../../src/lab/lab.js";
import { DEFAULT_STATE_DIR, type LabHost, type LabSpec } from "../../../src/lab/spec.js";

export interface Lab {
  inventoryFile: string;
  spec: LabSpec;
  hosts: LabHost[];
  /** The `up` that made (or found) the lab in this test process. */
  up: UpResult;
  /** Look a host up by inventory name. */
  host(name: string): LabHost;
}

export interface SshResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("the e2e tests boot real lab hosts and need root on Linux: run them as root (CI runs .ci/run as root)");
  }
}

/** The spec `deploy lab` derives from an inventory (same state dir rule as the CLI). */
export async function labSpecFor(inventoryFile: string): Promise<LabSpec> {
  const file = resolve(inventoryFile);
  const inventory = await loadInventory(file);
  return labSpecFromInventory(inventory, process.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR);
}

const labs = new Map<string, Promise<Lab>>();

export function ensureLab(inventoryFile: string): Promise<Lab> {
  requireRoot();
  const file = resolve(inventoryFile);
  let lab = labs.get(file);
  if (!lab) {
    lab = (async () => {
      const spec = await labSpecFor(file);
      const up = await labUp(spec, defaultLabContext((line) => console.log(`[lab] ${line}`)));
      return {
        inventoryFile: file,
        spec,
        hosts: spec.hosts,
        up,
        host(name: string) {
          const found = spec.hosts.find((h) => h.name === name);
          if (!found) throw new Error(`no host '${name}' in ${file}`);
          return found;
        },
      };
    })();
    // A failed `up` is not cached: the next test gets the real error again instead of a stale rejection.
    lab.catch(() => labs.delete(file));
    labs.set(file, lab);
  }
  return lab;
}

/**
 * Run a command on a lab host with the OpenSSH client: the lab key, the lab's known_hosts and strict host
 * key checking, nothing from the user's ~/.ssh/config.
 */
export function sshRun(spec: Pick<LabSpec, "keyFile" | "knownHostsFile">, address: string, user: string, command: string): Promise<SshResult> {
  const args = [
    "-F", "/dev/null",
    "-i", spec.keyFile,
    "-o", "IdentitiesOnly=yes",
    "-o", `UserKnownHostsFile=${spec.knownHostsFile}`,
    "-o", "GlobalKnownHostsFile=/dev/null",
    "-o", "StrictHostKeyChecking=yes",
    "-o", "BatchMode=yes",
    "-o", "ConnectTimeout=5",
    `${user}@${address}`,
    command,
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn("ssh", args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, stdout, stderr }));
  });
}
