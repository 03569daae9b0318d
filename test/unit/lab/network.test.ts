import { describe, expect, it } from "vitest";
import { conflictingRoute, freeSubnet, nftScript, routeConflictMessage, routeRange, type IpRoute, type LabNetwork } from "../../../src/lab/network.js";

const net: LabNetwork = { bridge: "deploylab0", gateway: "10.77.0.1", subnet: "10.77.0.0/24", nftTable: "deploy_lab_deploylab0" };

describe("lab network", () => {
  it("masquerades only the lab subnet leaving through another interface, in our own table", () => {
    const script = nftScript(net);
    expect(script).toContain(`ip saddr 10.77.0.0/24 oifname != "deploylab0" masquerade`);
    expect(script).toContain("type nat hook postrouting priority srcnat");
    // Recreating the table atomically: declare, delete, define, all in one nft transaction.
    expect(script.split("\n").slice(0, 3)).toEqual([
      "table inet deploy_lab_deploylab0",
      "delete table inet deploy_lab_deploylab0",
      "table inet deploy_lab_deploylab0 {",
    ]);
    expect(script).not.toMatch(/flush ruleset|table ip filter|table inet filter/);
  });

  it("refuses a subnet another device already routes, but not our own bridge", () => {
    expect(conflictingRoute([{ dst: "10.77.0.0/24", dev: "eth1" }], net)).toEqual({ route: { dst: "10.77.0.0/24", dev: "eth1" }, how: "same" });
    expect(conflictingRoute([{ dst: "10.77.0.0/24", dev: "deploylab0" }, { dst: "default", dev: "eth0" }], net)).toBeUndefined();
  });

  it("reads route destinations as address ranges", () => {
    expect(routeRange("default")).toEqual({ first: 0, last: 2 ** 32 - 1, prefix: 0 });
    expect(routeRange("10.0.0.0/8")).toEqual({ first: 10 * 2 ** 24, last: 11 * 2 ** 24 - 1, prefix: 8 });
    expect(routeRange("10.77.0.5")).toEqual({ first: 172818437, last: 172818437, prefix: 32 });
    // Host bits set (as `ip route` never prints, but a hand-written route file might): the network is meant.
    expect(routeRange("10.77.0.200/25")).toMatchObject({ first: routeRange("10.77.0.128")?.first, prefix: 25 });
    for (const bad of ["fe80::/64", "10.77.0.0/33", "10.77.0.256", "10.77.0"]) expect(routeRange(bad), bad).toBeUndefined();
  });

  // [routes the machine has, what the lab subnet 10.77.0.0/24 on deploylab0 meets]
  const cases: Array<[string, IpRoute[], string | undefined]> = [
    ["a VPN's 10.0.0.0/8 around it", [{ dst: "10.0.0.0/8", dev: "tun0" }], "covers 10.0.0.0/8"],
    ["a /16 around it", [{ dst: "10.77.0.0/16", dev: "eth1" }], "covers 10.77.0.0/16"],
    ["a /25 inside it", [{ dst: "10.77.0.128/25", dev: "eth1" }], "inside 10.77.0.128/25"],
    ["one address of it routed elsewhere", [{ dst: "10.77.0.7", dev: "wg0" }], "inside 10.77.0.7"],
    ["an address of this machine in it (local table)", [{ type: "local", dst: "10.77.0.9", dev: "eth1", table: "local" }], "inside 10.77.0.9"],
    ["a VPN route in a table of its own", [{ dst: "10.0.0.0/8", dev: "wg0", table: "51820" }], "covers 10.0.0.0/8"],
    ["the default route", [{ dst: "default", dev: "eth0" }], undefined],
    ["a full-tunnel VPN's 0.0.0.0/1 and 128.0.0.0/1", [{ dst: "0.0.0.0/1", dev: "tun0" }, { dst: "128.0.0.0/1", dev: "tun0" }], undefined],
    ["the neighbour /24", [{ dst: "10.77.1.0/24", dev: "dlabtest9" }, { dst: "10.76.255.0/24", dev: "eth1" }], undefined],
    ["a broadcast entry of another device", [{ type: "broadcast", dst: "10.77.0.255", dev: "eth1", table: "local" }], undefined],
    ["a blackhole (no device)", [{ type: "blackhole", dst: "10.0.0.0/8" }], undefined],
    ["our own bridge's routes", [{ dst: "10.77.0.0/24", dev: "deploylab0" }, { type: "local", dst: "10.77.0.1", dev: "deploylab0", table: "local" }], undefined],
    ["an IPv6 destination", [{ dst: "fd00::/8", dev: "eth0" }], undefined],
  ];
  it.each(cases)("route overlap: %s", (_, routes, expected) => {
    const found = conflictingRoute(routes, net);
    expect(found ? `${found.how} ${found.route.dst}` : undefined).toBe(expected);
  });

  it("says which route the lab would take over and suggests a free /24", () => {
    const routes: IpRoute[] = [{ dst: "default", dev: "eth0" }, { dst: "10.0.0.0/8", dev: "tun0" }];
    const conflict = conflictingRoute(routes, net);
    expect(conflict).toBeDefined();
    if (!conflict) return;
    expect(freeSubnet(routes, "deploylab0")).toBe("172.31.77.0/24");
    expect(freeSubnet([{ dst: "10.77.0.0/24", dev: "deploylab0" }, { dst: "10.77.1.0/24", dev: "dlabx" }], "dlabnew")).toBe("10.77.2.0/24");
    expect(routeConflictMessage(conflict, net, "172.31.77.0/24")).toBe(
      "the lab subnet 10.77.0.0/24 lies inside 10.0.0.0/8, which this machine routes to device tun0 (a VPN or another network?): " +
        "the lab's bridge deploylab0 would take those addresses over from it; " +
        "give the lab hosts addresses in a /24 that no route of this machine reaches (172.31.77.0/24 is free)",
    );
    expect(routeConflictMessage({ route: { dst: "10.77.0.0/24", dev: "dlabother" }, how: "same" }, net, undefined)).toBe(
      "the lab subnet 10.77.0.0/24 is already in use on this machine (device dlabother); give the lab hosts addresses in a /24 that no route of this machine reaches, or use that lab's bridge",
    );
  });
});
