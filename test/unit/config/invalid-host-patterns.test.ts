// A host with an invalid field is reported, and left out of the inventory; a play naming it (or its group,
// or `all`) is not wrong, and must not get a second, misleading "not a host" or "matches no host".
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { problemLines, tempProject } from "./temp-project.js";

const INVENTORY = `hosts:
  web-01: { address: 10.0.0.11, port: "22x" }
  db-01: { address: 10.0.0.21, colour: red }
groups:
  web: { hosts: [web-01] }
  db: { children: [web] }
`;

async function problemsOf(playbook: string): Promise<string[]> {
  const dir = tempProject({ "inventory/i.yaml": INVENTORY, "playbooks/site.yaml": playbook });
  return problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }));
}

const HOST_PROBLEMS = [
  'inventory/i.yaml:2:39: hosts.web-01.port: expected a number, got a string ("22x")',
  "inventory/i.yaml:3:32: hosts.db-01.colour: unknown key `colour`",
];

describe("a play naming a host whose definition is invalid", () => {
  it("reports the host's problem only: by name, by group (through children), by glob, and `all`", async () => {
    const plays = ["web-01", "web", "db", "web-*", "all", "all:!db-01", "web:&db"].map((hosts) => `- hosts: "${hosts}"\n  tasks: []\n`);
    expect(await problemsOf(plays.join(""))).toEqual(HOST_PROBLEMS);
  });

  it("a name the inventory does not declare is still reported", async () => {
    expect(await problemsOf("- hosts: web-02\n  tasks: []\n- hosts: web:&nothing\n  tasks: []\n")).toEqual([
      ...HOST_PROBLEMS,
      "playbooks/site.yaml:1:10: [0].hosts: `web-02` is not a host or group of the inventory, did you mean `web-01`?",
      "playbooks/site.yaml:3:10: [1].hosts: `nothing` is not a host or group of the inventory",
    ]);
  });

  it("a pattern that selects none of the declared hosts still matches no host", async () => {
    expect(await problemsOf("- hosts: web:!web-01\n  tasks: []\n")).toEqual([
      ...HOST_PROBLEMS,
      "playbooks/site.yaml:1:10: [0].hosts: pattern `web:!web-01` matches no host of i.yaml",
    ]);
  });
});
