// The Vagrantfile is for users without Linux root; no VM can boot here, so this checks what can be checked:
// Vagrant itself accepts the file, and the machines it defines are exactly inventory/vagrant.yaml's hosts.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";

const root = path.resolve(import.meta.dirname, "../..");

describe("Vagrantfile", () => {
  it("passes `vagrant validate`", () => {
    const out = execFileSync("vagrant", ["validate", "--ignore-provider"], { cwd: root, encoding: "utf8", env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: "1" } });
    expect(out).toContain("Vagrantfile validated successfully");
  });

  it("defines one machine per inventory host, at the inventory's address", async () => {
    const out = execFileSync("ruby", [path.join(root, "test/support/vagrant-machines.rb"), path.join(root, "Vagrantfile")], { encoding: "utf8" });
    const machines = JSON.parse(out) as Record<string, { hostname: string; addresses: string[] }>;
    const inventory = await loadInventory(path.join(root, "inventory/vagrant.yaml"), { env: { DEPLOY_VAULT_PASSWORD_FILE: path.join(root, "vault/lab.password") } });
    const expected = Object.fromEntries([...inventory.hosts.values()].map((h) => [h.name, { hostname: h.name, addresses: [h.address] }]));
    expect(machines).toEqual(expected);
    expect(Object.keys(machines)).toEqual(["web-01", "web-02", "db-01"]);
  });
});
