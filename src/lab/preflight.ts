// Checks before the lab touches the machine: Linux, root, the tools it runs. Missing Debian packages are
// installed with apt-get (we are root by then); anything else is one message that lists everything missing.
import { access, constants, readFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { runCommand, type Runner } from "./runner.js";

/** Command -> Debian package that provides it. */
export const REQUIRED_COMMANDS: ReadonlyArray<readonly [command: string, pkg: string]> = [
  ["debootstrap", "debootstrap"],
  ["systemd-nspawn", "systemd-container"],
  ["nft", "nftables"],
  ["ip", "iproute2"],
  ["ssh-keygen", "openssh-client"],
  ["mount", "mount"],
  ["umount", "mount"],
  ["chroot", "coreutils"],
];

export interface PreflightEnv {
  platform: NodeJS.Platform;
  uid: number;
  /** Is `command` on PATH? */
  hasCommand: (command: string) => Promise<boolean>;
  hasApt: () => Promise<boolean>;
  /** Install Debian packages (apt-get update + install). */
  install: (packages: string[]) => Promise<void>;
  log: (line: string) => void;
}

export class LabPreflightError extends Error {
  override readonly name = "LabPreflightError";
}

/** Commands missing from PATH, as [command, package] pairs. */
export async function missingCommands(env: Pick<PreflightEnv, "hasCommand">): Promise<Array<readonly [string, string]>> {
  const missing: Array<readonly [string, string]> = [];
  for (const entry of REQUIRED_COMMANDS) if (!(await env.hasCommand(entry[0]))) missing.push(entry);
  return missing;
}

export async function preflight(env: PreflightEnv): Promise<void> {
  const problems: string[] = [];
  if (env.platform !== "linux") problems.push(`the lab needs Linux (systemd-nspawn, overlayfs, bridges); this is ${env.platform}`);
  if (env.uid !== 0) problems.push("the lab needs root (it mounts overlays, creates a bridge and nftables rules, boots containers): run it with sudo");
  if (problems.length > 0) throw new LabPreflightError(["cannot start the lab:", ...problems.map((p) => `  - ${p}`)].join("\n"));

  let missing = await missingCommands(env);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  if (await env.hasApt()) {
    env.log(`installing missing Debian packages: ${packages.join(" ")}`);
    await env.install(packages);
    missing = await missingCommands(env);
    if (missing.length === 0) return;
  }
  throw new LabPreflightError(
    [
      "cannot start the lab: missing commands:",
      ...missing.map(([command, pkg]) => `  - ${command} (Debian package ${pkg})`),
      `install them with: apt-get install ${[...new Set(missing.map(([, pkg]) => pkg))].join(" ")}`,
    ].join("\n"),
  );
}

async function onPath(command: string, path: string | undefined): Promise<boolean> {
  // Root's PATH may lack the sbin directories when started through some sudo configurations.
  const dirs = [...(path ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin", "/sbin"].filter(Boolean);
  for (const dir of dirs) {
    try {
      await access(join(dir, command), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

export function machinePreflightEnv(log: (line: string) => void, run: Runner = runCommand): PreflightEnv {
  return {
    platform: process.platform,
    uid: process.getuid?.() ?? -1,
    hasCommand: (command) => onPath(command, process.env["PATH"]),
    hasApt: () => onPath("apt-get", process.env["PATH"]),
    install: async (packages) => {
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      await run("apt-get", ["update"], { env });
      await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages], { env });
    },
    log,
  };
}

/** overlayfs must be available (built in, or loadable as a module). */
export async function ensureOverlaySupport(run: Runner = runCommand): Promise<void> {
  const has = async () => (await readFile("/proc/filesystems", "utf8")).split("\n").some((l) => l.trim().endsWith("overlay"));
  if (await has()) return;
  await run("modprobe", ["overlay"], { allowFailure: true });
  if (!(await has())) throw new LabPreflightError("cannot start the lab: this kernel has no overlay file system (modprobe overlay failed)");
}
