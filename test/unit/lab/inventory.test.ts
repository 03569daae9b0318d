import { describe, expect, it } from "vitest";
import type { Host, Inventory } from "../../../src/config/model.js";
import { labSection, labSpecFromInventory } from "../../../src/lab/inventory.js";

function host(name: string, address: string, connection: Host["connection"] = "ssh"): Host {
  return { name, address, port: 22, connection, become: true, vars: {}, groups: [], location: { file: "i.yaml", line: 1, col: 1 } };
}

describe("lab spec from an inventory", () => {
  it("reads the bridge from the lab section, with the default", () => {
    expect(labSection("lab:\n  bridge: labtest1\nhosts: {}\n")).toEqual({ bridge: "labtest1" });
    expect(labSection("hosts: {}\n")).toEqual({ bridge: "deploylab0" });
    expect(() => labSection("lab:\n  bridge: 7\n")).toThrow(/lab.bridge must be a string/);
  });

  it("takes every SSH host, the project's lab key and the inventory's known_hosts", () => {
    const inventory: Pick<Inventory, "projectDir" | "hosts" | "settings"> = {
      projectDir: "/p",
      hosts: new Map([
        ["web-01", host("web-01", "10.77.0.11")],
        ["control", host("control", "127.0.0.1", "local")],
      ]),
      settings: { knownHosts: "/p/.lab/known_hosts", hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [] },
    };
    expect(labSpecFromInventory(inventory, { bridge: "deploylab0" }, "/state")).toEqual({
      hosts: [{ name: "web-01", address: "10.77.0.11" }],
      bridge: "deploylab0",
      stateDir: "/state",
      keyFile: "/p/.lab/id_ed25519",
      knownHostsFile: "/p/.lab/known_hosts",
    });
  });
});
