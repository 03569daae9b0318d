// The lab's network on this machine: one bridge per lab carrying the gateway address, IPv4 forwarding, and
// an nftables table of our own that masquerades the lab subnet so the hosts' apt reaches the mirror.
// Everything here is found again and reused or removed by name, so a run killed half-way leaves nothing
// a later run cannot clean up.
import { readFile, writeFile } from "node:fs/promises";
import type { Runner } from "./runner.js";

export interface LabNetwork {
  bridge: string;
  /** e.g. 10.77.0.1 */
  gateway: string;
  /** e.g. 10.77.0.0/24 */
  subnet: string;
  nftTable: string;
}

/** inotify instances per user: each host's systemd takes several; the default 128 hangs hosts past ~15. */
export const MIN_INOTIFY_INSTANCES = 8192;

/**
 * The nft script that (re)creates our table atomically: declaring then deleting the table makes the
 * script succeed whether or not it existed, and the whole file is applied as one transaction.
 * Names are validated by the spec (letters, digits, '-', '_'), so they are safe inside quotes here.
 */
export function nftScript(net: LabNetwork): string {
  return [
    `table inet ${net.nftTable}`,
    `delete table inet ${net.nftTable}`,
    `table inet ${net.nftTable} {`,
    `  chain postrouting {`,
    `    type nat hook postrouting priority srcnat; policy accept;`,
    `    ip saddr ${net.subnet} oifname != "${net.bridge}" masquerade`,
    `  }`,
    `  chain forward {`,
    `    type filter hook forward priority filter; policy accept;`,
    `    iifname "${net.bridge}" accept`,
    `    oifname "${net.bridge}" ct state established,related accept`,
    `  }`,
    `}`,
    "",
  ].join("\n");
}

interface IpAddrInfo {
  ifname: string;
  operstate?: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

interface IpRoute {
  dst: string;
  dev?: string;
}

export async function bridgeInfo(run: Runner, bridge: string): Promise<IpAddrInfo | undefined> {
  const result = await run("ip", ["-j", "addr", "show", "dev", bridge], { allowFailure: true });
  if (result.code !== 0) return undefined;
  const parsed = JSON.parse(result.stdout || "[]") as IpAddrInfo[];
  return parsed[0];
}

/** A device other than our bridge that already routes the lab subnet (the lab would hijack it). */
export function conflictingRoute(routes: IpRoute[], net: LabNetwork): IpRoute | undefined {
  return routes.find((r) => r.dst === net.subnet && r.dev !== undefined && r.dev !== net.bridge);
}

export async function ensureNetwork(run: Runner, net: LabNetwork): Promise<void> {
  const routes = JSON.parse((await run("ip", ["-j", "-4", "route", "show"])).stdout || "[]") as IpRoute[];
  const conflict = conflictingRoute(routes, net);
  if (conflict) {
    throw new Error(
      `the lab subnet ${net.subnet} is already in use on this machine (device ${conflict.dev}); give the lab hosts addresses in another /24 or use that lab's bridge`,
    );
  }

  let info = await bridgeInfo(run, net.bridge);
  if (!info) {
    await run("ip", ["link", "add", "name", net.bridge, "type", "bridge"]);
    info = await bridgeInfo(run, net.bridge);
  }
  const ipv4 = (info?.addr_info ?? []).filter((a) => a.family === "inet");
  const hasGateway = ipv4.some((a) => a.local === net.gateway && a.prefixlen === 24);
  // A stale bridge from a lab that used another subnet: its old addresses would route that subnet here.
  for (const addr of ipv4) {
    if (addr.local === net.gateway && addr.prefixlen === 24) continue;
    await run("ip", ["addr", "del", `${addr.local}/${addr.prefixlen}`, "dev", net.bridge]);
  }
  if (!hasGateway) await run("ip", ["addr", "add", `${net.gateway}/24`, "dev", net.bridge]);
  await run("ip", ["link", "set", net.bridge, "up"]);

  await writeFile("/proc/sys/net/ipv4/ip_forward", "1\n");
  const instances = Number((await readFile("/proc/sys/fs/inotify/max_user_instances", "utf8")).trim());
  if (!(instances >= MIN_INOTIFY_INSTANCES)) {
    await writeFile("/proc/sys/fs/inotify/max_user_instances", `${MIN_INOTIFY_INSTANCES}\n`);
  }
  await run("nft", ["-f", "-"], { input: nftScript(net) });
}

/** Remove the bridge and our nft table if they exist. ip_forward stays: other software may rely on it. */
export async function removeNetwork(run: Runner, net: Pick<LabNetwork, "bridge" | "nftTable">): Promise<void> {
  if (await bridgeInfo(run, net.bridge)) await run("ip", ["link", "del", net.bridge]);
  const table = await run("nft", ["list", "table", "inet", net.nftTable], { allowFailure: true });
  if (table.code === 0) await run("nft", ["delete", "table", "inet", net.nftTable]);
}
