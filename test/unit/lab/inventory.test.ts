import { describe, expect, it } from "vitest";
import type { Host, Inventory } from "../../../src/config/model.js";
import { labSpecFromInventory } from "../../../src/lab/inventory.js";

function host(name: string, address: string, connection: Host["connection"] = "ssh"): Host {
  return { name, address, port: 22, connection, become: true, vars: {}, groups: [], location: { file: "i.yaml", line: 1, col: 1 } };
}

describe("lab spec from an inventory", () => {
  it("takes every SSH host, the project's lab key and the inventory's known_hosts", () => {
    const inventory: Pick<Inventory, "projectDir" | "hosts" | "settings" | "lab"> = {
      projectDir: "/p",
      hosts: new Map([
        ["web-01", host("web-01", "10.77.0.11")],
        ["control", host("control", "127.0.0.1", "local")],
      ]),
      settings: { knownHosts: "/p/.lab/known_hosts", hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [] },
    };
    expect(labSpecFromInventory(inventory, "/state")).toEqual({
      hosts: [{ name: "web-01", address: "10.77.0.11" }],
      bridge: "deploylab0",
      stateDir: "/state",
      keyFile: "/p/.lab/id_ed25519",
      knownHostsFile: "/p/.lab/known_hosts",
    });
  });

  it("uses the inventory's lab bridge and the project's known_hosts by default", () => {
    const spec = labSpecFromInventory({
      projectDir: "/p",
      hosts: new Map([["web-01", host("web-01", "10.77.1.11")]]),
      settings: { hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [] },
      lab: { bridge: "labtest1" },
    });
    expect(spec).toMatchObject({ bridge: "labtest1", stateDir: "/var/tmp/deploy-lab", knownHostsFile: "/p/.lab/known_hosts" });
  });

  it("authorizes the key the hosts' identity_file names, where the connections will look for it", () => {
    const spec = labSpecFromInventory({
      projectDir: "/p",
      hosts: new Map([
        ["web-01", { ...host("web-01", "10.77.1.11"), identityFile: "/keys/lab" }],
        ["web-02", { ...host("web-02", "10.77.1.12"), identityFile: "/keys/lab" }],
        ["web-03", host("web-03", "10.77.1.13")],
      ]),
      settings: { hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [] },
    });
    expect(spec.keyFile).toBe("/keys/lab");
  });

  it("refuses hosts naming different keys: the lab authorizes one", () => {
    const make = () =>
      labSpecFromInventory({
        projectDir: "/p",
        hosts: new Map([
          ["web-01", { ...host("web-01", "10.77.1.11"), identityFile: "/keys/a" }],
          ["web-02", { ...host("web-02", "10.77.1.12"), identityFile: "/keys/b" }],
        ]),
        settings: { hostKeyChecking: "strict", connectTimeoutMs: 10_000, varsFiles: [] },
      });
    expect(make).toThrow("several identity_file: /keys/a (web-01), /keys/b (web-02)");
  });
});
