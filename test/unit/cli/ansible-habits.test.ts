// ansible-playbook's options and argument order on deploy's command line: each is refused with the deploy
// way to do it (they were a bare "unknown option", or the inventory's problems for a playbook given first).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANSIBLE_OPTIONS, ansibleOptionHint } from "../../../src/cli/ansible-habits.js";
import { ansiblePatternHint } from "../../../src/config/patterns.js";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "deploy-ansible-habits-"));
  const files: Record<string, string> = {
    // An address nothing listens on: every case here must stop before connecting anyway.
    "inventory/i.yaml": "hosts:\n  web-01: { address: 127.0.0.1, port: 1 }\n  web-02: { address: 127.0.0.1, port: 1 }\ngroups:\n  web: { hosts: [web-01, web-02] }\n",
    "playbooks/site.yaml": "- hosts: web\n  tasks:\n    - command: echo hi\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function deploy(args: string[]): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const io: CliIO = { out: () => undefined, err: (l) => err.push(...l.split("\n")), isTTY: false, cwd: dir, env: { PATH: process.env["PATH"], HOME: dir } };
  return { code: await main(args, io), err };
}

describe("Ansible's options", () => {
  it.each([
    [["plan", "inventory/i.yaml", "--check"], "deploy plan: unknown option --check (ansible-playbook's): the dry run is `deploy plan <inventory> [playbook]` (it shows each change, with diffs)"],
    [["apply", "inventory/i.yaml", "-C"], "deploy apply: unknown option -C (ansible-playbook's): the dry run is `deploy plan <inventory> [playbook]` (it shows each change, with diffs)"],
    [["apply", "inventory/i.yaml", "--diff"], "deploy apply: unknown option --diff (ansible-playbook's): `deploy plan` and `deploy apply` always show a changed file's diff"],
    [["apply", "-i", "inventory/i.yaml", "playbooks/site.yaml"], "deploy apply: unknown option -i (ansible-playbook's): the inventory is the first argument: `deploy <command> <inventory> [playbook]`"],
    [["apply", "inventory/i.yaml", "--start-at-task=restart"], "deploy apply: unknown option --start-at-task (ansible-playbook's): deploy has no start point: tasks are idempotent, so a second apply redoes nothing done; `--tags` runs a part"],
    [["validate", "inventory/i.yaml", "--syntax-check"], "deploy validate: unknown option --syntax-check (ansible-playbook's): `deploy validate <inventory> [playbook]` checks everything without connecting"],
    [["apply", "inventory/i.yaml", "-b"], "deploy apply: unknown option -b (ansible-playbook's): become is set in the files: `become: true` on a host of the inventory, a play or a task"],
    // These were a bare "unknown option", or (--become-password-file) "did you mean `--vault-password-file`?".
    [["plan", "inventory/i.yaml", "--become-password-file", "f"], "deploy plan: unknown option --become-password-file (ansible-playbook's): the sudo password is the inventory var `become_password` (in a vault file) or DEPLOY_BECOME_PASSWORD"],
    [["plan", "inventory/i.yaml", "--become-method", "su"], "deploy plan: unknown option --become-method (ansible-playbook's): deploy becomes with sudo"],
    [["plan", "inventory/i.yaml", "--ssh-common-args", "-o X"], "deploy plan: unknown option --ssh-common-args (ansible-playbook's): deploy takes no ssh arguments: a jump host is a host's `jump:` in the inventory; ~/.ssh/config's HostName, User, Port, IdentityFile and ProxyJump are read"],
    [["apply", "inventory/i.yaml", "--flush-cache"], "deploy apply: unknown option --flush-cache (ansible-playbook's): deploy keeps no fact cache: each run gathers the facts it needs"],
    [["inventory", "inventory/i.yaml", "--list"], "deploy inventory: unknown option --list (ansible-inventory's): `deploy inventory <inventory>` shows the groups and hosts (`--json` as a document, `--host NAME` one host's vars)"],
    [["ping", "inventory/i.yaml", "-m", "ping"], "deploy ping: unknown option -m (ansible's): deploy has no ad-hoc tasks: `deploy ping <inventory>` checks every host; anything else is a task in a playbook"],
    [["playbooks/site.yaml"], "deploy: unknown command 'playbooks/site.yaml': the command comes first: `deploy apply <inventory> [playbook]` (`deploy plan` for a dry run). Run 'deploy --help' for the list."],
    // Other tools' words for deploy's commands, and a typo.
    [["run", "inventory/i.yaml"], "deploy: unknown command 'run': deploy's is `deploy apply`. Run 'deploy --help' for the list."],
    [["check", "inventory/i.yaml"], "deploy: unknown command 'check': deploy's is `deploy plan`. Run 'deploy --help' for the list."],
    [["aply", "inventory/i.yaml"], "deploy: unknown command 'aply', did you mean `apply`? Run 'deploy --help' for the list."],
    [["frobnicate"], "deploy: unknown command 'frobnicate'. Run 'deploy --help' for the list."],
  ])("%j", async (args, message) => {
    const r = await deploy(args);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(message);
  });

  it("every one in the table has a hint; deploy's own options and typos are not Ansible's", () => {
    for (const option of ANSIBLE_OPTIONS) for (const name of option.names) expect(ansibleOptionHint(name)).toMatch(/^-[^ ]+ \((ansible-playbook|ansible-inventory|ansible)'s\): ./);
    expect(ansibleOptionHint("--list-hosts=x")).toMatch(/^--list-hosts \(ansible-playbook's\): `deploy inventory/);
    expect(ansibleOptionHint("--limt")).toBeUndefined();
    expect(ansibleOptionHint("--extra-vars")).toBeUndefined();
    expect(ansibleOptionHint("--vault-password-fil")).toBeUndefined();
  });
});

describe("Ansible's host patterns in --limit", () => {
  it.each([
    ["web[0]", "subscripts (`web[0]`, `web[0:2]`) are not supported: name the hosts (`web-01,web-02`) or use a glob (`web-0*`)"],
    ["web[0:1]", "subscripts (`web[0]`, `web[0:2]`) are not supported: name the hosts (`web-01,web-02`) or use a glob (`web-0*`)"],
    ["~web-0[12]", "regular expressions (`~web.*`) are not supported: use a glob (`web-*`) or a list (`web-01,web-02`)"],
    ["web:!~web-02", "regular expressions (`~web.*`) are not supported: use a glob (`web-*`) or a list (`web-01,web-02`)"],
    ["@site.retry", "deploy writes no retry files (`@site.retry`): name the hosts (`web-01,web-02`)"],
  ])("%s", async (pattern, hint) => {
    const r = await deploy(["plan", "inventory/i.yaml", "--limit", pattern]);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`deploy plan: --limit: '${pattern}': ${hint}`);
  });

  it("other patterns keep their own message", async () => {
    expect(ansiblePatternHint("web-0*")).toBeUndefined();
    expect((await deploy(["plan", "inventory/i.yaml", "--limit", "wbe"])).err[0]).toBe("deploy plan: --limit: host pattern 'wbe': `wbe` is not a host or group of the inventory, did you mean `web`?");
  });
});

describe("a playbook given first (ansible-playbook's order)", () => {
  it("says the inventory comes first, with the order to type", async () => {
    const swapped = await deploy(["apply", "playbooks/site.yaml", "inventory/i.yaml"]);
    expect(swapped.code).toBe(1);
    expect(swapped.err[0]).toBe("deploy apply: 'playbooks/site.yaml' is a playbook: the inventory comes first (deploy apply inventory/i.yaml playbooks/site.yaml)");
    expect((await deploy(["validate", "playbooks/site.yaml"])).err[0]).toBe("deploy validate: 'playbooks/site.yaml' is a playbook: the inventory comes first (deploy validate <inventory> playbooks/site.yaml)");
    expect((await deploy(["plan", "playbooks/site.yaml"])).err[0]).toMatch(/^deploy plan: 'playbooks\/site\.yaml' is a playbook: the inventory comes first/);
  });

  // They said "unexpected argument 'inventory/i.yaml'", or the playbook's problems as an inventory.
  it("every command that takes the inventory alone says so: inventory, ping, lab", async () => {
    const cases: Array<[string[], string]> = [
      [["inventory", "playbooks/site.yaml", "inventory/i.yaml"], "deploy inventory: 'playbooks/site.yaml' is a playbook: deploy inventory takes the inventory alone (deploy inventory inventory/i.yaml)"],
      [["inventory", "playbooks/site.yaml"], "deploy inventory: 'playbooks/site.yaml' is a playbook: deploy inventory takes an inventory (deploy inventory <inventory>)"],
      [["inventory", "inventory/i.yaml", "playbooks/site.yaml"], "deploy inventory: unexpected argument 'playbooks/site.yaml': deploy inventory takes no playbook (deploy inventory inventory/i.yaml)"],
      [["ping", "playbooks/site.yaml", "inventory/i.yaml"], "deploy ping: 'playbooks/site.yaml' is a playbook: deploy ping takes the inventory alone (deploy ping inventory/i.yaml)"],
      [["ping", "playbooks/site.yaml"], "deploy ping: 'playbooks/site.yaml' is a playbook: deploy ping takes an inventory (deploy ping <inventory>)"],
      [["lab", "status", "playbooks/site.yaml"], "deploy lab: 'playbooks/site.yaml' is a playbook: deploy lab status takes an inventory (deploy lab status <inventory>)"],
      [["lab", "up", "playbooks/site.yaml", "inventory/i.yaml"], "deploy lab: 'playbooks/site.yaml' is a playbook: deploy lab up takes the inventory alone (deploy lab up inventory/i.yaml)"],
    ];
    for (const [args, message] of cases) {
      const r = await deploy(args);
      expect(r.code).toBe(1);
      expect(r.err[0]).toBe(message);
    }
  });

  it("an inventory still loads, and its own problems and other extra arguments keep their messages", async () => {
    expect((await deploy(["inventory", "inventory/i.yaml"])).code).toBe(0);
    expect((await deploy(["inventory", "inventory/i.yaml", "extra.txt"])).err[0]).toBe("deploy inventory: unexpected argument 'extra.txt'");
    writeFileSync(path.join(dir, "inventory/list.yaml"), "- web-01\n- web-02\n");
    expect((await deploy(["ping", "inventory/list.yaml"])).err[0]).toMatch(/^inventory\/list\.yaml:1:1: /);
  });
});
