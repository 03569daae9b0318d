import { describe, expect, it } from "vitest";
import { foreignLab, inSubnet, isOwnHost, type BridgeHost } from "../../../src/lab/owners.js";

const lab = {
  bridge: "deploylab0",
  hosts: [
    { name: "web-01", address: "10.77.0.11" },
    { name: "web-02", address: "10.77.0.12" },
  ],
};
// inventory/vagrant.yaml to the demo lab: no `lab:` (the same default bridge), same names, other addresses.
const vagrant = { ...lab, hosts: lab.hosts.map((h, i) => ({ name: h.name, address: `192.168.56.${11 + i}` })) };
const running = (name: string, address: string | undefined): BridgeHost => ({ name, address, running: true });

describe("lab host owners", () => {
  it("knows the addresses of a /24", () => {
    expect(inSubnet("10.77.0.11", "10.77.0.0/24")).toBe(true);
    expect(inSubnet("10.77.1.11", "10.77.0.0/24")).toBe(false);
    expect(inSubnet("10.77.0.0/25", "10.77.0.0/24")).toBe(false);
    expect(inSubnet("?", "10.77.0.0/24")).toBe(false);
  });

  // [inventory, host directory, address it was started at, the inventory's?]
  const cases: Array<[string, typeof lab, string, string | undefined, boolean]> = [
    ["its host at its address", lab, "web-01", "10.77.0.11", true],
    ["its host, address moved inside the subnet (up moves it)", lab, "web-01", "10.77.0.21", true],
    ["its host, never started", lab, "web-01", undefined, true],
    ["a host it does not list (another inventory's, or renamed)", lab, "db-09", "10.77.0.19", false],
    ["the lab's web-01 for Vagrant's web-01 (another subnet)", vagrant, "web-01", "10.77.0.11", false],
  ];
  it.each(cases)("%s", (_, spec, name, address, own) => {
    expect(isOwnHost(spec, name, address)).toBe(own);
  });

  it("refuses a down when the bridge carries another subnet and its hosts run", () => {
    const hosts = [running("web-01", "10.77.0.11"), running("web-02", "10.77.0.12")];
    expect(foreignLab(vagrant, "10.77.0.0/24", hosts)).toBe(
      "lab deploylab0 carries 10.77.0.0/24, not this inventory's 192.168.56.0/24: its running hosts web-01 (10.77.0.11), web-02 (10.77.0.12) were started by another inventory (or by this one before its addresses changed); nothing was stopped",
    );
    // The lab's own inventory; another inventory of the same subnet; nothing running; no record of the subnet.
    expect(foreignLab(lab, "10.77.0.0/24", hosts)).toBeUndefined();
    expect(foreignLab({ ...lab, hosts: [{ name: "web-09", address: "10.77.0.19" }] }, "10.77.0.0/24", hosts)).toBeUndefined();
    expect(foreignLab(vagrant, "10.77.0.0/24", hosts.map((h) => ({ ...h, running: false })))).toBeUndefined();
    expect(foreignLab(vagrant, undefined, hosts)).toBeUndefined();
  });
});
