import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { expressionScope, groupsView, hostVars, hostView, hostsView, inventoryVars } from "../../../src/config/vars.js";
import type { Facts } from "../../../src/facts/types.js";
import { tempProject } from "./temp-project.js";

async function precedenceProject() {
  const dir = tempProject({
    "inventory/i.yaml": `vars: { v: all, only_all: 1 }
hosts:
  web-01: { address: 10.0.0.11, vars: { v: host } }
  web-02: { address: 10.0.0.12 }
groups:
  parent: { children: [child], vars: { v: parent } }
  child: { hosts: [web-01], vars: { v: child } }
  beta: { hosts: [web-02], vars: { s: beta } }
  alpha: { hosts: [web-02], vars: { s: alpha } }
`,
    "roles/a/tasks/main.yaml": "[]\n",
    "roles/a/defaults/main.yaml": "v: defaults_a\nonly_a: 1\n",
    "roles/b/tasks/main.yaml": "[]\n",
    "roles/b/defaults/main.yaml": "v: defaults_b\n",
    "playbooks/site.yaml": `- hosts: all
  vars: { v: play }
  roles:
    - a
    - { role: b, vars: { v: role_param } }
`,
  });
  return loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["v=extra"] });
}

describe("variable precedence, level by level (lowest to highest)", () => {
  it("role defaults < all < group parent < group child < host < play < role params < extra vars", async () => {
    const project = await precedenceProject();
    const play = project.playbook.plays[0]!;
    const roleB = play.roles[1]!;
    const winner = (withRole = true) => hostVars(project, "web-01", play, withRole ? roleB : undefined)["v"];

    expect(winner()).toBe("extra");
    project.extraVars = {};
    expect(winner()).toBe("role_param");
    expect(winner(false)).toBe("play");
    roleB.params = {};
    expect(winner()).toBe("play");
    play.vars = {};
    expect(winner()).toBe("host");
    project.inventory.hosts.get("web-01")!.vars = {};
    expect(winner()).toBe("child");
    project.inventory.groups.get("child")!.vars = {};
    expect(winner()).toBe("parent");
    project.inventory.groups.get("parent")!.vars = {};
    expect(winner()).toBe("all");
    project.inventory.vars = {};
    expect(winner()).toBe("defaults_b");
    project.roles.get("b")!.defaults = {};
    expect(winner()).toBe("defaults_a");
  });

  it("a role's defaults apply to every task of the play, and other levels' vars are all visible", async () => {
    const project = await precedenceProject();
    const play = project.playbook.plays[0]!;
    expect(hostVars(project, "web-01", play)).toMatchObject({ only_a: 1, only_all: 1 });
  });

  it("groups at the same depth merge by name: the later name wins", async () => {
    const project = await precedenceProject();
    const host = project.inventory.hosts.get("web-02")!;
    expect(host.groups).toEqual(["alpha", "beta"]);
    expect(inventoryVars(project.inventory, host)["s"]).toBe("beta");
  });

  it("a later level replaces a map var whole (no deep merge)", async () => {
    const project = await precedenceProject();
    const play = project.playbook.plays[0]!;
    project.inventory.vars = { m: { a: 1, b: 2 } };
    play.vars = { m: { a: 9 } };
    expect(hostVars(project, "web-02", play)["m"]).toEqual({ a: 9 });
  });

  it("-e values: key=value strings, plain JSON, JSON maps, later wins", async () => {
    const dir = tempProject({
      "inventory/i.yaml": "hosts: { h: { address: 10.0.0.1 } }\n",
      "playbooks/site.yaml": "- hosts: all\n  tasks: []\n",
      "extra.yaml": "from_file: yes\nn: 1\n",
    });
    const project = await loadProject({
      cwd: dir,
      inventoryFile: "inventory/i.yaml",
      extraVars: ["version=1.10", "port=8080", "flag=true", "list=[1,2]", 'text="hello world"', '{"n": 5, "obj": {"k": "v"}}', "@extra.yaml", "empty="],
    });
    expect(project.extraVars).toEqual({
      version: "1.10",
      port: 8080,
      flag: true,
      list: [1, 2],
      text: "hello world",
      n: 1,
      obj: { k: "v" },
      from_file: "yes",
      empty: "",
    });
  });
});

describe("expressionScope", () => {
  it("has every var at top level, registered results, and the reserved names", async () => {
    const project = await precedenceProject();
    const play = project.playbook.plays[0]!;
    const host = project.inventory.hosts.get("web-01")!;
    const facts = { os: { id: "debian" } } as unknown as Facts;
    const scope = expressionScope({
      vars: hostVars(project, "web-01", play),
      host: hostView(project.inventory, host),
      facts,
      groups: groupsView(project.inventory),
      hosts: hostsView(project.inventory),
      registered: { hello: { rc: 0 } },
      item: { value: "x" },
    });
    expect(scope["v"]).toBe("extra");
    expect(scope["hello"]).toEqual({ rc: 0 });
    expect(scope["item"]).toBe("x");
    expect(scope["facts"]).toBe(facts);
    expect(scope["host"]).toEqual({ name: "web-01", address: "10.0.0.11", port: 22, groups: ["parent", "child"], vars: { v: "host", only_all: 1 } });
    expect(scope["groups"]).toEqual({ all: ["web-01", "web-02"], parent: ["web-01"], child: ["web-01"], beta: ["web-02"], alpha: ["web-02"] });
    expect((scope["hosts"] as Record<string, { address: string }>)["web-02"]?.address).toBe("10.0.0.12");
    expect(Object.keys(scope["vars"] as object)).toEqual(expect.arrayContaining(["v", "only_a", "hello"]));
  });

  it("has no `item` outside a loop", async () => {
    const project = await precedenceProject();
    const host = project.inventory.hosts.get("web-01")!;
    const scope = expressionScope({
      vars: {},
      host: hostView(project.inventory, host),
      facts: undefined,
      groups: {},
      hosts: {},
      registered: {},
    });
    expect("item" in scope).toBe(false);
  });
});
