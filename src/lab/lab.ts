// The lab's public API, shared by `deploy lab` and the e2e tests: up, down, status, reset of the hosts of
// one lab (one bridge and /24). Every step finds what an earlier run left behind and reuses or removes it.
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { firstNameserver } from "./mirror.js";
import { ensureImage, IMAGE_RECIPE_VERSION, readStamp } from "./image.js";
import { authorizeKey, hostPublicKeys } from "./host-tree.js";
import { claimHostDir } from "./host-state.js";
import { awaitSsh, bootPending, readRecord, settle, startHost, stopHost } from "./lab-host.js";
import { bridgeHosts, bridgeSubnet, knownHostNames, labStatus, type HostStatus, type LabTarget } from "./lab-status.js";
import { ensureLabKey, writeKnownHosts } from "./keys.js";
import { withLock } from "./lock.js";
import { overlaysOf, readMounts } from "./mounts.js";
import { ensureNetwork, removeNetwork, type LabNetwork } from "./network.js";
import { foreignLab, isOwnHost } from "./owners.js";
import { ensureOverlaySupport, machinePreflightEnv, preflight } from "./preflight.js";
import { runningPid } from "./process.js";
import { newProgress, type UpProgress } from "./progress.js";
import { runCommand, type Runner } from "./runner.js";
import {
  assertValidSpec,
  gatewayAddress,
  hostPaths,
  labPaths,
  nftTableName,
  subnetCidr,
  type LabHost,
  type LabPaths,
  type LabSpec,
} from "./spec.js";

export interface LabContext {
  run: Runner;
  log: (line: string) => void;
  /** Root, Linux and tools; defaults to the real checks (which install missing Debian packages). */
  preflight?: () => Promise<void>;
  /** How long one host may take from boot to an SSH banner. */
  bootTimeoutMs?: number;
  /** Told where an up or reset stands at each step (so an interrupted one can say what it left). */
  progress?: (progress: Readonly<UpProgress>) => void;
}

export function defaultLabContext(log: (line: string) => void): LabContext {
  return { run: runCommand, log };
}

export interface UpResult {
  /** Every host was already running, booted and answering: nothing was done. */
  alreadyUp: boolean;
  started: string[];
  /** Hosts an interrupted up had started whose boot this up saw end. */
  finished: string[];
  imageBuilt: boolean;
  imageSeconds: number;
  /** Wall time of the whole `up`, image build included. */
  seconds: number;
  hosts: HostStatus[];
}

export interface DownResult {
  /** Hosts that were running, and how they ended. */
  stopped: Array<{ name: string; how: "stopped" | "killed" }>;
  /** Hosts of the bridge that are not the inventory's, still running (so is the lab's network). */
  leftRunning: Array<{ name: string; address: string }>;
}

export { bridgeSubnet, labStatus, type HostStatus, type LabTarget } from "./lab-status.js";

/** `down` refused: the bridge's running hosts are not the inventory's. Nothing was stopped. */
export class ForeignLabError extends Error {
  override readonly name = "ForeignLabError";
}

function network(spec: LabSpec): LabNetwork {
  return { bridge: spec.bridge, gateway: gatewayAddress(spec), subnet: subnetCidr(spec), nftTable: nftTableName(spec.bridge) };
}

async function checks(ctx: LabContext): Promise<void> {
  if (ctx.preflight) return ctx.preflight();
  await preflight(machinePreflightEnv(ctx.log, ctx.run));
  await ensureOverlaySupport(ctx.run);
}

async function dnsServer(): Promise<string> {
  // A loopback resolver (systemd-resolved's stub) is unreachable from inside a host: use its upstream.
  for (const file of ["/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"]) {
    const server = firstNameserver(await readFile(file, "utf8").catch(() => ""));
    if (server && !server.startsWith("127.") && server !== "::1") return server;
  }
  throw new Error("cannot find a usable DNS server in /etc/resolv.conf for the lab hosts");
}

/**
 * Stop the inventory's hosts (every host of the bridge without a spec); the bridge and nft table go when
 * no host of the bridge runs any more.
 */
async function downLocked(target: LabTarget, spec: LabSpec | undefined, ctx: LabContext): Promise<DownResult> {
  const paths = labPaths(target.stateDir, target.bridge);
  const onBridge = await bridgeHosts(paths);
  if (spec) {
    const refusal = foreignLab(spec, await bridgeSubnet(target), onBridge);
    if (refusal) throw new ForeignLabError(refusal);
  }
  const mine = onBridge.filter((h) => !spec || isOwnHost(spec, h.name, h.address));
  const outcomes = await Promise.all(mine.map(async (h) => ({ name: h.name, how: await stopHost(ctx, paths, h.name) })));
  const leftRunning = onBridge.filter((h) => h.running && !mine.includes(h)).map((h) => ({ name: h.name, address: h.address ?? "?" }));
  if (leftRunning.length === 0) {
    await removeNetwork(ctx.run, { bridge: target.bridge, nftTable: nftTableName(target.bridge) });
    await rm(paths.labState, { force: true });
  }
  return { stopped: outcomes.flatMap((o) => (o.how ? [{ name: o.name, how: o.how }] : [])), leftRunning };
}

async function ensureImageSafely(paths: LabPaths, ctx: LabContext): Promise<{ built: boolean; seconds: number }> {
  const stamp = await readStamp(paths.imageStamp);
  if (stamp?.recipe !== IMAGE_RECIPE_VERSION) {
    const inUse = overlaysOf(await readMounts(), paths.image);
    if (inUse.length > 0) {
      throw new Error(
        `the base image must be rebuilt but ${inUse.length} lab host(s) still use it (${inUse.map((m) => m.mountPoint).join(", ")}): run 'deploy lab down' for every lab first`,
      );
    }
  }
  return ensureImage(paths.image, paths.imageStamp, ctx);
}

/** Refuse a bridge that another lab subnet is using with hosts still running on it. */
async function checkBridgeOwner(spec: LabSpec, paths: LabPaths): Promise<void> {
  const state = await readFile(paths.labState, "utf8").then((t) => JSON.parse(t) as { subnet: string }, () => undefined);
  if (!state || state.subnet === subnetCidr(spec)) return;
  for (const name of await knownHostNames(paths)) {
    const hp = hostPaths(paths, name);
    if (await runningPid(hp.pidFile, hp.root)) {
      throw new Error(
        `bridge ${spec.bridge} serves the lab subnet ${state.subnet}, which still has running hosts (${name}); run 'deploy lab down' for that lab or set another \`lab: { bridge: ... }\` in this inventory`,
      );
    }
  }
}

async function upLocked(spec: LabSpec, ctx: LabContext, started: number, progress: UpProgress): Promise<UpResult> {
  const paths = labPaths(spec.stateDir, spec.bridge);
  const step = (next: UpProgress["step"]) => {
    progress.step = next;
    ctx.progress?.(progress);
  };
  const authorizedKey = await ensureLabKey(ctx.run, spec.keyFile);
  await checkBridgeOwner(spec, paths);

  // A host of another inventory on this bridge that holds one of our addresses would answer in its place.
  const ours = new Map(spec.hosts.map((h) => [h.address, h.name]));
  for (const name of await knownHostNames(paths)) {
    if (spec.hosts.some((h) => h.name === name)) continue;
    const record = await readRecord(hostPaths(paths, name));
    const claimant = record ? ours.get(record.address) : undefined;
    if (claimant && (await stopHost(ctx, paths, name))) ctx.log(`${name}: stopped, its address ${record?.address} now belongs to ${claimant}`);
  }

  // Hosts already running at the right address are kept; a host whose address changed is restarted.
  const toStart: LabHost[] = [];
  for (const host of spec.hosts) {
    const hp = hostPaths(paths, host.name);
    const pid = await runningPid(hp.pidFile, hp.root);
    const record = await readRecord(hp);
    if (pid !== undefined && record?.address === host.address) {
      await authorizeKey(hp.root, authorizedKey);
      continue;
    }
    if (pid !== undefined) ctx.log(`${host.name}: address changed to ${host.address}, restarting`);
    // Also clears what a killed run left: a container without its nspawn, a mount, a pid file.
    await stopHost(ctx, paths, host.name);
    for (const line of await claimHostDir(paths, host, subnetCidr(spec))) ctx.log(line);
    toStart.push(host);
  }

  if (toStart.length > 0) step("image");
  const image = toStart.length > 0 ? await ensureImageSafely(paths, ctx) : { built: false, seconds: 0 };
  if (toStart.length > 0) {
    progress.started.push(...toStart.map((h) => h.name));
    step("starting");
    await ensureNetwork(ctx.run, network(spec));
    await mkdir(paths.lab, { recursive: true });
    await writeFile(paths.labState, JSON.stringify({ bridge: spec.bridge, subnet: subnetCidr(spec) }) + "\n");
    const dns = await dnsServer();
    await Promise.all(toStart.map((host) => startHost(ctx, spec, paths, host, dns, authorizedKey)));
  }
  // Hosts an interrupted up started, whose boot nobody saw end: finished now like the ones we start.
  const unfinished: LabHost[] = [];
  for (const host of spec.hosts) if (!toStart.includes(host) && (await bootPending(hostPaths(paths, host.name)))) unfinished.push(host);
  progress.started.push(...unfinished.map((h) => h.name));
  step("booting");
  // Also waits for hosts another run started that are still booting.
  await Promise.all(spec.hosts.map((host) => awaitSsh(ctx, paths, host)));

  const hostKeys = new Map<string, string[]>();
  for (const host of spec.hosts) hostKeys.set(host.address, await hostPublicKeys(hostPaths(paths, host.name).upper));
  await writeKnownHosts(spec.knownHostsFile, hostKeys);
  progress.knownHostsWritten = true;
  step("settling");
  // Hosts that were already running are left alone: their failed units are their owner's business.
  await Promise.all(
    [...toStart, ...unfinished].map(async (host) => {
      await settle(ctx, spec, paths, host);
      progress.settled.push(host.name);
    }),
  );
  step("done");

  return {
    alreadyUp: toStart.length === 0 && unfinished.length === 0,
    started: toStart.map((h) => h.name),
    finished: unfinished.map((h) => h.name),
    imageBuilt: image.built,
    imageSeconds: image.seconds,
    seconds: (Date.now() - started) / 1000,
    hosts: await labStatus(spec),
  };
}

/** Bring every host of the spec up (idempotent: a running lab is left as it is, an interrupted up finished). */
export async function labUp(spec: LabSpec, ctx: LabContext): Promise<UpResult> {
  const started = Date.now();
  assertValidSpec(spec);
  await checks(ctx);
  await mkdir(spec.stateDir, { recursive: true });
  return withLock(labPaths(spec.stateDir, spec.bridge).lock, () => upLocked(spec, ctx, started, newProgress()), { log: ctx.log });
}

/**
 * Stop the inventory's hosts and unmount them; the bridge and nft table go with the last host of the bridge.
 * Upper dirs (host state) stay. Hosts of the bridge that are not the inventory's keep running, and when
 * the bridge carries another subnet than the inventory's, nothing is stopped (ForeignLabError); `all`
 * stops every host of the bridge (a lab whose inventory was edited since its up).
 */
export async function labDown(spec: LabSpec, ctx: LabContext, options: { all?: boolean } = {}): Promise<DownResult> {
  assertValidSpec(spec);
  await checks(ctx);
  await mkdir(spec.stateDir, { recursive: true });
  return withLock(labPaths(spec.stateDir, spec.bridge).lock, () => downLocked(spec, options.all ? undefined : spec, ctx), { log: ctx.log });
}

/** Stop every host of a lab, unmount, remove its bridge and nft table (a test run's teardown). */
export async function labDownBridge(target: LabTarget, ctx: LabContext): Promise<DownResult> {
  await checks(ctx);
  await mkdir(target.stateDir, { recursive: true });
  return withLock(labPaths(target.stateDir, target.bridge).lock, () => downLocked(target, undefined, ctx), { log: ctx.log });
}

/** down + wipe the inventory's hosts' own changes + up: fresh hosts from the image (new host keys too). */
export async function labReset(spec: LabSpec, ctx: LabContext): Promise<UpResult & DownResult> {
  const started = Date.now();
  assertValidSpec(spec);
  await checks(ctx);
  await mkdir(spec.stateDir, { recursive: true });
  const paths = labPaths(spec.stateDir, spec.bridge);
  const progress = newProgress();
  return withLock(
    paths.lock,
    async () => {
      // Before anything is stopped: a bridge another lab subnet still uses is refused as by `up`.
      await checkBridgeOwner(spec, paths);
      progress.step = "stopping";
      ctx.progress?.(progress);
      const down = await downLocked(spec, spec, ctx);
      for (const host of spec.hosts) {
        // What is wiped is this subnet's host, never another subnet's of the same name.
        for (const line of await claimHostDir(paths, host, subnetCidr(spec))) ctx.log(line);
        const hp = hostPaths(paths, host.name);
        await rm(hp.upper, { recursive: true, force: true });
        await rm(hp.work, { recursive: true, force: true });
      }
      return { ...down, ...(await upLocked(spec, ctx, started, progress)) };
    },
    { log: ctx.log },
  );
}
