// The templates of a play's own tasks (the project's templates/) get the checks a role's get when the
// project loads, instead of failing when they render, on every host.
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { INVENTORY, problemLines, projectProblems, tempProject } from "./temp-project.js";

const OWN_TASK = "- hosts: all\n  tasks:\n    - template: { src: motd.ejs, dest: /etc/motd }\n";

describe("the project's own templates", () => {
  it("an EJS syntax error, bytes that are not UTF-8, a missing include: at load time, at the template's line", async () => {
    const dir = tempProject({
      "inventory/i.yaml": INVENTORY,
      "playbooks/site.yaml": `${OWN_TASK}    - template: { src: latin1.ejs, dest: /etc/l }\n  handlers:\n    - name: banner\n      template: { src: banner.ejs, dest: /etc/b }\n`,
      "templates/motd.ejs": "hello\n<%= app_port\n",
      "templates/latin1.ejs": Buffer.from("caf\xe9\n", "latin1"),
      "templates/banner.ejs": "a\n<%- include('nope.ejs') %>\n",
    });
    expect(await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }))).toEqual([
      "templates/banner.ejs:2:1: include 'nope.ejs' not found",
      expect.stringMatching(/^templates\/latin1\.ejs:1:4: not UTF-8 text \(byte 0xe9\)/),
      "templates/motd.ejs:2:1: invalid EJS template: a `<%` without its closing `%>`",
    ]);
  });

  it("a playbook of roles alone does not check them: only a play's own tasks render them", async () => {
    expect(
      await projectProblems({
        "playbooks/site.yaml": "- hosts: all\n  roles: [base]\n",
        "roles/base/tasks/main.yaml": "[]\n",
        "templates/motd.ejs": "hello\n<%= app_port\n",
      }),
    ).toEqual([]);
  });

  it("only the ones a task or handler names: another file of templates/ (a Jekyll page with `<%`) is no template of this run", async () => {
    expect(
      await projectProblems({
        "playbooks/site.yaml": OWN_TASK,
        "templates/motd.ejs": "port <%= app_port %>\n",
        "templates/site/_layouts/page.html": "<% unclosed {% if page.title %}\n",
        "templates/latin1.txt": "caf\xe9 <%\n",
      }),
    ).toEqual([]);
  });

  it("valid ones load", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": OWN_TASK, "templates/motd.ejs": "port <%= app_port %>\n" })).toEqual([]);
  });
});

describe("the project's own templates/ and files/ in messages", () => {
  it("are named relative to the project, as a role's are", async () => {
    expect(
      await projectProblems({
        "playbooks/site.yaml": [
          "- hosts: all",
          "  roles: [base]",
          "  tasks:",
          "    - template: { src: motd.ejs, dest: /etc/motd }",
          "    - copy: { src: nope.txt, dest: /etc/x }",
          "    - copy: { src: ../x, dest: /etc/y }",
          "",
        ].join("\n"),
        "roles/base/tasks/main.yaml": "- template: { src: motd.ejs, dest: /etc/motd }\n",
        "templates/mot.ejs": "hi\n",
      }),
    ).toEqual([
      "playbooks/site.yaml:4:24: [0].tasks[0].template.src: template `motd.ejs` not found in templates/, did you mean `mot.ejs`?",
      "playbooks/site.yaml:5:20: [0].tasks[1].copy.src: file `nope.txt` not found in files/",
      "playbooks/site.yaml:6:20: [0].tasks[2].copy.src: `../x` must be a path inside files/ (no `..`, not absolute)",
      "roles/base/tasks/main.yaml:1:20: [0].template.src: template `motd.ejs` not found in roles/base/templates/",
    ]);
  });
});
