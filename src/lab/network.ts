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

export interface IpRoute {
  /** "default", "a.b.c.d" (one address) or "a.b.c.d/n". */
  dst: string;
  dev?: string;
  type?: string;
  table?: string;
}

/** An IPv4 range as [first, last] address numbers; undefined for what is not an IPv4 destination. */
export function routeRange(dst: string): { first: number; last: number; prefix: number } | undefined {
  if (dst === "default") return { first: 0, last: 2 ** 32 - 1, prefix: 0 };
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(dst);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = match[5] === undefined ? 32 : Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const first = Math.floor(address / size) * size;
  return { first, last: first + size - 1, prefix };
}

/**
 * Routes shorter than /8 are catch-alls (the default route, a VPN's 0.0.0.0/1 + 128.0.0.0/1): every
 * subnet lies inside them, and the lab's /24 on its bridge is meant to win over them.
 */
const CATCH_ALL_PREFIX = 8;

export interface RouteConflict {
  route: IpRoute;
  /** same: routes exactly the lab subnet; covers: a wider range around it; inside: part of it. */
  how: "same" | "covers" | "inside";
}

/** A route to a device other than our bridge for any address of the lab subnet (the lab would take those over). */
export function conflictingRoute(routes: IpRoute[], net: Pick<LabNetwork, "bridge" | "subnet">): RouteConflict | undefined {
  const lab = routeRange(net.subnet);
  if (!lab) return undefined;
  for (const route of routes) {
    if (route.dev === undefined || route.dev === net.bridge) continue;
    // The broadcast and multicast entries of the local table describe a device's own address, not a route.
    if (route.type !== undefined && route.type !== "unicast" && route.type !== "local") continue;
    const range = routeRange(route.dst);
    if (!range || range.prefix < CATCH_ALL_PREFIX) continue;
    if (range.last < lab.first || range.first > lab.last) continue;
    const how = range.prefix === lab.prefix ? "same" : range.prefix < lab.prefix ? "covers" : "inside";
    return { route, how };
  }
  return undefined;
}

/** A /24 that no route of the machine touches, to suggest in a refusal (10.77.N.0/24 first, like the demo). */
export function freeSubnet(routes: IpRoute[], bridge: string): string | undefined {
  const candidates = [...Array.from({ length: 256 }, (_, n) => `10.77.${n}.0/24`), "172.31.77.0/24", "192.168.77.0/24"];
  return candidates.find((subnet) => !conflictingRoute(routes, { bridge, subnet }));
}

export function routeConflictMessage(conflict: RouteConflict, net: Pick<LabNetwork, "bridge" | "subnet">, free: string | undefined): string {
  const { route, how } = conflict;
  const where = `device ${route.dev}${route.table && route.table !== "main" ? `, routing table ${route.table}` : ""}`;
  const instead = `give the lab hosts addresses in a /24 that no route of this machine reaches${free ? ` (${free} is free)` : ""}`;
  if (how === "same") return `the lab subnet ${net.subnet} is already in use on this machine (${where}); ${instead}, or use that lab's bridge`;
  const relation =
    how === "covers"
      ? `lies inside ${route.dst}, which this machine routes to ${where} (a VPN or another network?)`
      : `holds ${route.dst}, which this machine routes to ${where}`;
  return `the lab subnet ${net.subnet} ${relation}: the lab's bridge ${net.bridge} would take those addresses over from it; ${instead}`;
}

export async function bridgeInfo(run: Runner, bridge: string): Promise<IpAddrInfo | undefined> {
  const result = await run("ip", ["-j", "addr", "show", "dev", bridge], { allowFailure: true });
  if (result.code !== 0) return undefined;
  const parsed = JSON.parse(result.stdout || "[]") as IpAddrInfo[];
  return parsed[0];
}

export async function ensureNetwork(run: Runner, net: LabNetwork): Promise<void> {
  // Every table: a VPN may route through a table of its own (policy routing).
  const routes = JSON.parse((await run("ip", ["-j", "-4", "route", "show", "table", "all"])).stdout || "[]") as IpRoute[];
  const conflict = conflictingRoute(routes, net);
  if (conflict) throw new Error(routeConflictMessage(conflict, net, freeSubnet(routes, net.bridge)));

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
