import { describe, expect, it } from "vitest";
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
