import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import type { Evaluator } from "../../../src/engine/evaluator.js";
import type { Facts } from "../../../src/facts/types.js";
import { createEvaluator } from "../../../src/template/evaluator.js";
import { tempProject } from "../config/temp-project.js";

const facts = { os: { id: "debian", version: "12", codename: "bookworm", family: ["debian"] } } as Facts;

async function project() {
  const dir = tempProject({
    "inventory/i.yaml": `vars: { app_port: 3000 }
hosts:
  web-01: { address: 10.0.0.11 }
  web-02: { address: 10.0.0.12, vars: { app_port: 3001 } }
groups:
  app: { hosts: [web-01, web-02] }
`,
    "roles/app/tasks/main.yaml": "- template: { src: upstream.ejs, dest: /etc/upstream }\n",
    "roles/app/defaults/main.yaml": "upstream_name: app\n",
    "roles/app/templates/upstream.ejs": "upstream <%- upstream_name %> {\n<% groups.app.forEach(h => { -%>\n  server <%- hosts[h].address %>:<%- hosts[h].vars.app_port %>;\n<% }) -%>\n}\n",
    "playbooks/site.yaml": "- hosts: app\n  roles: [{ role: app, vars: { upstream_name: backends } }]\n",
  });
  return { dir, project: await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }) };
}

describe("createEvaluator (the engine's Evaluator)", () => {
  it("builds per-host scopes, renders values and templates, tests conditions", async () => {
    const { dir, project: p } = await project();
    const evaluator: Evaluator = createEvaluator(p);
    const play = p.playbook.plays[0]!;
    const roleRef = play.roles[0]!;
    const web2 = p.inventory.hosts.get("web-02")!;
    const scope = evaluator.scope({ host: web2, play, roleRef, facts, registered: { r: { rc: 0 } }, item: { value: 7 } });
    expect(evaluator.render("{{ app_port }}-{{ item }}-{{ r.rc }}-{{ upstream_name }}", scope, "t")).toBe("3001-7-0-backends");
    expect(evaluator.test("facts.os.id == 'debian' && host.name == 'web-02'", scope, "t")).toBe(true);
    expect(await evaluator.renderTemplateFile(path.join(dir, "roles/app/templates/upstream.ejs"), scope)).toBe(
      "upstream backends {\n  server 10.0.0.11:3000;\n  server 10.0.0.12:3001;\n}\n",
    );
    const outsideRole = evaluator.scope({ host: web2, play, facts, registered: {} });
    expect(evaluator.render("{{ upstream_name }}", outsideRole, "t")).toBe("app");
    expect(() => evaluator.render("{{ item }}", outsideRole, "site.yaml:1:1: loop")).toThrow("site.yaml:1:1: loop: undefined variable `item` in `item`");
  });

  it("merges a host's vars once per play and role reference", async () => {
    const { project: p } = await project();
    const evaluator = createEvaluator(p);
    const play = p.playbook.plays[0]!;
    const first = evaluator.vars("web-01", play, play.roles[0]);
    expect(evaluator.vars("web-01", play, play.roles[0])).toBe(first);
    expect(evaluator.vars("web-01", play)).not.toBe(first);
  });
});

describe("vars that use other vars", () => {
  async function projectWith(vars: string) {
    const dir = tempProject({
      "inventory/i.yaml": `vars:\n${vars}\nhosts:\n  web-01: { address: 10.0.0.11 }\n  db-01: { address: 10.0.0.21 }\ngroups:\n  db: { hosts: [db-01] }\n`,
      "roles/r/tasks/main.yaml": "[]\n",
      "roles/r/templates/t.ejs": "url=<%- app_url %>\n",
      "roles/r/templates/bad.ejs": "x=<%- uses_item %>\n",
      "roles/r/templates/unused.ejs": "port=<%- app_port %>\n",
      "playbooks/site.yaml": "- hosts: all\n  roles: [r]\n",
    });
    const p = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" });
    const evaluator = createEvaluator(p);
    const play = p.playbook.plays[0]!;
    const scope = (registered = {}) => evaluator.scope({ host: p.inventory.hosts.get("web-01")!, play, facts, registered });
    return { dir, evaluator, scope };
  }

  it("renders a var's own {{ }} when it is read, in the reading host's context", async () => {
    const { dir, evaluator, scope } = await projectWith(
      `  app_port: 3000\n  app_url: "http://{{ host.address }}:{{ app_port }}"\n  db_host: "{{ hosts[groups.db[0]].address }}"\n  ports: ["{{ app_port }}", 22]\n  uses_item: "{{ item }}"`,
    );
    const s = scope();
    expect(evaluator.render("{{ app_url }}", s, "t")).toBe("http://10.0.0.11:3000");
    expect(evaluator.render("{{ db_host }}", s, "t")).toBe("10.0.0.21");
    expect(evaluator.render("{{ ports }}", s, "t")).toEqual([3000, 22]);
    expect(evaluator.render("{{ vars.app_url }}", s, "t")).toBe("http://10.0.0.11:3000");
    expect(await evaluator.renderTemplateFile(path.join(dir, "roles/r/templates/t.ejs"), s)).toBe("url=http://10.0.0.11:3000\n");
    // A var that cannot render here only fails when it is used.
    expect(await evaluator.renderTemplateFile(path.join(dir, "roles/r/templates/unused.ejs"), s)).toBe("port=3000\n");
    await expect(evaluator.renderTemplateFile(path.join(dir, "roles/r/templates/bad.ejs"), s)).rejects.toThrow(/bad\.ejs:1: var `uses_item`: undefined variable `item`/);
    expect(() => evaluator.render("{{ uses_item }}", s, "site.yaml:2:3: cmd")).toThrow("site.yaml:2:3: cmd: var `uses_item`: undefined variable `item` in `item`");
  });

  it("JSON.stringify(vars) gives the rendered vars (its probe for toJSON is no undefined variable)", async () => {
    const { evaluator, scope } = await projectWith(`  a: 1\n  b: "x{{ a }}"`);
    expect(evaluator.render("{{ JSON.stringify(vars) }}", scope(), "t")).toContain('"a":1,"b":"x1"');
  });

  it("reports a var that refers to itself", async () => {
    const { evaluator, scope } = await projectWith(`  a: "{{ b }}"\n  b: "x{{ a }}"`);
    expect(() => evaluator.render("{{ a }}", scope(), "t")).toThrow(/refers to itself \(a -> b -> a\)/);
  });

  it("never renders registered results (command output may contain {{ }})", async () => {
    const { evaluator, scope } = await projectWith(`  app_port: 3000`);
    const s = scope({ out: { stdout: "{{ app_port }}" } });
    expect(evaluator.render("{{ out.stdout }}", s, "t")).toBe("{{ app_port }}");
  });
});
