import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import { encryptVault } from "../../../src/vault/cipher.js";
import { INVENTORY, problemLines, tempProject } from "./temp-project.js";

/** The problems of loading `text` as inventory/i.yaml, as printed lines. */
async function problemsOf(text: string, extra: Record<string, string> = {}): Promise<string[]> {
  const dir = tempProject({ "inventory/i.yaml": text, ...extra });
  return problemLines(dir, () => loadInventory(path.join(dir, "inventory/i.yaml")));
}

async function load(text: string, extra: Record<string, string> = {}) {
  const dir = tempProject({ "inventory/i.yaml": text, ...extra });
  return { dir, inventory: await loadInventory(path.join(dir, "inventory/i.yaml"), { env: {} }) };
}

describe("loadInventory: the model", () => {
  it("builds hosts with defaults, resolved paths and transitive groups, parent before child", async () => {
    const { dir, inventory } = await load(`settings:
  known_hosts: ../.lab/known_hosts
  host_key_checking: accept-new
  connect_timeout: 2.5
lab: { bridge: br-test }
vars: { app_port: 3000 }
hosts:
  web-01:
    address: 10.0.0.11
    port: 2222
    user: deploy
    identity_file: ../keys/id
    jump: db-01
    become: true
    become_user: app
    vars: { weight: 10 }
  db-01: { address: db.example.org }
  local: { connection: local }
groups:
  app: { hosts: [web-01], vars: { nginx_port: 80 } }
  db: { children: [db_primary] }
  db_primary: { hosts: [db-01] }
  site: { children: [app, db] }
`);
    expect(inventory.projectDir).toBe(dir);
    expect(inventory.settings).toEqual({
      knownHosts: path.join(dir, ".lab/known_hosts"),
      hostKeyChecking: "accept-new",
      connectTimeoutMs: 2500,
      varsFiles: [],
      vaultPasswordFile: undefined,
    });
    expect(inventory.lab).toEqual({ bridge: "br-test" });
    const web = inventory.hosts.get("web-01")!;
    expect(web).toMatchObject({
      address: "10.0.0.11",
      port: 2222,
      user: "deploy",
      identityFile: path.join(dir, "keys/id"),
      jump: "db-01",
      become: true,
      becomeUser: "app",
      connection: "ssh",
      vars: { weight: 10 },
      groups: ["site", "app"],
      location: { file: path.join(dir, "inventory/i.yaml"), line: 8, col: 3 },
    });
    expect(inventory.hosts.get("db-01")).toMatchObject({ port: 22, become: false, connection: "ssh", groups: ["site", "db", "db_primary"] });
    expect(inventory.hosts.get("local")).toMatchObject({ connection: "local", address: "localhost", groups: [] });
    expect(inventory.groups.get("app")?.vars).toEqual({ nginx_port: 80 });
  });

  it("orders groups of the same depth by name, deeper groups after their parents", async () => {
    const { inventory } = await load(`hosts:
  h: { address: 10.0.0.1 }
groups:
  zeta: { hosts: [h] }
  alpha: { children: [mid] }
  mid: { children: [leaf] }
  leaf: { hosts: [h] }
`);
    expect(inventory.hosts.get("h")?.groups).toEqual(["alpha", "zeta", "mid", "leaf"]);
  });

  it("follows deep group nesting (20 levels)", async () => {
    const groups = Array.from({ length: 20 }, (_, i) => `  g${i}: { children: [g${i + 1}] }`).join("\n");
    const { inventory } = await load(`hosts:\n  h: { address: 10.0.0.1 }\ngroups:\n${groups}\n  g20: { hosts: [h] }\n`);
    expect(inventory.hosts.get("h")?.groups).toEqual(Array.from({ length: 21 }, (_, i) => `g${i}`));
  });

  it("accepts anchors and merge keys for shared host settings", async () => {
    const { inventory } = await load(`hosts:
  web-01: &defaults
    address: 10.0.0.11
    user: deploy
    become: true
  web-02:
    <<: *defaults
    address: 10.0.0.12
    user: other
  web-03: { <<: *defaults, address: 10.0.0.13 }
groups:
  web: { hosts: &web [web-01, web-02] }
  app: { hosts: *web }
`);
    expect(inventory.hosts.get("web-01")).toMatchObject({ user: "deploy", become: true });
    expect(inventory.hosts.get("web-02")).toMatchObject({ address: "10.0.0.12", user: "other", become: true });
    expect(inventory.hosts.get("web-03")).toMatchObject({ address: "10.0.0.13", user: "deploy", become: true });
    expect(inventory.groups.get("app")?.hosts).toEqual(["web-01", "web-02"]);
  });

  it("merges vars_files into the all level, after the inline vars", async () => {
    const { inventory } = await load(
      `settings: { vars_files: [../vars/a.yaml, ../vars/b.yaml] }\nvars: { x: inline, y: inline }\nhosts: {}\n`,
      { "vars/a.yaml": "x: a\nz: a\n", "vars/b.yaml": "z: b\n" },
    );
    expect(inventory.vars).toEqual({ x: "a", y: "inline", z: "b" });
  });

  it("decrypts a vault-encrypted vars file with the inventory's vault_password_file", async () => {
    const vault = encryptVault("db_password: s3cret!\n", "pw", { N: 1024, r: 8, p: 1 });
    const { inventory } = await load(
      `settings: { vars_files: [../vars/secret.yaml], vault_password_file: ../vars/pw }\nhosts: {}\n`,
      { "vars/secret.yaml": vault, "vars/pw": "pw\n" },
    );
    expect(inventory.vars).toEqual({ db_password: "s3cret!" });
  });
});

describe("loadInventory: careless input", () => {
  it("reports an empty file", async () => {
    expect(await problemsOf("")).toEqual(["inventory/i.yaml:1:1: file is empty: expected an inventory: a map with hosts, groups and vars"]);
  });

  it("reports a list where a map is expected", async () => {
    expect(await problemsOf("- web-01\n")).toEqual(["inventory/i.yaml:1:1: expected a map, got a list"]);
  });

  it("reports wrong types and unknown keys with a hint, every one of them", async () => {
    expect(
      await problemsOf(`hosts:
  web-01:
    address: 10.0.0.1
    port: "22"
    becom: true
  web-02:
    adress: 10.0.0.2
groups:
  web: { hosts: web-01 }
setings: {}
`),
    ).toEqual([
      "inventory/i.yaml:4:11: hosts.web-01.port: expected a number, got a string (\"22\")",
      "inventory/i.yaml:5:5: hosts.web-01.becom: unknown key `becom`, did you mean `become`?",
      "inventory/i.yaml:6:3: hosts.web-02.address: missing (required): the host's IP address or DNS name",
      "inventory/i.yaml:7:5: hosts.web-02.adress: unknown key `adress`, did you mean `address`?",
      "inventory/i.yaml:9:17: groups.web.hosts: expected a list, got a string (\"web-01\")",
      "inventory/i.yaml:10:1: setings: unknown key `setings`, did you mean `settings`?",
    ]);
  });

  it("reports a port out of range and a bad address", async () => {
    expect(await problemsOf("hosts:\n  a: { address: 'not an address', port: 70000 }\n")).toEqual([
      "inventory/i.yaml:2:17: hosts.a.address: `not an address` is not an IPv4/IPv6 address or DNS name",
      "inventory/i.yaml:2:41: hosts.a.port: must be at most 65535",
    ]);
  });

  it("refuses an IPv4 address out of range or cut short, and a jump host that is not one", async () => {
    expect(
      await problemsOf(`hosts:
  a: { address: 999.0.0.1 }
  b: { address: 10.0.0 }
  c: { address: 10.0.0.3, jump: "-oProxyCommand=x" }
  d: { address: 10.0.0.4, jump: "deploy@10.0.0.1:99999" }
  e: { address: 10.0.0.5, jump: "-x@10.0.0.1" }
  f: { address: 10.0.0.6, jump: "ops@[fe80::1]:22" }
  g: { address: 10.0.0.7, jump: "bastion.example.org" }
`),
    ).toEqual([
      "inventory/i.yaml:2:17: hosts.a.address: `999.0.0.1` is not an IPv4/IPv6 address or DNS name",
      "inventory/i.yaml:3:17: hosts.b.address: `10.0.0` is not an IPv4/IPv6 address or DNS name",
      "inventory/i.yaml:4:33: hosts.c.jump: `-oProxyCommand=x` is neither an inventory host nor [user@]address[:port]",
      "inventory/i.yaml:5:33: hosts.d.jump: `deploy@10.0.0.1:99999` is neither an inventory host nor [user@]address[:port]",
      "inventory/i.yaml:6:33: hosts.e.jump: `-x@10.0.0.1` is neither an inventory host nor [user@]address[:port]",
    ]);
  });

  it("reports a group listing an undefined host (with a hint) and an undefined child group", async () => {
    expect(
      await problemsOf(`hosts:
  web-01: { address: 10.0.0.1 }
groups:
  web: { hosts: [web-01, web-0l], children: [dbs, web-01] }
  db: {}
`),
    ).toEqual([
      "inventory/i.yaml:4:26: groups.web.hosts[1]: host `web-0l` is not defined under hosts, did you mean `web-01`?",
      "inventory/i.yaml:4:46: groups.web.children[0]: group `dbs` is not defined under groups, did you mean `db`?",
      "inventory/i.yaml:4:51: groups.web.children[1]: group `web-01` is not defined under groups (`web-01` is a host: list it under hosts)",
    ]);
  });

  it("reports a cycle in group children once, at the entry that closes it", async () => {
    expect(
      await problemsOf(`hosts: { h: { address: 10.0.0.1 } }
groups:
  a: { children: [b] }
  b: { children: [c] }
  c: { children: [a], hosts: [h] }
  self: { children: [self] }
`),
    ).toEqual([
      "inventory/i.yaml:3:19: groups.a.children[0]: group children form a cycle: a -> b -> c -> a",
      "inventory/i.yaml:6:22: groups.self.children[0]: group children form a cycle: self -> self",
    ]);
  });

  it("reports a host defined twice (duplicate key) and a name used by a host and a group", async () => {
    expect(
      await problemsOf(`hosts:
  web: { address: 10.0.0.1 }
  web: { address: 10.0.0.2 }
`),
    ).toEqual(["inventory/i.yaml:3:3: hosts.web: duplicate key `web` (first defined on line 2)"]);
    expect(await problemsOf(`hosts:\n  web: { address: 10.0.0.1 }\ngroups:\n  web: { hosts: [web] }\n`)).toEqual([
      "inventory/i.yaml:4:3: groups.web: `web` is both a host and a group: host patterns would be ambiguous",
    ]);
  });

  it("reports invalid names, `all` as a group, reserved var names", async () => {
    expect(
      await problemsOf(`vars: { groups: 1 }
hosts:
  "web 01": { address: 10.0.0.1, vars: { item: 2 } }
groups:
  all: { vars: { a: 1 } }
`),
    ).toEqual([
      "inventory/i.yaml:1:9: vars.groups: `groups` is a reserved name in expressions (host, facts, groups, hosts, item, vars); rename this var",
      "inventory/i.yaml:3:3: hosts.web 01: host name `web 01` is not valid: use letters, digits, '_', '.' and '-'",
      "inventory/i.yaml:3:42: hosts.web 01.vars.item: `item` is a reserved name in expressions (host, facts, groups, hosts, item, vars); rename this var",
      "inventory/i.yaml:5:3: groups.all: `all` is the implicit group of every host: put its vars under the top-level `vars`",
    ]);
  });

  it("reports jump host loops and a host jumping through itself", async () => {
    expect(
      await problemsOf(`hosts:
  a: { address: 10.0.0.1, jump: b }
  b: { address: 10.0.0.2, jump: a }
  c: { address: 10.0.0.3, jump: c }
  d: { address: 10.0.0.4, jump: "ops@bastion.example.org:2222" }
`),
    ).toEqual([
      "inventory/i.yaml:2:33: hosts.a.jump: jump hosts form a loop: a -> b -> a",
      "inventory/i.yaml:3:33: hosts.b.jump: jump hosts form a loop: b -> a -> b",
      "inventory/i.yaml:4:33: hosts.c.jump: a host cannot be its own jump host",
    ]);
  });

  it("reports a missing vars file at its reference, and a vault file without a password", async () => {
    const vault = encryptVault("a: 1\n", "pw", { N: 1024, r: 8, p: 1 });
    const lines = await problemsOf(`settings:\n  vars_files:\n    - ../vars/missing.yaml\n    - ../vars/v.yaml\nhosts: {}\n`, { "vars/v.yaml": vault });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^inventory\/i\.yaml:3:7: settings\.vars_files: vars file .*missing\.yaml: file not found$/);
    expect(lines[1]).toMatch(/^inventory\/i\.yaml:4:7: settings\.vars_files: vars file .*v\.yaml: .*(DEPLOY_VAULT_PASSWORD|password)/);
  });

  it("reports problems inside a vars file at their own line", async () => {
    const lines = await problemsOf(`settings: { vars_files: [../vars/a.yaml] }\nhosts: {}\n`, { "vars/a.yaml": "a: 1\na: 2\n" });
    expect(lines).toEqual(["vars/a.yaml:2:1: a: duplicate key `a` (first defined on line 1)"]);
  });

  it("a valid inventory has no problems", async () => {
    expect(await problemsOf(INVENTORY)).toEqual([]);
  });
});
