// One lab host's life: start it on its overlay, wait for its boot to end, stop it and clear what it left.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LabContext } from "./lab.js";
import { mountOverlay, unmountAll } from "./mounts.js";
import { prepareHostTree } from "./host-tree.js";
import { boot, forgetPid, killInit, orphanedInits, runningPid, stop, waitForSsh } from "./process.js";
import { exists } from "../util/exists.js";
import { gatewayAddress, hostPaths, machineName, type HostPaths, type LabHost, type LabPaths, type LabSpec } from "./spec.js";

export interface HostRecord {
  name: string;
  address: string;
  machine: string;
}

const DEFAULT_BOOT_TIMEOUT_MS = 90_000;

export async function readRecord(hp: HostPaths): Promise<HostRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(hp.dir, "host.json"), "utf8")) as HostRecord;
  } catch {
    return undefined;
  }
}

export async function tail(file: string, lines = 20): Promise<string> {
  // systemd colours its console: the escapes are noise in a log or an error message.
  const text = (await readFile(file, "utf8").catch(() => "")).replace(/\x1b\[[0-9;]*m/g, "");
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

export async function stopHost(ctx: LabContext, paths: LabPaths, name: string): Promise<"stopped" | "killed" | undefined> {
  const hp = hostPaths(paths, name);
  const pid = await runningPid(hp.pidFile, hp.root);
  const how = pid === undefined ? undefined : await stop(pid);
  // A halt that did not complete is rare and its cause is on the host's console: keep it in the log.
  if (how === "killed") ctx.log(`${name}: did not halt in time and was killed; its console ended with:\n${await tail(hp.console, 8)}`);
  for (const orphan of await orphanedInits(hp.upper)) {
    ctx.log(`${name}: stopping its container (pid ${orphan}) left behind by a killed systemd-nspawn`);
    await killInit(orphan);
  }
  await unmountAll(ctx.run, hp.root);
  await forgetPid(hp.pidFile);
  return how;
}

export async function startHost(ctx: LabContext, spec: LabSpec, paths: LabPaths, host: LabHost, dns: string, authorizedKey: string): Promise<void> {
  const hp = hostPaths(paths, host.name);
  await mkdir(hp.dir, { recursive: true });
  await mountOverlay(ctx.run, paths.image, hp);
  await prepareHostTree(ctx.run, hp.root, {
    name: host.name,
    address: host.address,
    gateway: gatewayAddress(spec),
    dns,
    peers: spec.hosts,
    authorizedKey,
  });
  const machine = machineName(spec.bridge, host.name);
  const record: HostRecord = { name: host.name, address: host.address, machine };
  await writeFile(join(hp.dir, "host.json"), JSON.stringify(record) + "\n");
  await writeFile(hp.bootPending, "");
  // The machine may remember another MAC for this address (a host of another inventory had it): that
  // neighbour entry would stay "reachable" for half a minute and swallow our SSH probes.
  await ctx.run("ip", ["neigh", "flush", "to", host.address, "dev", spec.bridge], { allowFailure: true });
  await boot({ root: hp.root, machine, hostname: host.name, bridge: spec.bridge, console: hp.console, pidFile: hp.pidFile });
}

export async function awaitSsh(ctx: LabContext, paths: LabPaths, host: LabHost): Promise<void> {
  const hp = hostPaths(paths, host.name);
  const timeoutMs = ctx.bootTimeoutMs ?? DEFAULT_BOOT_TIMEOUT_MS;
  const outcome = await waitForSsh({
    address: host.address,
    timeoutMs,
    stillRunning: async () => (await runningPid(hp.pidFile, hp.root)) !== undefined,
  });
  if (outcome === "ready") return;
  const what =
    outcome === "died"
      ? `${host.name}: its systemd-nspawn exited during boot`
      : `${host.name}: no SSH answer at ${host.address}:22 within ${Math.round(timeoutMs / 1000)} s`;
  throw new Error(`${what}; console log: ${hp.console}\n${await tail(hp.console)}`);
}

/**
 * sshd answering is not enough: until systemd has finished booting, /run/nologin keeps every user but root
 * out. Wait for the boot to end; a unit that a boot race failed (seen under load as status=219/CGROUP,
 * "Failed to attach to cgroup", for systemd-user-sessions when 30 hosts boot at once) is started again,
 * twice at most. Only a host that still refuses logins is an error; other failed units are reported.
 */
const SETTLE_SCRIPT = [
  "systemctl is-system-running --wait >/dev/null 2>&1",
  "for attempt in 1 2 3; do",
  "  failed=$(systemctl list-units --failed --plain --no-legend | awk '{print $1}')",
  "  if [ -z \"$failed\" ] && [ ! -e /run/nologin ]; then exit 0; fi",
  "  [ $attempt = 3 ] && break",
  "  systemctl reset-failed",
  "  for unit in $failed; do systemctl restart \"$unit\"; done",
  "  sleep 1",
  "done",
  "if [ -e /run/nologin ]; then echo \"logins still refused (/run/nologin); failed units:\" $failed; exit 1; fi",
  "echo \"failed units after boot:\" $failed",
].join("\n");

/** Was this host started by an `up` that never saw its boot end (it was interrupted)? */
export async function bootPending(hp: HostPaths): Promise<boolean> {
  return exists(hp.bootPending);
}

export async function settle(ctx: LabContext, spec: LabSpec, paths: LabPaths, host: LabHost): Promise<void> {
  const args = [
    ...["-F", "/dev/null", "-i", spec.keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"],
    ...["-o", `UserKnownHostsFile=${spec.knownHostsFile}`, "-o", "GlobalKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=yes"],
    `root@${host.address}`,
    SETTLE_SCRIPT,
  ];
  const result = await ctx.run("ssh", args, { allowFailure: true });
  const oneLine = (text: string) => text.trim().split("\n").join("; ");
  if (result.code !== 0) throw new Error(`${host.name}: did not finish booting: ${oneLine(result.stdout + result.stderr) || `ssh exited ${result.code}`}`);
  // stderr of a success is sshd showing /run/nologin to root while the boot ends: not news.
  if (result.stdout.trim()) ctx.log(`${host.name}: ${oneLine(result.stdout)}`);
  await rm(hostPaths(paths, host.name).bootPending, { force: true });
}
