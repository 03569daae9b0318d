// The Vagrantfile is for users without Linux root; no VM can boot here, so this checks what can be checked:
// Vagrant itself accepts the file, and the machines it defines are exactly inventory/vagrant.yaml's hosts.
// The inventory's firewall keeps Vagrant's own way in (its NAT or management network) open for SSH, and
// the Vagrantfile's triggers (fired with stand-ins) give one key path for every provider and forget the
// host keys of destroyed VMs only.
import { execFileSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";
import { loadProject } from "../../src/config/project.js";
import type { Facts } from "../../src/facts/types.js";
import { createEvaluator } from "../../src/template/evaluator.js";

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

  it("lets SSH in from the admin network and from the host as Vagrant reaches it (VirtualBox NAT, libvirt management network); the stats page stays on the admin network", async () => {
    const project = await loadProject({ cwd: root, inventoryFile: "inventory/vagrant.yaml", env: { DEPLOY_VAULT_PASSWORD_FILE: path.join(root, "vault/lab.password") } });
    const play = project.playbook.plays.find((p) => p.roles.some((r) => r.name === "firewall"))!;
    const roleRef = play.roles.find((r) => r.name === "firewall")!;
    const evaluator = createEvaluator(project);
    const rules = async (name: string) => {
      const scope = evaluator.scope({ host: project.inventory.hosts.get(name)!, play, roleRef, facts: {} as Facts, registered: {} });
      return evaluator.renderTemplateFile(path.join(root, "roles/firewall/templates/nftables.conf.ejs"), scope);
    };
    const web01 = await rules("web-01");
    expect(web01).toContain('ip saddr { 192.168.56.0/24, 10.0.2.2/32, 192.168.121.1/32 } tcp dport { 22 } accept comment "ssh from the admin networks"');
    // The stats page is not opened to Vagrant's networks.
    expect(web01).toContain('ip saddr { 192.168.56.0/24 } tcp dport { 8404 } accept');
    expect(await rules("db-01")).toContain("ip saddr { 192.168.56.0/24, 10.0.2.2/32, 192.168.121.1/32 } tcp dport { 22 }");
  });
});

describe("Vagrantfile triggers", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the Vagrantfile, its inventory and vault, so the triggers write under a temp .vagrant/. */
  function project(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "vagrantfile-"));
    dirs.push(dir);
    mkdirSync(path.join(dir, "inventory"));
    mkdirSync(path.join(dir, ".vagrant"));
    mkdirSync(path.join(dir, "vault"));
    copyFileSync(path.join(root, "vault/lab.yaml"), path.join(dir, "vault/lab.yaml"));
    copyFileSync(path.join(root, "Vagrantfile"), path.join(dir, "Vagrantfile"));
    copyFileSync(path.join(root, "inventory/vagrant.yaml"), path.join(dir, "inventory/vagrant.yaml"));
    return dir;
  }

  const fire = (dir: string, machine: string, event: string, id: string, key = "") =>
    execFileSync("ruby", [path.join(root, "test/support/vagrant-trigger.rb"), path.join(dir, "Vagrantfile"), machine, "after", event, id, key], { encoding: "utf8" });

  const hashed = (host: string, key: string) => {
    const salt = randomBytes(20);
    return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(host).digest("base64")} ${key}`;
  };

  it("links .vagrant/keys/NAME, the inventory's identity_file, to the key Vagrant uses, whatever the provider", async () => {
    const dir = project();
    const key = path.join(dir, ".vagrant/machines/web-02/libvirt/private_key");
    fire(dir, "web-02", "up", "some-id", key);
    expect(readlinkSync(path.join(dir, ".vagrant/keys/web-02"))).toBe(key);
    const inventory = await loadInventory(path.join(dir, "inventory/vagrant.yaml"), { env: { DEPLOY_VAULT_PASSWORD_FILE: path.join(root, "vault/lab.password") } });
    for (const host of inventory.hosts.values()) expect(host.identityFile).toBe(path.join(dir, ".vagrant/keys", host.name));
  });

  it("forgets a destroyed VM's recorded host keys, and only when it is really gone", () => {
    const dir = project();
    const knownHosts = path.join(dir, ".vagrant/known_hosts");
    const others = ["192.168.56.12 ssh-ed25519 AAAAweb02", "[192.168.56.11]:2222 ssh-ed25519 AAAAotherport", "# a comment", "@revoked 192.168.56.11 ssh-ed25519 AAAArevoked"];
    const web01 = ["192.168.56.11 ssh-ed25519 AAAAweb01", "192.168.56.11 ecdsa-sha2-nistp256 AAAAweb01ec", hashed("192.168.56.11", "ssh-rsa AAAAweb01rsa")];
    const before = [others[0], web01[0], others[1], web01[1], others[2], web01[2], others[3]].join("\n") + "\n";
    writeFileSync(knownHosts, before);

    // Vagrant fires `after destroy` even when the destroy was declined: the machine still has its id.
    fire(dir, "web-01", "destroy", "still-there");
    expect(readFileSync(knownHosts, "utf8")).toBe(before);

    fire(dir, "web-01", "destroy", "");
    expect(readFileSync(knownHosts, "utf8")).toBe(others.join("\n") + "\n");
  });

  it("reads an inventory with anchors and merge keys (Psych 4 refuses aliases unless asked)", () => {
    const dir = project();
    const file = path.join(dir, "inventory/vagrant.yaml");
    const text = readFileSync(file, "utf8")
      .replace("hosts:\n", "x-login: &login\n  user: vagrant\n  become: true\nhosts:\n")
      .replace(/ {4}user: vagrant\n {4}identity_file: (\S+)\n {4}become: true\n/g, "    <<: *login\n    identity_file: $1\n");
    expect(text).toContain("<<: *login");
    writeFileSync(file, text);
    const out = execFileSync("ruby", [path.join(root, "test/support/vagrant-machines.rb"), path.join(dir, "Vagrantfile")], { encoding: "utf8" });
    expect(Object.keys(JSON.parse(out) as object)).toEqual(["web-01", "web-02", "db-01"]);
  });
});
