// For e2e tests: real lab hosts for an inventory, brought up once per test run and reused when already up.
// Tests that need hosts call `ensureLab(testLabInventory())`; without root this FAILS (never skips).
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadInventory } from "../../../src/config/inventory.js";
import type { Connection } from "../../../src/connection/types.js";
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

/** The first three octets of the tests' lab: the reference lab's hosts moved off the demo's 10.77.0.0/24. */
export const LAB_SUBNET = "10.77.6";
const LAB_BRIDGE = "dlabmods6";
/** Fixed, so the lab key and known_hosts in its .lab survive between runs (a lab left up stays reachable). */
export const TEST_LAB_DIR = join(tmpdir(), "deploy-e2e-lab");

/**
 * inventory/lab.yaml (same hosts, groups, users and vault) on a bridge and /24 of its own: the tests change
 * packages, services, users and databases on their hosts, and must never do it to the demo's stack.
 */
export function testLabInventory(): string {
  const text = readFileSync(resolve("inventory/lab.yaml"), "utf8")
    .replaceAll("10.77.0.", `${LAB_SUBNET}.`)
    .replace("bridge: deploylab0", `bridge: ${LAB_BRIDGE}`)
    // This checkout's vault, whichever checkout wrote the file last.
    .replaceAll("../vault/", `${resolve("vault")}/`);
  if (!text.includes(`bridge: ${LAB_BRIDGE}`)) throw new Error("inventory/lab.yaml no longer names its bridge `deploylab0`");
  mkdirSync(join(TEST_LAB_DIR, "inventory"), { recursive: true });
  const file = join(TEST_LAB_DIR, "inventory", "lab.yaml");
  if (!existsSync(file) || readFileSync(file, "utf8") !== text) writeFileSync(file, text);
  return file;
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

/** A root shell command on a lab host, for setting up drift and checking results; a non-zero exit throws. */
export async function asRoot(conn: Connection, command: string): Promise<string> {
  const result = await conn.exec(command, { become: true });
  if (result.exitCode !== 0) throw new Error(`${command}: exit ${String(result.exitCode)}: ${result.stderr}`);
  return result.stdout;
}
