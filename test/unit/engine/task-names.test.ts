// `{{ }}` in a task's name is rendered for the host, as in every other string of a task; a name that cannot
// be rendered yet (`item`) is shown as written; braces in other forms are plain text.
import { describe, expect, it } from "vitest";
import { projectProblems } from "../config/temp-project.js";
import { fakeFleet, loadTemp, runFake } from "./fake-hosts.js";

describe("a task's name", () => {
  it("renders {{ }} for the host; keeps `item` (not known when the task starts), other braces and handler names as written", async () => {
    const project = await loadTemp({
      "inventory/hosts.yaml": "vars:\n  app_port: 3000\nhosts:\n  a: { address: 10.0.0.1 }\n",
      "playbooks/site.yaml": [
        "- hosts: all",
        "  tasks:",
        "    - name: \"Open port {{ app_port }} on {{ host.name }}\"",
        "      command: echo open",
        "      notify: \"Restart {{ app }}\"",
        "    - name: \"Install {{ item }}\"",
        "      command: echo \"{{ item }}\"",
        "      loop: [nginx]",
        "    - name: \"Set {a,b} in ${HOME} and { x }\"",
        "      command: echo plain",
        "    - name: \"Port {{ nope }}\"",
        "      command: echo nope",
        "  handlers:",
        "    - name: \"Restart {{ app }}\"",
        "      command: echo restart",
        "",
      ].join("\n"),
    });
    const { events } = await runFake(project, fakeFleet());
    const names = events.flatMap((e) => (e.type === "task-start" ? [e.task.name] : []));
    expect(names).toEqual(["Open port 3000 on a", "Install {{ item }}", "Set {a,b} in ${HOME} and { x }", "Port {{ nope }}", "Restart {{ app }}"]);
  });

  it("is syntax-checked at load like other fields, with the Jinja hint", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - name: \"Restart {{ a and b }}\"\n      command: echo x\n" })).toEqual([
      "playbooks/site.yaml:3:13: [0].tasks[0].name: invalid expression `a and b`: Unexpected identifier 'and'; `and` / `or` are `&&` / `||` here",
    ]);
  });
});
