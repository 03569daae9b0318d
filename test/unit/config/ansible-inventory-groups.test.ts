// Ansible's YAML inventory written without `all:` (top-level groups, `webservers: { hosts: { web1: ... } }`)
// got a bare "unknown key `webservers`" per group, where `all:` said the whole file is Ansible's shape.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import { problemLines, tempProject } from "./temp-project.js";

async function inventoryProblems(text: string): Promise<string[]> {
  const dir = tempProject({ "inventory/i.yaml": text });
  return problemLines(dir, () => loadInventory(path.join(dir, "inventory/i.yaml")));
}

describe("top-level keys that hold a group", () => {
  it("Ansible's groups (maps of hosts or children) say the file is Ansible's shape, with deploy's", async () => {
    expect(await inventoryProblems(`webservers:
  hosts:
    web1: { ansible_host: 10.0.0.11 }
    web2:
  vars: { http_port: 80 }
prod:
  children:
    webservers:
`)).toEqual([
      "inventory/i.yaml:1:1: webservers: unknown key `webservers`: this is a group of Ansible's YAML inventory (`webservers: { hosts, children, vars }`); deploy's has top-level `hosts:` (each with `address:`), `groups:` (`webservers: { hosts: [web1, web2] }`, `children:` a list) and `vars:`, see docs/config.md",
      "inventory/i.yaml:6:1: prod: unknown key `prod`: this is a group of Ansible's YAML inventory (`prod: { hosts, children, vars }`); deploy's has top-level `hosts:` (each with `address:`), `groups:` (`prod: { hosts: [...] }`, `children:` a list) and `vars:`, see docs/config.md",
    ]);
  });

  it("deploy's group written outside groups: says where it goes; the rest of the file is still checked", async () => {
    expect(await inventoryProblems("web:\n  hosts: [web-01]\nhosts:\n  web-01: { address: 10.0.0.11, colour: red }\n")).toEqual([
      "inventory/i.yaml:1:1: web: unknown key `web`: a group goes under `groups:` (`groups: { web: { hosts: [...] } }`)",
      "inventory/i.yaml:4:33: hosts.web-01.colour: unknown key `colour`",
    ]);
  });

  it("other unknown keys keep their message, `all:` its own; deploy's inventory with groups still loads", async () => {
    expect(await inventoryProblems("colour: { shade: red }\nhostz: {}\nall:\n  hosts: {}\n")).toEqual([
      "inventory/i.yaml:1:1: colour: unknown key `colour`",
      "inventory/i.yaml:2:1: hostz: unknown key `hostz`, did you mean `hosts`?",
      "inventory/i.yaml:3:1: all: unknown key `all`: this is Ansible's YAML inventory (`all: { hosts, children, vars }`); deploy's has top-level `hosts:` (each with `address:`), `groups:` (`hosts:`/`children:` lists) and `vars:`, see docs/config.md",
    ]);
    expect(await inventoryProblems(`vars: { http_port: 80 }
hosts:
  web-01: { address: 10.0.0.11, vars: { tier: a } }
groups:
  web: { hosts: [web-01], vars: { x: 1 } }
  prod: { children: [web] }
`)).toEqual([]);
  });
});
