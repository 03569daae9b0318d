// Ansible's one-line command/shell with inline arguments (`shell: make creates=/x`, `command: pwd
// chdir=/tmp`): deploy would run the words as part of the command (every time, in the wrong directory),
// so they are refused when the project loads, with the map form to write.
import { describe, expect, it } from "vitest";
import { commandSchema } from "../../../src/modules/command.js";
import { inlineArgsMessage } from "../../../src/modules/lib/inline-args.js";
import { shellSchema } from "../../../src/modules/shell.js";
import { projectProblems } from "../config/temp-project.js";

describe("inlineArgsMessage", () => {
  it.each<[string, "command" | "shell", string]>([
    ["echo run >> f creates=/tmp/f", "shell", '`creates=/tmp/f` is an Ansible inline argument; deploy reads none and would run it as part of the command: write `shell: { cmd: "echo run >> f", creates: /tmp/f }` (a word the command itself needs is quoted: \'creates=/tmp/f\')'],
    ["pwd chdir=/tmp", "command", '`chdir=/tmp` is an Ansible inline argument; deploy reads none and would run it as part of the command: write `command: { cmd: "pwd", chdir: /tmp }` (a word the command itself needs is quoted: \'chdir=/tmp\')'],
    ["chdir=/srv make install PREFIX=/usr removes={{ f }} warn=no", "shell", '`chdir=/srv`, `removes={{ f }}`, `warn=no` are Ansible inline arguments; deploy reads none and would run them as part of the command: write `shell: { cmd: "make install PREFIX=/usr", chdir: /srv, removes: "{{ f }}" }`; deploy has no `warn`: leave it out (a word the command itself needs is quoted: \'chdir=/srv\')'],
    ["ls executable=/bin/bash", "command", "`executable=/bin/bash` is an Ansible inline argument; deploy reads none and would run it as part of the command; `command` runs no shell, so it has no `executable`: use `shell: { cmd: ..., executable: /bin/bash }` (a word the command itself needs is quoted: 'executable=/bin/bash')"],
  ])("%s (%s)", (cmd, module, message) => {
    expect(inlineArgsMessage(cmd, module)).toBe(message);
  });

  it.each([
    ["echo 'chdir=/tmp'"],
    ['echo "creates=/x"'],
    ["make install PREFIX=/usr"],
    ["FOO=1 ./run.sh"],
    ["dd if=/dev/zero of=/tmp/x count=1"],
    ["echo creates=/x done"],
    ["creates=/x"],
    // The shell's own statements: a pair ending in `;`, or pairs an operator follows or precedes.
    ["chdir=/tmp; cd $chdir && pwd"],
    ["chdir=/tmp && cd $chdir"],
    ["A=1 chdir=/tmp; make"],
    ["chdir=/tmp ; pwd"],
    ["cd /srv; creates=/x"],
    ["cd /srv && creates=/x warn=no"],
    ["echo x creates=/x;"],
  ])("leaves %s to the command", (cmd) => {
    expect(inlineArgsMessage(cmd, "shell")).toBeUndefined();
  });

  it("still refuses inline arguments around a command that has operators of its own", () => {
    expect(inlineArgsMessage("chdir=/srv make; make install", "shell")).toMatch(/^`chdir=\/srv` is an Ansible inline argument; .*cmd: "make; make install", chdir: \/srv/);
    expect(inlineArgsMessage("make && make install creates=/usr/bin/x", "shell")).toMatch(/^`creates=\/usr\/bin\/x` is an Ansible inline argument/);
  });

  it("is an issue of both schemas, at the parameters (a cmd with {{ }} is not left for run time)", () => {
    const issue = commandSchema.safeParse({ cmd: "echo {{ x }} chdir=/tmp" }).error?.issues[0];
    expect(issue?.path).toEqual([]);
    expect(issue?.message).toMatch(/^`chdir=\/tmp` is an Ansible inline argument/);
    expect(shellSchema.safeParse({ cmd: "make creates=/x" }).success).toBe(false);
    expect(shellSchema.safeParse({ cmd: "make", creates: "/x" }).success).toBe(true);
  });
});

describe("a project using them", () => {
  it("does not load: each task located at its command", async () => {
    const lines = await projectProblems({
      "playbooks/site.yaml": [
        "- hosts: all",
        "  tasks:",
        "    - shell: echo run >> f creates=/tmp/f",
        '    - command: "echo {{ app_port }} chdir=/srv"',
        "    - command: { cmd: pwd, chdir: /tmp }",
        "",
      ].join("\n"),
    });
    expect(lines.map((l) => l.replace(/ is an Ansible .*/, ""))).toEqual([
      "playbooks/site.yaml:3:14: [0].tasks[0].shell: `creates=/tmp/f`",
      "playbooks/site.yaml:4:16: [0].tasks[1].command: `chdir=/srv`",
    ]);
  });
});
