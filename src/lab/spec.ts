// What a lab is made of (hosts at addresses on one bridge) and where its state lives on this machine.
// Pure: validation and path/name derivation only, so it is unit-tested without root.
import { createHash } from "node:crypto";
import { join } from "node:path";

export interface LabHost {
  /** Inventory host name; also the host's hostname. */
  name: string;
  /** IPv4 address inside the lab's /24. */
  address: string;
}

export interface LabSpec {
  hosts: LabHost[];
  /** Linux bridge the hosts attach to; its address is the .1 of the hosts' /24. */
  bridge: string;
  /** Machine-wide cache and state, default /var/tmp/deploy-lab. */
  stateDir: string;
  /** The lab's SSH key (private; `.pub` beside it), created once. */
  keyFile: string;
  /** known_hosts the lab writes for its hosts (other lines are kept). */
  knownHostsFile: string;
}

export const DEFAULT_STATE_DIR = "/var/tmp/deploy-lab";
export const DEFAULT_BRIDGE = "deploylab0";
export const IMAGE_NAME = "image-bookworm";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
// systemd (hostname_is_valid) accepts letters, digits and '-' in labels; '_' would be refused at boot.
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const BRIDGE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/;

export class LabSpecError extends Error {
  override readonly name = "LabSpecError";
}

/** The /24 every host of the spec lives in, e.g. "10.77.0". */
export function subnetPrefix(spec: Pick<LabSpec, "hosts">): string {
  const first = spec.hosts[0];
  if (!first) throw new LabSpecError("the lab has no hosts");
  return first.address.split(".").slice(0, 3).join(".");
}

export function gatewayAddress(spec: Pick<LabSpec, "hosts">): string {
  return `${subnetPrefix(spec)}.1`;
}

export function subnetCidr(spec: Pick<LabSpec, "hosts">): string {
  return `${subnetPrefix(spec)}.0/24`;
}

function isPrivate([a = 0, b = 0]: number[]): boolean {
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

/** Every mistake at once, as lines, so `deploy lab up` can refuse before touching the machine. */
export function validateSpec(spec: LabSpec): string[] {
  const problems: string[] = [];
  if (!BRIDGE.test(spec.bridge)) {
    problems.push(`bridge '${spec.bridge}': use 1-15 letters, digits, '-' or '_' (a Linux interface name)`);
  }
  if (spec.hosts.length === 0) problems.push("the inventory has no hosts to start");
  const names = new Set<string>();
  const addresses = new Map<string, string>();
  let prefix: string | undefined;
  for (const host of spec.hosts) {
    if (!HOSTNAME.test(host.name)) {
      problems.push(`host '${host.name}': a lab host name must be a valid hostname (letters, digits, '-')`);
    }
    if (names.has(host.name)) problems.push(`host '${host.name}' is listed twice`);
    names.add(host.name);
    const match = IPV4.exec(host.address);
    const octets = match ? match.slice(1).map(Number) : [];
    if (!match || octets.some((o) => o > 255)) {
      problems.push(`host '${host.name}': address '${host.address}' is not an IPv4 address (the lab needs one)`);
      continue;
    }
    const last = octets[3] ?? 0;
    if (last === 0 || last === 1 || last === 255) {
      problems.push(`host '${host.name}': address ${host.address} is reserved in the lab (.0 network, .1 gateway, .255 broadcast)`);
    }
    // The lab routes its /24 to a bridge on this machine: a public subnet would hijack real traffic.
    if (!isPrivate(octets)) {
      problems.push(`host '${host.name}': address ${host.address} is not private (the lab only uses 10/8, 172.16/12 or 192.168/16 subnets)`);
    }
    const hostPrefix = octets.slice(0, 3).join(".");
    if (prefix === undefined) prefix = hostPrefix;
    else if (hostPrefix !== prefix) {
      problems.push(`host '${host.name}': address ${host.address} is outside the lab subnet ${prefix}.0/24 (all lab hosts share one /24)`);
    }
    const other = addresses.get(host.address);
    if (other) problems.push(`host '${host.name}': address ${host.address} is already used by '${other}'`);
    addresses.set(host.address, host.name);
  }
  return problems;
}

/** Refuse an invalid spec before anything is touched (or probed: a public address is never a lab's). */
export function assertValidSpec(spec: LabSpec): void {
  const problems = validateSpec(spec);
  if (problems.length > 0) throw new LabSpecError(["the lab cannot use this inventory:", ...problems.map((p) => `  - ${p}`)].join("\n"));
}

/** Paths of one lab (one bridge): every lab keeps its own hosts, so several labs can be up at once. */
export interface LabPaths {
  image: string;
  imageStamp: string;
  lab: string;
  labState: string;
  hostsDir: string;
  /** Host directories of the bridge's other subnets, kept while those subnets are not up (host-state.ts). */
  otherSubnetsDir: string;
  lock: string;
}

export function labPaths(stateDir: string, bridge: string): LabPaths {
  const lab = join(stateDir, "labs", bridge);
  return {
    image: join(stateDir, IMAGE_NAME),
    imageStamp: join(stateDir, `${IMAGE_NAME}.stamp`),
    lab,
    labState: join(lab, "lab.json"),
    hostsDir: join(lab, "hosts"),
    otherSubnetsDir: join(lab, "other-subnets"),
    lock: join(stateDir, "lock"),
  };
}

export interface HostPaths {
  dir: string;
  upper: string;
  work: string;
  /** The overlay mount point: the host's root file system. */
  root: string;
  console: string;
  pidFile: string;
  /** Present from boot until `up` has seen the host finish booting (an interrupted `up` leaves it). */
  bootPending: string;
}

export function hostPaths(paths: LabPaths, name: string): HostPaths {
  const dir = join(paths.hostsDir, name);
  return {
    dir,
    upper: join(dir, "upper"),
    work: join(dir, "work"),
    root: join(dir, "root"),
    console: join(dir, "console.log"),
    pidFile: join(dir, "pid"),
    bootPending: join(dir, "boot-pending"),
  };
}

/**
 * The nspawn machine name. systemd-nspawn names the host side of the veth after it ("vb-<machine>"), so two
 * labs with a host of the same name would collide; a short hash of the bridge keeps them apart while the
 * name stays readable in `ps`. The hostname inside is still the inventory name (--hostname, /etc/hostname).
 */
export function machineName(bridge: string, host: string): string {
  const tag = createHash("sha256").update(bridge).digest("hex").slice(0, 4);
  return `${host}-${tag}`.slice(0, 64);
}

/** nftables table names allow letters, digits and '_'. */
export function nftTableName(bridge: string): string {
  return `deploy_lab_${bridge.replace(/[^A-Za-z0-9_]/g, "_")}`;
}
