// A mode given as one var whose value was written unquoted (`file_mode: 0644`, the number 644) is reported at
// the var's definition when the project loads, not per host when the task renders.
import { describe, expect, it } from "vitest";
import { projectProblems } from "./temp-project.js";

const HINT = 'mode must be a quoted string such as "0644" (unquoted, YAML reads 644 as a decimal number)';

const OWN_TASK = (mode: string) => `- hosts: all\n  tasks:\n    - file: { path: /etc/x, state: touch, mode: ${mode} }\n`;
const inventory = (extra: string) => `vars:\n  app_port: 3000\n${extra}hosts:\n  web-01: { address: 10.0.0.11 }\n  db-01: { address: 10.0.0.21, vars: { db_mode: 0600 } }\ngroups:\n  db: { hosts: [db-01], vars: { conf_mode: 0640 } }\n`;

describe("a mode given as one var written as a number", () => {
  it("is reported at the inventory var, with the quoting hint and the task that uses it", async () => {
    expect(await projectProblems({ "inventory/i.yaml": inventory("  file_mode: 0644\n"), "playbooks/site.yaml": OWN_TASK('"{{ file_mode }}"') })).toEqual([
      `inventory/i.yaml:3:14: vars.file_mode: \`file_mode\` is used as a mode (playbooks/site.yaml:3:49: [0].tasks[0].file.mode): ${HINT}`,
    ]);
  });

  it("at the group's and the host's var, for the hosts that see them", async () => {
    const playbook = "- hosts: db\n  tasks:\n    - file: { path: /etc/a, mode: '{{ conf_mode }}' }\n    - file: { path: /etc/b, mode: '{{db_mode}}' }\n";
    const lines = await projectProblems({ "inventory/i.yaml": inventory(""), "playbooks/site.yaml": playbook });
    expect(lines).toEqual([
      `inventory/i.yaml:5:49: hosts.db-01.vars.db_mode: \`db_mode\` is used as a mode (playbooks/site.yaml:4:35: [0].tasks[1].file.mode): ${HINT.replace("644 as", "600 as")}`,
      `inventory/i.yaml:7:44: groups.db.vars.conf_mode: \`conf_mode\` is used as a mode (playbooks/site.yaml:3:35: [0].tasks[0].file.mode): ${HINT.replace("644 as", "640 as")}`,
    ]);
  });

  it("at the play's var, which wins over the inventory's; once however many tasks and hosts use it", async () => {
    const playbook = "- hosts: all\n  vars: { file_mode: 644 }\n  roles: [base]\n  tasks:\n    - file: { path: /etc/x, mode: '{{ file_mode }}' }\n";
    const role = "- template: { src: a.ejs, dest: /etc/a, mode: '{{ file_mode }}' }\n";
    expect(
      await projectProblems({
        "inventory/i.yaml": inventory('  file_mode: "0644"\n'),
        "playbooks/site.yaml": playbook,
        "roles/base/tasks/main.yaml": role,
        "roles/base/templates/a.ejs": "a\n",
      }),
    ).toEqual([`playbooks/site.yaml:2:22: [0].vars.file_mode: \`file_mode\` is used as a mode (roles/base/tasks/main.yaml:1:47: [0].template.mode and 1 more): ${HINT}`]);
  });

  it("written as YAML's octal (0o755) or hex, is said to be a number read right, with the string to write", async () => {
    const lines = await projectProblems({ "inventory/i.yaml": inventory("  file_mode: 0o755\n  dir_mode: 0x1ed\n"), "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - file: { path: /etc/x, mode: '{{ file_mode }}' }\n    - file: { path: /etc/y, mode: '{{ dir_mode }}' }\n" });
    expect(lines).toEqual([
      'inventory/i.yaml:3:14: vars.file_mode: `file_mode` is used as a mode (playbooks/site.yaml:3:35: [0].tasks[0].file.mode): mode must be a quoted string: `0o755` is an octal number, which YAML turned into the number 493 (the mode 0755); write it quoted: "0755"',
      'inventory/i.yaml:4:13: vars.dir_mode: `dir_mode` is used as a mode (playbooks/site.yaml:4:35: [0].tasks[1].file.mode): mode must be a quoted string: `0x1ed` is a hexadecimal number, which YAML turned into the number 493 (the mode 0755); write it quoted: "0755"',
    ]);
  });

  it("is left to the run when the value is a string, set elsewhere, or not one plain var", async () => {
    const cases: Array<[string, Record<string, string>, string[]?]> = [
      ["a quoted value", { "inventory/i.yaml": inventory('  file_mode: "0644"\n'), "playbooks/site.yaml": OWN_TASK('"{{ file_mode }}"') }],
      ["an expression", { "inventory/i.yaml": inventory("  file_mode: 0644\n"), "playbooks/site.yaml": OWN_TASK('"{{ file_mode.toString(8) }}"') }],
      ["not a mode", { "inventory/i.yaml": inventory("  file_mode: 0644\n"), "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - file: { path: '/etc/{{ file_mode }}', state: touch }\n" }],
      ["a host that never runs it", { "inventory/i.yaml": inventory(""), "playbooks/site.yaml": "- hosts: web-01\n  tasks:\n    - file: { path: /etc/b, mode: '{{ db_mode }}' }\n" }],
      ["overridden by -e", { "inventory/i.yaml": inventory("  file_mode: 0644\n"), "playbooks/site.yaml": OWN_TASK('"{{ file_mode }}"') }, ['file_mode="0644"']],
      ["a registered result", { "inventory/i.yaml": inventory("  file_mode: 0644\n"), "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - { command: echo, register: file_mode }\n    - file: { path: /etc/x, mode: '{{ file_mode }}' }\n" }],
    ];
    for (const [what, files, extra] of cases) expect(await projectProblems(files, extra), what).toEqual([]);
  });
});

describe("a mode written as a number straight in a task", () => {
  it("0o755 and 0x1ed are said to be the octal and hex numbers they are; 0755 is YAML 1.2's decimal 755", async () => {
    const playbook = "- hosts: all\n  tasks:\n    - file: { path: /a, mode: 0o755 }\n    - file: { path: /b, mode: 0x1ed }\n    - file: { path: /c, mode: 0755 }\n    - copy: { content: x, dest: /d, mode: 0o640 }\n";
    expect(await projectProblems({ "playbooks/site.yaml": playbook })).toEqual([
      'playbooks/site.yaml:3:31: [0].tasks[0].file.mode: mode must be a quoted string: `0o755` is an octal number, which YAML turned into the number 493 (the mode 0755); write it quoted: "0755"',
      'playbooks/site.yaml:4:31: [0].tasks[1].file.mode: mode must be a quoted string: `0x1ed` is a hexadecimal number, which YAML turned into the number 493 (the mode 0755); write it quoted: "0755"',
      'playbooks/site.yaml:5:31: [0].tasks[2].file.mode: mode must be a quoted string such as "0644" (unquoted, YAML reads 755 as a decimal number)',
      'playbooks/site.yaml:6:43: [0].tasks[3].copy.mode: mode must be a quoted string: `0o640` is an octal number, which YAML turned into the number 416 (the mode 0640); write it quoted: "0640"',
    ]);
  });

  it("quoted, it loads", async () => {
    expect(await projectProblems({ "playbooks/site.yaml": "- hosts: all\n  tasks:\n    - file: { path: /a, mode: '0755' }\n    - file: { path: /b, mode: \"0o755\" }\n" })).toEqual([
      'playbooks/site.yaml:4:31: [0].tasks[1].file.mode: mode must be octal digits such as "0644" or "2755"',
    ]);
  });
});
