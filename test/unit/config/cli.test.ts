// `deploy validate` and `deploy inventory` as a user runs them: the built CLI (npm run build), real files.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { tempProject } from "./temp-project.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const BIN = path.join(ROOT, "bin/deploy.js");
const FIXTURES = path.join(ROOT, "test/fixtures/config");
const run = promisify(execFile);

async function deploy(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, DEPLOY_DEBUG: "", CI: "true" } });
    return { code: 0, stdout, stderr };
  } catch (error: unknown) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, "dist/deploy.cjs"))) {
    throw new Error("the CLI is not built: run `npm run build` first (npm test does)");
  }
});

describe("deploy validate", () => {
  it("prints a summary and exits 0 for a valid project", async () => {
    const { code, stdout, stderr } = await deploy(["validate", "inventory/hosts.yaml"], path.join(FIXTURES, "good"));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "inventory inventory/hosts.yaml: 3 hosts, 3 groups",
      "playbook playbooks/site.yaml: 2 plays, 1 role (web)",
      '  play "Web servers" (hosts: web) -> web-01, web-02: 3 tasks, 1 handler, roles: web',
      '  play "Databases" (hosts: db:!web-02) -> db-01: 1 task, 0 handlers',
      "tasks per host:",
      "  web-01  3",
      "  web-02  3",
      "  db-01   1",
      "configuration is valid",
      "",
    ]);
  });

  it("prints every problem of every file as file:line:col: path: message and exits 1, without a stack trace", async () => {
    const cwd = path.join(FIXTURES, "bad");
    const { code, stdout, stderr } = await deploy(["validate", "inventory/hosts.yaml"], cwd);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.split("\n")).toEqual([
      "inventory/hosts.yaml:4:34: hosts.web-01.becom: unknown key `becom`, did you mean `become`?",
      'inventory/hosts.yaml:5:40: hosts.web-02.port: expected a number, got a string ("22")',
      "inventory/hosts.yaml:8:26: groups.web.hosts[1]: host `web-03` is not defined under hosts, did you mean `web-01`?",
      "inventory/hosts.yaml:9:20: groups.db.children[0]: group children form a cycle: db -> db_primary -> db",
      "playbooks/site.yaml:2:10: [0].hosts: `wbe` is not a host or group of the inventory, did you mean `web`?",
      `playbooks/site.yaml:3:16: [0].roles[1]: role \`mysql\` not found (no directory roles/mysql/ in ${cwd}, the project directory)`,
      'playbooks/site.yaml:6:56: [0].tasks[0].file.mode: mode must be a quoted string such as "0644" (unquoted, YAML reads 750 as a decimal number)',
      "playbooks/site.yaml:7:15: [0].tasks[0].notify: no handler named `restart nginx` in play `Web servers`",
      "roles/web/tasks/main.yaml:2:20: [0].template.src: template `site.conf` not found in roles/web/templates/, did you mean `site.conf.ejs`?",
      "roles/web/tasks/main.yaml:4:3: [1].pakage: unknown module or task keyword `pakage`, did you mean `package`?",
      "deploy: 10 configuration problems; nothing was run",
      "",
    ]);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it.each([
    ["an empty file", "", "inventory/i.yaml:1:1: file is empty: expected an inventory: a map with hosts, groups and vars"],
    ["binary garbage", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0xff]), "inventory/i.yaml:1:5: not a YAML text file (binary data at byte 4)"],
    ["a tab in the indentation", "hosts:\n\tweb-01: { address: 10.0.0.1 }\n", "inventory/i.yaml:2:1: Tabs are not allowed as indentation"],
    ["a host defined twice", "hosts:\n  a: { address: 10.0.0.1 }\n  a: { address: 10.0.0.2 }\n", "inventory/i.yaml:3:3: hosts.a: duplicate key `a` (first defined on line 2)"],
    ["a wrong type", "hosts: [a, b]\n", "inventory/i.yaml:1:8: hosts: expected a map, got a list"],
  ])("reports %s in the inventory at its place, exit 1", async (_what, content, line) => {
    const dir = tempProject({ "inventory/i.yaml": content, "playbooks/site.yaml": "- hosts: all\n  tasks: []\n" });
    const { code, stderr } = await deploy(["validate", "inventory/i.yaml"], dir);
    expect(code).toBe(1);
    expect(stderr.split("\n")[0]).toBe(line);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("reports a playbook pattern typo, exit 1", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts: { web-01: { address: 10.0.0.1 } }\ngroups: { web: { hosts: [web-01] } }\n",
      "site.yaml": "- hosts: web:!web-1\n  tasks: []\n",
    });
    const { code, stderr } = await deploy(["validate", "inventory/i.yaml", "site.yaml"], dir);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "site.yaml:1:10: [0].hosts: `web-1` is not a host or group of the inventory, did you mean `web-01`?\ndeploy: 1 configuration problem; nothing was run\n",
    );
  });

  it("takes -e values and reports bad ones", async () => {
    const good = await deploy(["validate", "inventory/hosts.yaml", "-e", "greeting=x", "-e", '{"app_port": 1}'], path.join(FIXTURES, "good"));
    expect(good.code).toBe(0);
    const bad = await deploy(["validate", "inventory/hosts.yaml", "-e", "oops"], path.join(FIXTURES, "good"));
    expect(bad.code).toBe(1);
    expect(bad.stderr.split("\n")[0]).toBe("-e[1]:1:1: expected key=value, @file.yaml or a JSON map, got `oops`");
  });

  it("usage mistakes exit 1 with a hint", async () => {
    const { code, stderr } = await deploy(["validate"], ROOT);
    expect(code).toBe(1);
    expect(stderr).toContain("deploy validate: missing <inventory>");
  });

  it("validates the project's own example content", async () => {
    const { code, stdout } = await deploy(["validate", "inventory/prod.yaml"], ROOT);
    expect(code).toBe(0);
    expect(stdout).toContain("inventory inventory/prod.yaml: 3 hosts, 5 groups");
    expect(stdout).toContain("configuration is valid");
  });
});

describe("deploy inventory", () => {
  it("prints a host's resolved inventory vars", async () => {
    const { code, stdout } = await deploy(["inventory", "inventory/hosts.yaml", "--host", "web-01", "--json"], path.join(FIXTURES, "good"));
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      host: "web-01",
      address: "10.77.0.11",
      port: 22,
      user: "deploy",
      connection: "ssh",
      become: true,
      groups: ["web"],
      vars: { app_port: 3000, greeting: "hi from vars file", nginx_port: 80, weight: 2 },
    });
  });

  it("prints the group tree and hosts", async () => {
    const { code, stdout } = await deploy(["inventory", "inventory/hosts.yaml"], path.join(FIXTURES, "good"));
    expect(code).toBe(0);
    expect(stdout.split("\n")).toEqual([
      "all (3 hosts)",
      "  db",
      "    db_primary: db-01",
      "  web: web-01, web-02",
      "hosts:",
      "  web-01  10.77.0.11:22    user deploy  groups: web",
      "  web-02  10.77.0.12:22    user deploy  groups: web",
      "  db-01   10.77.0.21:2222  groups: db, db_primary",
      "",
    ]);
  });

  it("redacts vault values", async () => {
    const { encryptVault } = await import("../../../src/vault/cipher.js");
    const dir = tempProject({
      "inventory/i.yaml": "settings: { vars_files: [../secret.yaml] }\nhosts: { a: { address: 10.0.0.1 } }\n",
      "secret.yaml": encryptVault("db_password: hunter2-secret\n", "pw", { N: 1024, r: 8, p: 1 }),
    });
    const result = await run(process.execPath, [BIN, "inventory", "inventory/i.yaml", "--host", "a"], { cwd: dir, env: { ...process.env, DEPLOY_VAULT_PASSWORD: "pw" } });
    expect(result.stdout).toContain("db_password: <redacted>");
    expect(result.stdout).not.toContain("hunter2");
  });

  it("an unknown host is a usage error with a hint", async () => {
    const { code, stderr } = await deploy(["inventory", "inventory/hosts.yaml", "--host", "web-1"], path.join(FIXTURES, "good"));
    expect(code).toBe(1);
    expect(stderr).toContain("no host `web-1` in inventory/hosts.yaml, did you mean `web-01`?");
  });
});
