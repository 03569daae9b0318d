import { describe, expect, it } from "vitest";
import { projectProblems } from "./temp-project.js";

const handler = (name: string, listen = "") => `- name: ${name}\n  command: echo ${name.replace(/ /g, "-")}\n${listen}`;
const role = (name: string, handlers: string) => ({
  [`roles/${name}/tasks/main.yaml`]: `- command: echo ${name}\n  notify: restart app\n`,
  [`roles/${name}/handlers/main.yaml`]: handlers,
});

describe("two handlers of one play with the same name", () => {
  it("a role's and the play's: refused at the play's, naming the role's (a notify would run both)", async () => {
    expect(
      await projectProblems({
        ...role("app", handler("restart app")),
        "playbooks/site.yaml": "- name: Web\n  hosts: web\n  roles: [app]\n  handlers:\n    - name: restart app\n      command: echo again\n",
      }),
    ).toEqual([
      "playbooks/site.yaml:5:13: [0].handlers[0].name: handler `restart app` is also defined in role `app` (roles/app/handlers/main.yaml:1:9): " +
        "a notify of this name would run both; rename one (to run both on one notify, give them the same `listen` name)",
    ]);
  });

  it("two roles', and twice in one role; reported once however many plays use them", async () => {
    const problems = await projectProblems({
      ...role("app", handler("restart app")),
      ...role("api", handler("restart app")),
      ...role("web", handler("reload") + handler("reload")),
      "playbooks/site.yaml": "- hosts: web\n  roles: [app, api]\n- hosts: db\n  roles: [app, api, web]\n",
    });
    expect(problems).toEqual([
      "roles/api/handlers/main.yaml:1:9: [0].name: handler `restart app` is also defined in role `app` (roles/app/handlers/main.yaml:1:9): " +
        "a notify of this name would run both; rename one (to run both on one notify, give them the same `listen` name)",
      "roles/web/handlers/main.yaml:3:9: [1].name: handler `reload` is also defined in role `web` (roles/web/handlers/main.yaml:1:9): " +
        "a notify of this name would run both; rename one (to run both on one notify, give them the same `listen` name)",
    ]);
  });

  it("is fine: one role listed twice, the same name in two plays, a name shared through `listen`", async () => {
    expect(
      await projectProblems({
        ...role("app", handler("restart app")),
        ...role("api", handler("restart api", "  listen: [restart app]\n")),
        "playbooks/site.yaml":
          "- hosts: web\n  roles: [app, { role: app, vars: { x: 1 } }, api]\n- hosts: db\n  tasks: [{ command: echo, notify: restart app }]\n  handlers:\n    - name: restart app\n      command: echo db\n",
      }),
    ).toEqual([]);
  });
});
