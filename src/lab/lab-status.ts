// What is on a lab's bridge: its host directories, which of them run, where they were started, and the
// status of an inventory's hosts among them. Read-only: nothing here starts, stops or changes a host.
import { readdir, readFile } from "node:fs/promises";
import { readRecord } from "./lab-host.js";
import { inSubnet, isOwnHost, type BridgeHost } from "./owners.js";
import { runningPid, sshBanner } from "./process.js";
import { assertValidSpec, hostPaths, labPaths, subnetCidr, type LabPaths, type LabSpec } from "./spec.js";

/** A whole lab, without an inventory: its bridge. */
export type LabTarget = Pick<LabSpec, "bridge" | "stateDir">;

export interface HostStatus {
  name: string;
  /** Where the host runs (recorded when it was started), else where the inventory puts it. */
  address: string;
  /** The inventory's address when the host runs at another one (`up` moves it). */
  inventoryAddress?: string;
  running: boolean;
  pid?: number;
  sshReachable: boolean;
  /** The host's console output (boot problems show here). */
  consoleLog: string;
  /** Running in this lab but not the inventory's host (another inventory's, or renamed since). */
  extra?: boolean;
}

/** Host directories present in the lab's state (hosts started by this or another inventory). */
export async function knownHostNames(paths: LabPaths): Promise<string[]> {
  try {
    return (await readdir(paths.hostsDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** The subnet the lab's bridge was last set up for (kept while any host of the bridge runs). */
export async function bridgeSubnet(target: LabTarget): Promise<string | undefined> {
  const file = labPaths(target.stateDir, target.bridge).labState;
  return readFile(file, "utf8").then((t) => (JSON.parse(t) as { subnet: string }).subnet, () => undefined);
}

/** Every host directory of the bridge: where it was started and whether it runs. */
export async function bridgeHosts(paths: LabPaths): Promise<Array<BridgeHost & { pid: number | undefined }>> {
  return Promise.all(
    (await knownHostNames(paths)).map(async (name) => {
      const hp = hostPaths(paths, name);
      const pid = await runningPid(hp.pidFile, hp.root);
      return { name, address: (await readRecord(hp))?.address, running: pid !== undefined, pid };
    }),
  );
}

/**
 * Per host of the inventory, then the bridge's other running hosts. SSH is probed only at an address a
 * host was started at, inside the subnet the bridge carries: never at an inventory's address as such
 * (production's, a Vagrant network's).
 */
export async function labStatus(spec: LabSpec): Promise<HostStatus[]> {
  assertValidSpec(spec);
  const paths = labPaths(spec.stateDir, spec.bridge);
  const carried = await bridgeSubnet(spec);
  const labSubnet = carried ?? subnetCidr(spec);
  const probe = async (address: string | undefined, running: boolean) =>
    running && address !== undefined && inSubnet(address, labSubnet) ? sshBanner(address, 2000) : false;
  const onBridge = await bridgeHosts(paths);
  const own = (h: BridgeHost) => isOwnHost(spec, h.name, h.address);
  const statuses = await Promise.all([
    ...spec.hosts.map(async (host): Promise<HostStatus> => {
      const found = onBridge.find((h) => h.name === host.name && own(h));
      const pid = found?.pid;
      const address = found?.running && found.address !== undefined ? found.address : host.address;
      return {
        name: host.name,
        address,
        ...(address !== host.address ? { inventoryAddress: host.address } : {}),
        running: pid !== undefined,
        ...(pid !== undefined ? { pid } : {}),
        sshReachable: await probe(found?.address, pid !== undefined),
        consoleLog: hostPaths(paths, host.name).console,
      };
    }),
    ...onBridge
      .filter((h) => h.running && !own(h))
      .map(async (h): Promise<HostStatus> => ({
        name: h.name,
        address: h.address ?? "?",
        running: true,
        ...(h.pid !== undefined ? { pid: h.pid } : {}),
        sshReachable: await probe(h.address, true),
        consoleLog: hostPaths(paths, h.name).console,
        extra: true,
      })),
  ]);
  return statuses;
}
