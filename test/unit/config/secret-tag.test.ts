import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigError } from "../../../src/config/problems.js";
import { loadProject } from "../../../src/config/project.js";
import { tempProject } from "./temp-project.js";

describe("vars marked !secret", () => {
  it("stay ordinary values but join the project's secrets, from inventory, playbook and role files", async () => {
    const dir = tempProject({
      "inventory/i.yaml": `vars:
  stats_password: !secret inv-Secret-1
  plain: visible
hosts:
  web-01: { address: 10.0.0.11, vars: { token: !secret host-Secret-2 } }
`,
      "playbooks/site.yaml": `- hosts: all
  vars: { api_key: !secret play-Secret-3 }
  roles: [r]
`,
      "roles/r/tasks/main.yaml": "[]\n",
      "roles/r/defaults/main.yaml": "role_pw: !secret role-Secret-4\n",
    });
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" });
    expect(project.inventory.vars["stats_password"]).toBe("inv-Secret-1");
    expect([...project.secrets].sort()).toEqual(["host-Secret-2", "inv-Secret-1", "play-Secret-3", "role-Secret-4"]);
    expect(project.secrets.has("visible")).toBe(false);
  });
});

describe("problems never show a secret", () => {
  it("a vault value or a !secret value with a bad expression, or of the wrong type, is reported without its text", async () => {
    const { encryptVault } = await import("../../../src/vault/cipher.js");
    const dir = tempProject({
      "inventory/i.yaml": `settings:
  vars_files: [../vault.yaml]
  vault_password_file: ../pw
vars:
  tagged: !secret "Tagged{{pass+}}word"
hosts:
  web-01: { address: 10.0.0.11 }
`,
      pw: "pw\n",
      "vault.yaml": encryptVault('db_pw: "Hunter{{2+}}Secret"\n', "pw"),
      "playbooks/site.yaml": `- hosts: all
  tasks:
    - wait_for: { port: !secret "s3cr3tport" }
`,
    });
    const error = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", env: {} }).catch((e: unknown) => e);
    const messages = (error as ConfigError).problems.map((p) => `${path.basename(p.location.file)}:${p.location.line}: ${p.path}: ${p.message}`);
    expect(messages).toEqual([
      "i.yaml:5: vars.tagged: invalid expression in a secret value (not shown)",
      'site.yaml:3: [0].tasks[0].wait_for.port: expected a number, got a string ("<redacted>")',
      "vault.yaml:1: db_pw: invalid expression in a secret value (not shown)",
    ]);
  });
});
