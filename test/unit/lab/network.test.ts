import { describe, expect, it } from "vitest";
import { conflictingRoute, nftScript, type LabNetwork } from "../../../src/lab/network.js";

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
    expect(conflictingRoute([{ dst: "10.77.0.0/24", dev: "eth1" }], net)?.dev).toBe("eth1");
    expect(conflictingRoute([{ dst: "10.77.0.0/24", dev: "deploylab0" }, { dst: "default", dev: "eth0" }], net)).toBeUndefined();
  });
});
