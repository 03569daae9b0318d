// Which host directories of a lab are an inventory's own. A lab is found by its bridge, and an inventory
// without `lab:` names the default bridge, so a bridge's hosts may have been started by another inventory
// (the lab's, while this one is Vagrant's or production's): those are never stopped or probed as ours.
// Pure, so the rule is unit-tested without a lab.
import { routeRange } from "./network.js";
import { subnetCidr, type LabSpec } from "./spec.js";

/** Is `address` one of the addresses of `subnet` ("10.77.0.0/24")? */
export function inSubnet(address: string, subnet: string): boolean {
  const net = routeRange(subnet);
  const one = routeRange(address);
  return net !== undefined && one !== undefined && one.prefix === 32 && one.first >= net.first && one.last <= net.last;
}

/**
 * A host directory is the inventory's host when the inventory has a host of that name and the host was
 * started in the inventory's subnet (an address moved inside the subnet is still the same host; `up`
 * moves it). A directory that never got as far as recording its address is the name's.
 */
export function isOwnHost(spec: Pick<LabSpec, "hosts">, name: string, recordedAddress: string | undefined): boolean {
  if (!spec.hosts.some((h) => h.name === name)) return false;
  return recordedAddress === undefined || inSubnet(recordedAddress, subnetCidr(spec));
}

export interface BridgeHost {
  name: string;
  /** Where it was started (host.json); undefined when it never was. */
  address: string | undefined;
  running: boolean;
}

/**
 * Why `down` must not touch this bridge for this inventory, or undefined. The bridge carries one /24 (`up`
 * refuses another while hosts run on it): hosts running there while the inventory's hosts are in another
 * /24 belong to another inventory, or to this one before its addresses were edited.
 */
export function foreignLab(spec: Pick<LabSpec, "hosts" | "bridge">, bridgeSubnet: string | undefined, hosts: BridgeHost[]): string | undefined {
  const running = hosts.filter((h) => h.running && !isOwnHost(spec, h.name, h.address));
  if (running.length === 0) return undefined;
  const subnet = subnetCidr(spec);
  if (bridgeSubnet === undefined || bridgeSubnet === subnet) return undefined;
  const list = running.map((h) => `${h.name} (${h.address ?? "?"})`).join(", ");
  return `lab ${spec.bridge} carries ${bridgeSubnet}, not this inventory's ${subnet}: its running hosts ${list} were started by another inventory (or by this one before its addresses changed); nothing was stopped`;
}
