// Secrets given or replaced on the command line stay secret: `-e '{k: !secret v}'`, `-e 'k=!secret v'`, and
// any value (an `-e`, a host var, play vars...) of a var that holds a vault or `!secret` value elsewhere.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { readInventory } from "../../../src/config/inventory.js";
import { Problems } from "../../../src/config/problems.js";
import { loadProject } from "../../../src/config/project.js";
import { encryptVault } from "../../../src/vault/cipher.js";
import { INVENTORY, problemLines, tempProject } from "./temp-project.js";

const KDF = { N: 1024, r: 8, p: 1 };

function plainProject(): string {
  return tempProject({ "inventory/i.yaml": INVENTORY, "playbooks/site.yaml": "- hosts: web\n  tasks: []\n" });
}

describe("-e with the !secret tag", () => {
  it("a flow map's !secret value joins the run's secrets, as in a vars file", async () => {
    const dir = plainProject();
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["{mysql_app_password: !secret FlowSecret, user: app}"] });
    expect(project.extraVars).toEqual({ mysql_app_password: "FlowSecret", user: "app" });
    expect(project.secrets.has("FlowSecret")).toBe(true);
    expect(project.secrets.has("app")).toBe(false);
  });

  it("key=!secret VALUE is a secret VALUE, not the literal text", async () => {
    const dir = plainProject();
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["mysql_app_password=!secret Kv Secret", "port=!secret 3306"] });
    expect(project.extraVars).toEqual({ mysql_app_password: "Kv Secret", port: "3306" });
    expect(project.secrets.has("Kv Secret")).toBe(true);
    expect(project.secrets.has("3306")).toBe(true);
    // The literal text, when meant, is written as a JSON string: not a secret.
    const literal = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ['note="!secret x"'] });
    expect(literal.extraVars).toEqual({ note: "!secret x" });
    expect(literal.secrets.size).toBe(0);
  });

  it("refuses what would otherwise become a literal: the tag without a value or a space, an unknown tag", async () => {
    const dir = plainProject();
    const lines = await problemLines(dir, () =>
      loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["pw=!secret", "pw=!secretHunter2", "{pw: !vault Hunter2}", "{pw: !secret [a, b]}"] }),
    );
    expect(lines).toEqual([
      "-e[1]:1:1: pw: `!secret` needs a value: -e 'pw=!secret VALUE'",
      "-e[2]:1:1: pw: a value starting with `!secret` must be `!secret VALUE` (a space after the tag); for that literal text, quote it as JSON: -e 'pw=\"...\"'",
      "-e[3]:1:6: not a valid JSON/YAML map: Ansible's inline `!vault` value is not read: keep it in a vault file (`deploy vault encrypt`) listed in the inventory's `settings.vars_files` or given with `-e @file`",
      "-e[4]:1:6: not a valid JSON/YAML map: !secret applies to a scalar value (a string or number), not a list",
    ]);
    expect(lines.join("\n")).not.toContain("Hunter2");
  });

  it("a bad expression in a secret -e value is reported without its text", async () => {
    const dir = plainProject();
    const lines = await problemLines(dir, () =>
      loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["pw=!secret Hunter{{2+}}", "{pw2: !secret 'Other{{3+}}'}"] }),
    );
    expect(lines).toEqual(["-e[1]:1:1: pw: invalid expression in a secret value (not shown)", "-e[2]:1:1: pw2: invalid expression in a secret value (not shown)"]);
  });
});

describe("a var that holds a secret anywhere holds one everywhere", () => {
  function vaultProject(over: Record<string, string> = {}): string {
    return tempProject({
      "inventory/i.yaml": `settings:\n  vars_files: [../vault.yaml]\n  vault_password_file: ../pw\n${INVENTORY}`,
      pw: "pw\n",
      "vault.yaml": encryptVault("mysql_app_password: VaultSecret1\nvault_root_pw: RootSecret2\nserver_id: 1\n", "pw", KDF),
      "playbooks/site.yaml": "- hosts: web\n  tasks: []\n",
      ...over,
    });
  }

  it("-e key=value replacing a vault value (rotating it) is a secret; other -e values are not", async () => {
    const dir = vaultProject();
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["mysql_app_password=Sup3rSecretNew", "app_version=1.2.0", "server_id=100"] });
    expect(project.secrets.has("Sup3rSecretNew")).toBe(true);
    expect(project.secrets.has("1.2.0")).toBe(false);
    // A 1-character vault value does not make every var that is 1 somewhere a secret.
    expect(project.secrets.has("100")).toBe(false);
  });

  it("so is a host var, group var, play var or role parameter over a !secret or vault value, and the reverse", async () => {
    const dir = vaultProject({
      "inventory/i.yaml": `settings:\n  vars_files: [../vault.yaml]\n  vault_password_file: ../pw
vars:
  stats_password: !secret TaggedStats3
hosts:
  web-01: { address: 10.0.0.11, vars: { mysql_app_password: HostOverride4 } }
  web-02: { address: 10.0.0.12 }
groups:
  web: { hosts: [web-01, web-02], vars: { stats_password: GroupOverride5 } }
`,
      "playbooks/site.yaml": `- hosts: web
  vars: { stats_password: PlayOverride6 }
  roles: [{ role: r, vars: { mysql_app_password: ParamOverride7 } }]
`,
      "roles/r/tasks/main.yaml": "[]\n",
      "roles/r/defaults/main.yaml": "mysql_app_password: DefaultPassword8\nr_port: 8080\n",
    });
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" });
    for (const value of ["HostOverride4", "GroupOverride5", "PlayOverride6", "ParamOverride7", "DefaultPassword8"]) {
      expect(project.secrets.has(value), value).toBe(true);
    }
    expect(project.secrets.has("8080")).toBe(false);
    // `deploy inventory --host` loads the inventory alone: its own overrides are secrets there too.
    const problems = new Problems();
    const inventory = await readInventory(path.join(dir, "inventory/i.yaml"), problems, { env: {} });
    expect([...(inventory?.secrets ?? [])].filter((s) => /Override/.test(s)).sort()).toEqual(["GroupOverride5", "HostOverride4"]);
  });

  it("through {{ }}: a var that reads a secret var is one, and so is what replaces it", async () => {
    const dir = vaultProject({
      "playbooks/site.yaml": `- hosts: web
  vars:
    db_password: "{{ vault_root_pw }}"
    db_url: "mysql://root:{{ db_password }}@db/app"
    app_url: "http://{{ host.address }}:3000"
  tasks: []
`,
    });
    const project = await loadProject({
      cwd: dir,
      inventoryFile: "inventory/i.yaml",
      extraVars: ["db_password=N3wRootPassword", "db_url=mysql://root:Other9@db/app", "app_url=http://example.org"],
    });
    expect(project.secrets.has("N3wRootPassword")).toBe(true);
    expect(project.secrets.has("mysql://root:Other9@db/app")).toBe(true);
    expect(project.secrets.has("http://example.org")).toBe(false);
    expect(project.secrets.has("{{ vault_root_pw }}")).toBe(false);
  });

  it("inside a map, only the part that holds the secret", async () => {
    const dir = vaultProject({
      "playbooks/site.yaml": `- hosts: web
  vars:
    mysql: { password: !secret TaggedPw10, port: 3306, users: [{ name: app, password: !secret ListPw11 }] }
  tasks: []
`,
    });
    const project = await loadProject({
      cwd: dir,
      inventoryFile: "inventory/i.yaml",
      extraVars: ['{"mysql": {"password": "NewPw12", "port": 3307, "users": [{"name": "web", "password": "NewListPw13"}]}}'],
    });
    expect(project.secrets.has("NewPw12")).toBe(true);
    expect(project.secrets.has("NewListPw13")).toBe(true);
    expect(project.secrets.has("3307")).toBe(false);
    expect(project.secrets.has("web")).toBe(false);
  });
});

describe("deploy plan with a secret given or replaced by -e", () => {
  it("shows <redacted> in the diff, never the value", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "settings:\n  vars_files: [../vault.yaml]\n  vault_password_file: ../pw\nhosts:\n  local: { address: 127.0.0.1, connection: local }\n",
      pw: "pw\n",
      "vault.yaml": encryptVault("mysql_app_password: VaultSecret1\n", "pw", KDF),
      "playbooks/site.yaml": "- hosts: all\n  gather_facts: false\n  roles: [db]\n",
      "roles/db/tasks/main.yaml": "- template: { src: db.json.ejs, dest: '{{ out }}' }\n",
      "roles/db/templates/db.json.ejs": '{ "user": "app", "password": "<%- mysql_app_password %>" }\n',
    });
    mkdirSync(path.join(dir, "out"));
    writeFileSync(path.join(dir, "out/db.json"), '{ "user": "old", "password": "VaultSecret1" }\n');
    for (const e of ["{mysql_app_password: !secret FlowSecret}", "mysql_app_password=!secret KvSecret", "mysql_app_password=Sup3rSecretNew"]) {
      const out: string[] = [];
      const io: CliIO = { out: (l) => out.push(l), err: (l) => out.push(l), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
      const code = await main(["plan", "inventory/i.yaml", "-e", e, "-e", `out=${path.join(dir, "out/db.json")}`, "--no-color"], io);
      const text = out.join("\n");
      expect(code, text).toBe(0);
      // The file held the vault's value: the one given with -e is new to it.
      expect(text).toContain('+{ "user": "app", "password": "<redacted, new value>" }');
      expect(text).not.toMatch(/FlowSecret|KvSecret|Sup3rSecretNew|VaultSecret1|!secret/);
    }
  });
});
