import { describe, expect, it } from "vitest";
import { gatewayAddress, hostPaths, labPaths, machineName, nftTableName, subnetCidr, validateSpec, type LabSpec } from "../../../src/lab/spec.js";

const spec = (hosts: LabSpec["hosts"], bridge = "deploylab0"): LabSpec => ({
  hosts,
  bridge,
  stateDir: "/var/tmp/deploy-lab",
  keyFile: "/p/.lab/id_ed25519",
  knownHostsFile: "/p/.lab/known_hosts",
});

const lab = spec([
  { name: "web-01", address: "10.77.0.11" },
  { name: "web-02", address: "10.77.0.12" },
  { name: "db-01", address: "10.77.0.13" },
]);

describe("lab spec", () => {
  it("accepts the reference lab and derives its subnet and gateway", () => {
    expect(validateSpec(lab)).toEqual([]);
    expect(subnetCidr(lab)).toBe("10.77.0.0/24");
    expect(gatewayAddress(lab)).toBe("10.77.0.1");
  });

  it("lists every problem at once", () => {
    const problems = validateSpec(
      spec(
        [
          { name: "web_01", address: "10.77.0.11" },
          { name: "web-02", address: "10.77.1.12" },
          { name: "db-01", address: "10.77.0.1" },
          { name: "db-02", address: "db.example.com" },
          { name: "db-03", address: "10.77.0.11" },
          { name: "db-03", address: "10.77.0.300" },
        ],
        "a-bridge-name-too-long",
      ),
    );
    expect(problems.join("\n")).toMatchInlineSnapshot(`
      "bridge 'a-bridge-name-too-long': use 1-15 letters, digits, '-' or '_' (a Linux interface name)
      host 'web_01': a lab host name must be a valid hostname (letters, digits, '-')
      host 'web-02': address 10.77.1.12 is outside the lab subnet 10.77.0.0/24 (all lab hosts share one /24)
      host 'db-01': address 10.77.0.1 is reserved in the lab (.0 network, .1 gateway, .255 broadcast)
      host 'db-02': address 'db.example.com' is not an IPv4 address (the lab needs one)
      host 'db-03': address 10.77.0.11 is already used by 'web_01'
      host 'db-03' is listed twice
      host 'db-03': address '10.77.0.300' is not an IPv4 address (the lab needs one)"
    `);
  });

  it("refuses public addresses, whose subnet the lab would take over on this machine", () => {
    expect(validateSpec(spec([{ name: "web-01", address: "203.0.113.10" }]))).toEqual([
      "host 'web-01': address 203.0.113.10 is not private (the lab only uses 10/8, 172.16/12 or 192.168/16 subnets)",
    ]);
    expect(validateSpec(spec([{ name: "a", address: "172.20.0.5" }, { name: "b", address: "172.20.0.6" }]))).toEqual([]);
    expect(validateSpec(spec([{ name: "a", address: "192.168.56.11" }]))).toEqual([]);
    expect(validateSpec(spec([{ name: "a", address: "172.32.0.5" }]))).toHaveLength(1);
  });

  it("refuses an empty lab", () => {
    expect(validateSpec(spec([]))).toContain("the inventory has no hosts to start");
  });

  it("keeps each bridge's hosts apart on disk", () => {
    const a = hostPaths(labPaths("/s", "deploylab0"), "web-01");
    const b = hostPaths(labPaths("/s", "deploylab1"), "web-01");
    expect(a.root).toBe("/s/labs/deploylab0/hosts/web-01/root");
    expect(a.upper).not.toBe(b.upper);
    expect(labPaths("/s", "deploylab0").image).toBe(labPaths("/s", "deploylab1").image);
  });

  it("gives the same host name distinct machine names on two bridges, short enough for the veth name", () => {
    const a = machineName("deploylab0", "web-01");
    const b = machineName("deploylab1", "web-01");
    expect(a).not.toBe(b);
    expect(a).toBe(machineName("deploylab0", "web-01"));
    expect(`vb-${a}`.length).toBeLessThanOrEqual(15);
  });

  it("makes nft table names from bridge names", () => {
    expect(nftTableName("deploylab0")).toBe("deploy_lab_deploylab0");
    expect(nftTableName("lab-test")).toBe("deploy_lab_lab_test");
  });
});
