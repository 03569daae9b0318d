// An invalid item of a list must not move the problems of the items after it: each keeps its own index,
// line and column (a loader that drops invalid items and then numbers the rest from 0 gets this wrong).
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import { loadProject } from "../../../src/config/project.js";
import { INVENTORY, problemLines, tempProject } from "./temp-project.js";

/** A play whose `roles:` list starts with an invalid entry, followed by entries with problems of their own. */
const PLAYBOOK = `- name: Main
  hosts: web
  roles:
    - { name: r }
    - { role: r, tag: x }
    - { role: R }
    - ""
    - 5
    - { role: r, vars: { host: x } }
    - { role: r, when: "host.name ==" }
    - rr
  tasks:
    - command: echo hi
      notify: restart nothing
`;

async function playbookProblems(): Promise<{ dir: string; lines: string[] }> {
  const dir = tempProject({ "inventory/i.yaml": INVENTORY, "roles/r/tasks/main.yaml": "[]\n", "playbooks/site.yaml": PLAYBOOK });
  return { dir, lines: await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" })) };
}

describe("a play's roles after an invalid entry", () => {
  it("keep their own index, line and column, and the play keeps its name", async () => {
    const { lines } = await playbookProblems();
    expect(lines.filter((l) => !l.includes("not found"))).toEqual([
      "playbooks/site.yaml:4:7: [0].roles[0].role: missing (required)",
      "playbooks/site.yaml:4:9: [0].roles[0].name: unknown key `name`: write `role:` for the role's name",
      "playbooks/site.yaml:5:18: [0].roles[1].tag: unknown key `tag`, did you mean `tags`?",
      "playbooks/site.yaml:7:7: [0].roles[3]: must not be empty",
      "playbooks/site.yaml:8:7: [0].roles[4]: expected a string or a map, got a number (5)",
      "playbooks/site.yaml:9:26: [0].roles[5].vars.host: `host` is a reserved name in expressions (host, facts, groups, hosts, item, vars); rename this var",
      expect.stringMatching(/^playbooks\/site\.yaml:10:24: \[0\]\.roles\[6\]\.when: invalid expression `host\.name ==`: /),
      "playbooks/site.yaml:14:15: [0].tasks[0].notify: no handler named `restart nothing` in play `Main`",
    ]);
  });

  it("that do not exist are reported at their own index", async () => {
    const { dir, lines } = await playbookProblems();
    expect(lines.filter((l) => l.includes("not found"))).toEqual([
      `playbooks/site.yaml:6:7: [0].roles[2]: role \`R\` not found (no directory roles/R/ in ${dir}, the project directory), did you mean \`r\`?`,
      `playbooks/site.yaml:11:7: [0].roles[7]: role \`rr\` not found (no directory roles/rr/ in ${dir}, the project directory), did you mean \`r\`?`,
    ]);
  });
});

describe("a group's hosts and children after an invalid entry", () => {
  const problemsOf = async (text: string) => {
    const dir = tempProject({ "inventory/i.yaml": text });
    return problemLines(dir, () => loadInventory(path.join(dir, "inventory/i.yaml"), { env: {} }));
  };

  it("are reported with their own index, line and column", async () => {
    expect(
      await problemsOf(`hosts:
  web-01: { address: 10.0.0.11 }
  web-02: { address: 10.0.0.12 }
groups:
  app: { hosts: [web-01, 5, nosuch, web-02] }
  db: { children: [app, 7, nogroup] }
`),
    ).toEqual([
      "inventory/i.yaml:5:26: groups.app.hosts[1]: expected a string, got a number (5)",
      "inventory/i.yaml:5:29: groups.app.hosts[2]: host `nosuch` is not defined under hosts",
      "inventory/i.yaml:6:25: groups.db.children[1]: expected a string, got a number (7)",
      "inventory/i.yaml:6:28: groups.db.children[2]: group `nogroup` is not defined under groups",
    ]);
  });

  it("report a cycle at the entry that closes it", async () => {
    expect(
      await problemsOf(`hosts: { h: { address: 10.0.0.1 } }
groups:
  a: { children: [7, b] }
  b: { children: [a], hosts: [h] }
`),
    ).toEqual([
      "inventory/i.yaml:3:19: groups.a.children[0]: expected a string, got a number (7)",
      "inventory/i.yaml:3:22: groups.a.children[1]: group children form a cycle: a -> b -> a",
    ]);
  });
});
