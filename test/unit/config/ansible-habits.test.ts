// Files and keys an Ansible user writes by habit: each is refused at load with the deploy way, never ignored
// (a group_vars/ file ignored made `plan` report "no changes" over the wrong values).
import { symlinkSync } from "node:fs";
import path from "node:path";
import { EJS_HINT } from "../../../src/config/jinja-templates.js";
import { describe, expect, it } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import { loadProject } from "../../../src/config/project.js";
import { INVENTORY, problemLines, projectProblems, tempProject } from "./temp-project.js";

const WEB_ROLE = { "roles/web/tasks/main.yaml": '- command: "true"\n' };
const SITE = "- hosts: web\n  roles: [web]\n";

describe("Ansible's files that deploy does not read are refused", () => {
  it("group_vars/ and host_vars/ beside the inventory, the playbook or in the project", async () => {
    const lines = await projectProblems({
      ...WEB_ROLE,
      "playbooks/site.yaml": SITE,
      "inventory/group_vars/web.yml": "web_port: 7070\n",
      "inventory/group_vars/all/main.yml": "a: 1\n",
      "inventory/host_vars/web-01.yaml": "web_root: /srv\n",
      "inventory/group_vars/.gitkeep": "",
      // Ansible reads .yml, .yaml, .json and names without an extension; a README is no vars file.
      "inventory/group_vars/README.md": "# Group vars\n",
      "inventory/host_vars/notes.txt": "todo\n",
      "inventory/group_vars/db": "x: 1\n",
      "inventory/group_vars/app.json": "{\"x\": 1}\n",
      "group_vars/all.yml": "web_port: 7171\n",
      "playbooks/host_vars/db-01.yml": "x: 1\n",
    });
    expect(lines).toEqual([
      "group_vars/all.yml:1:1: deploy does not read group_vars/: put these vars under the inventory's top-level `vars:`, or list this file in its `settings.vars_files`",
      "inventory/group_vars/all/main.yml:1:1: deploy does not read group_vars/: put these vars under the inventory's top-level `vars:`, or list this file in its `settings.vars_files`",
      "inventory/group_vars/app.json:1:1: deploy does not read group_vars/: put these vars under `groups.app.vars` in the inventory",
      "inventory/group_vars/db:1:1: deploy does not read group_vars/: put these vars under `groups.db.vars` in the inventory",
      "inventory/group_vars/web.yml:1:1: deploy does not read group_vars/: put these vars under `groups.web.vars` in the inventory",
      "inventory/host_vars/web-01.yaml:1:1: deploy does not read host_vars/: put these vars under `hosts.web-01.vars` in the inventory",
      "playbooks/host_vars/db-01.yml:1:1: deploy does not read host_vars/: put these vars under `hosts.db-01.vars` in the inventory",
    ]);
  });

  it("the inventory's own group_vars/ when the inventory is loaded alone (deploy inventory, lab)", async () => {
    const dir = tempProject({ "inventory/i.yaml": INVENTORY, "inventory/group_vars/db.yml": "x: 1\n" });
    expect(await problemLines(dir, () => loadInventory(path.join(dir, "inventory/i.yaml")))).toEqual([
      "inventory/group_vars/db.yml:1:1: deploy does not read group_vars/: put these vars under `groups.db.vars` in the inventory",
    ]);
  });

  it("a used role's vars/main.yml and meta/main.yml dependencies; meta without dependencies is left alone", async () => {
    const lines = await projectProblems({
      ...WEB_ROLE,
      "roles/web/vars/main.yml": "app_user: www-data\n",
      "roles/web/meta/main.yml": "galaxy_info: { author: me }\ndependencies:\n  - role: common\n  - base\n",
      "roles/db/tasks/main.yaml": "[]\n",
      "roles/db/meta/main.yaml": "galaxy_info: { author: me }\ndependencies: []\n",
      "roles/unused/tasks/main.yaml": "[]\n",
      "roles/unused/vars/main.yaml": "a: 1\n",
      "playbooks/site.yaml": "- hosts: web\n  roles: [web, db]\n",
    });
    expect(lines).toEqual([
      "roles/web/meta/main.yml:2:1: dependencies: deploy does not run a role's dependencies: list `common`, `base` before `web` in the play's `roles:`",
      "roles/web/vars/main.yml:1:1: deploy does not read a role's vars/: move these vars to roles/web/defaults/main.yaml (lowest precedence), or to the play (`vars:`, or `roles: [{ role: web, vars: {...} }]`, which wins over the inventory as Ansible's role vars do)",
    ]);
  });

  it("a vars/main.yml that sets nothing is left alone; dependencies the plays already run first are accepted", async () => {
    const lines = await projectProblems({
      ...WEB_ROLE,
      "roles/web/vars/main.yml": "# nothing here yet\n",
      "roles/web/meta/main.yml": "dependencies: [common]\n",
      "roles/common/tasks/main.yaml": "[]\n",
      "roles/common/vars/main.yaml": "{}\n",
      "roles/db/tasks/main.yaml": "[]\n",
      "roles/db/vars/main.yml": "---\n",
      "roles/db/meta/main.yml": "dependencies: [common, { role: base }]\n",
      "roles/base/tasks/main.yaml": "[]\n",
      "playbooks/site.yaml": "- hosts: web\n  roles: [common, web, db]\n- hosts: web\n  roles: [base, common, db]\n",
    });
    // db's `common` is met by both plays, `base` only by the second: only `base` is asked for.
    expect(lines).toEqual(["roles/db/meta/main.yml:1:1: dependencies: deploy does not run a role's dependencies: list `base` before `db` in the play's `roles:`"]);
    // A play that uses web without common first still needs it.
    expect(
      await projectProblems({ ...WEB_ROLE, "roles/web/meta/main.yml": "dependencies: [common]\n", "roles/common/tasks/main.yaml": "[]\n", "playbooks/site.yaml": "- hosts: web\n  roles: [common, web]\n- hosts: web\n  roles: [web]\n" }),
    ).toEqual(["roles/web/meta/main.yml:1:1: dependencies: deploy does not run a role's dependencies: list `common` before `web` in the play's `roles:`"]);
  });
});

describe("Jinja templates", () => {
  it("a template named *.j2 is refused where the task names it, and a Jinja statement where it is written", async () => {
    const lines = await projectProblems({
      "roles/web/tasks/main.yaml": "- template: { src: site.conf.j2, dest: /etc/a }\n- template: { src: b.conf.ejs, dest: /etc/b }\n",
      "roles/web/templates/site.conf.j2": "listen {{ web_port }};\n",
      "roles/web/templates/b.conf.ejs": "listen <%- 80 %>;\n  {% if web_port == 8081 %}\nx\n{% endif %}\n",
      "roles/web/templates/go.tmpl": "{{ .Name }} {{ web_port }}\n",
      "playbooks/site.yaml": SITE,
    });
    expect(lines).toEqual([
      "roles/web/tasks/main.yaml:1:20: [0].template.src: `site.conf.j2` is a Jinja template (Ansible's .j2): deploy's templates are EJS: `{{ x }}` is `<%- x %>`, `{% if x %}...{% endif %}` is `<% if (x) { %>...<% } %>`, `{% for h in list %}` is `<% for (const h of list) { %>`; rename it `site.conf.ejs` once rewritten",
      "roles/web/templates/b.conf.ejs:2:3: `{% if web_port == 8081 %}` is a Jinja statement, which EJS writes out as text: deploy's templates are EJS: `{{ x }}` is `<%- x %>`, `{% if x %}...{% endif %}` is `<% if (x) { %>...<% } %>`, `{% for h in list %}` is `<% for (const h of list) { %>` (for a literal `{%`, write `<%- '{%' %>`)",
    ]);
  });

  it("only templates a task names, and those they include, are read for Jinja; EJS tags' code is not; each file once", async () => {
    const jinja = (file: string, at: string, statement = "{% if x %}") => `${file}:${at}: \`${statement}\` is a Jinja statement, which EJS writes out as text: ${EJS_HINT} (for a literal \`{%\`, write \`<%- '{%' %>\`)`;
    const lines = await projectProblems({
      // Two tasks and a handler name a.conf.ejs; it includes part.ejs (no extension written).
      "roles/web/tasks/main.yaml": "- template: { src: a.conf.ejs, dest: /etc/a }\n- template: { src: ./a.conf.ejs, dest: /etc/a2 }\n- template: { src: printed.ejs, dest: /etc/p }\n- template: { src: literal.ejs, dest: /etc/l }\n",
      "roles/web/handlers/main.yaml": "- name: again\n  template: { src: a.conf.ejs, dest: /etc/a3 }\n",
      "roles/web/templates/a.conf.ejs": "x\n<%- include('sub/part') %>\n{% for a in b %}\n",
      "roles/web/templates/sub/part.ejs": "y\n{% if x %}1{% endif %}\n",
      // EJS printing the text on purpose; a literal <%% is text, so what follows it is checked.
      "roles/web/templates/printed.ejs": `<%- "{% if x %}" %>\n<%
  const s = '{% for a in b %}'
%>\n<%%- {{ x }} %>\n`,
      "roles/web/templates/literal.ejs": "<%% if (a) { %>\n{% if x %}\n",
      // Files no task renders: a Jekyll layout, a Home Assistant config, a Twig file.
      "roles/web/templates/jekyll/default.html": "{% if page.title %}<h1>{{ page.title }}</h1>{% endif %}\n",
      "roles/web/templates/ha/automations.yaml": "value_template: \"{% if is_state('sun.sun', 'above_horizon') %}on{% endif %}\"\n",
      "templates/page.twig": "{% if x %}\n",
      "playbooks/site.yaml": "- hosts: web\n  roles: [web]\n  tasks:\n    - command: \"true\"\n",
    });
    expect(lines).toEqual([
      jinja("roles/web/templates/a.conf.ejs", "3:1", "{% for a in b %}"),
      jinja("roles/web/templates/literal.ejs", "2:1"),
      jinja("roles/web/templates/sub/part.ejs", "2:1"),
    ]);
  });
});

describe("templates no task names literally", () => {
  it("are not read at load: a Jekyll page with `<%` under a role's templates/, and one an expression names, do not stop the project", async () => {
    expect(
      await projectProblems({
        "roles/web/tasks/main.yaml": '- template: { src: site.conf.ejs, dest: /etc/a }\n- template: { src: "{{ host.name }}.conf.ejs", dest: /etc/b }\n',
        "roles/web/templates/site.conf.ejs": "listen <%- app_port %>;\n",
        "roles/web/templates/web-01.conf.ejs": "<% if (x) { %>\n{% if y %}\n",
        "roles/web/templates/docs/_layouts/default.html": "<% raw ERB, not EJS\n{% if page.title %}{{ page.title }}{% endif %}\n",
        "playbooks/site.yaml": SITE,
      }),
    ).toEqual([]);
  });

  it("a named one with the same text is still refused, at its line", async () => {
    expect(
      await projectProblems({
        "roles/web/tasks/main.yaml": "- template: { src: default.html, dest: /etc/a }\n",
        "roles/web/templates/default.html": "a\n<% raw ERB, not EJS\n",
        "playbooks/site.yaml": SITE,
      }),
    ).toEqual(["roles/web/templates/default.html:2:1: invalid EJS template: a `<%` without its closing `%>`"]);
  });
});

describe("Ansible's inventory habits", () => {
  it("ansible_* as host keys and as vars at every level name the deploy key", async () => {
    const lines = await projectProblems({
      ...WEB_ROLE,
      "playbooks/site.yaml": SITE,
      "inventory/i.yaml": `vars:
  ansible_user: deploy
  ansible_python_interpreter: /usr/bin/python3
hosts:
  web-01: { address: 10.0.0.11, ansible_port: 2222, ansible_foo: 1, vars: { ansible_connection: local, ansible_foo: 1 } }
groups:
  web: { hosts: [web-01], vars: { ansible_become: true, ansible_ssh_private_key_file: k } }
`,
    });
    expect(lines).toEqual([
      "inventory/i.yaml:2:3: vars.ansible_user: `ansible_user` does nothing in deploy: a host setting in deploy: `user:` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, `<<: *defaults`)",
      "inventory/i.yaml:3:3: vars.ansible_python_interpreter: `ansible_python_interpreter` does nothing in deploy: not needed: deploy runs no Python on targets (a POSIX shell and the OS's own tools)",
      "inventory/i.yaml:5:33: hosts.web-01.ansible_port: unknown key `ansible_port`: write `port:` under the host",
      "inventory/i.yaml:5:53: hosts.web-01.ansible_foo: unknown key `ansible_foo`: `ansible_*` vars are Ansible's connection and behaviour settings; deploy gives them no meaning (a host's settings are its keys in hosts:, see docs/config.md): rename a var of your own",
      "inventory/i.yaml:5:77: hosts.web-01.vars.ansible_connection: `ansible_connection` does nothing in deploy: a host setting in deploy: `connection:` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, `<<: *defaults`)",
      "inventory/i.yaml:7:35: groups.web.vars.ansible_become: `ansible_become` does nothing in deploy: write `become:` on the host in hosts:, on a play or on a task",
      "inventory/i.yaml:7:57: groups.web.vars.ansible_ssh_private_key_file: `ansible_ssh_private_key_file` does nothing in deploy: a host setting in deploy: `identity_file:` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, `<<: *defaults`)",
    ]);
  });

  it("an ansible_* var the table does not name is the user's own, in the inventory as in play vars", async () => {
    const lines = await projectProblems({
      "roles/web/tasks/main.yaml": '- command: "echo {{ ansible_version }} {{ ansible_release }}"\n',
      "playbooks/site.yaml": "- hosts: web\n  vars: { ansible_release: bookworm }\n  roles: [web]\n",
      "inventory/i.yaml": `vars:
  ansible_version: '2.16.3'
hosts:
  web-01: { address: 10.0.0.11, vars: { ansible_tier: gold } }
groups:
  web: { hosts: [web-01], vars: { ansible_team: ops } }
`,
    });
    expect(lines).toEqual([]);
  });

  it("an INI inventory, Ansible's YAML inventory, an Ansible Vault vars file and an inline !vault are recognised", async () => {
    const dir = tempProject({
      "inventory/hosts.ini": "# web servers\n[web]\nsw5a ansible_host=10.77.5.11\n",
      "inventory/list.yaml": "[web]\n",
      "inventory/ansible.yaml": "all:\n  hosts:\n    a: { ansible_host: 10.0.0.1 }\n",
      "inventory/vault.yaml": "settings: { vars_files: [secret.yml] }\nvars:\n  pw: !vault |\n    $ANSIBLE_VAULT;1.1;AES256\n    6231\nhosts: {}\n",
      "inventory/secret.yml": "$ANSIBLE_VAULT;1.1;AES256\n62313365\n",
    });
    const load = (name: string) => problemLines(dir, () => loadInventory(path.join(dir, "inventory", name)));
    expect(await load("hosts.ini")).toEqual([
      "inventory/hosts.ini:2:1: an INI inventory (Ansible's `[group]` sections) is not read: deploy's inventory is YAML, with `hosts:` (each `name: { address: ... }`), `groups:` (`name: { hosts: [...] }`) and `vars:`, see docs/config.md",
    ]);
    // One line `[web]` is a YAML list, not INI.
    expect((await load("list.yaml")).join("\n")).not.toContain("INI");
    expect(await load("ansible.yaml")).toEqual([
      "inventory/ansible.yaml:1:1: all: unknown key `all`: this is Ansible's YAML inventory (`all: { hosts, children, vars }`); deploy's has top-level `hosts:` (each with `address:`), `groups:` (`hosts:`/`children:` lists) and `vars:`, see docs/config.md",
    ]);
    expect(await load("vault.yaml")).toEqual([
      "inventory/secret.yml:1:1: an Ansible Vault file, which deploy cannot decrypt: `ansible-vault decrypt` it, then `deploy vault encrypt` it (deploy's own vault format)",
      "inventory/vault.yaml:3:7: Ansible's inline `!vault` value is not read: keep it in a vault file (`deploy vault encrypt`) listed in the inventory's `settings.vars_files` or given with `-e @file`",
    ]);
    const plain = tempProject({ "inventory/i.yaml": "settings: { vars_files: [secret.yml] }\nhosts: {}\n", "inventory/secret.yml": "$ANSIBLE_VAULT;1.1;AES256\n62313365\n" });
    expect(await problemLines(plain, () => loadInventory(path.join(plain, "inventory/i.yaml")))).toEqual([
      "inventory/secret.yml:1:1: an Ansible Vault file, which deploy cannot decrypt: `ansible-vault decrypt` it, then `deploy vault encrypt` it (deploy's own vault format)",
    ]);
  });
});

describe("Ansible's playbook keywords and modules", () => {
  it("each unknown keyword or module gets the deploy way from the one table, a typo still its did-you-mean", async () => {
    const lines = await projectProblems({
      ...WEB_ROLE,
      "playbooks/site.yaml": `- hosts: web
  vars_files: [v.yaml]
  roles:
    - { role: web, web_port: 9000 }
    - { role: web, tgas: [a] }
  tasks:
    - command: echo {{ item }}
      with_items: [a, b]
    - apt: { name: nginx }
    - ansible.builtin.systemd: { name: nginx, state: restarted }
    - community.mysql.mysql_db: { name: app }
    - package: name=nginx state=present
    - include_tasks: other.yaml
    - commnad: echo typo
`,
    });
    expect(lines).toEqual([
      "playbooks/site.yaml:2:3: [0].vars_files: unknown key `vars_files`: list vars files in the inventory's `settings.vars_files` (the `all` level), or give `-e @file.yaml`",
      "playbooks/site.yaml:4:20: [0].roles[0].web_port: unknown key `web_port`: role parameters go under `vars:` (`{ role: web, vars: { web_port: ... } }`)",
      "playbooks/site.yaml:5:20: [0].roles[1].tgas: unknown key `tgas`, did you mean `tags`?",
      "playbooks/site.yaml:8:7: [0].tasks[0].with_items: unknown module or task keyword `with_items`: write `loop: [...]` (each run sees `item`)",
      "playbooks/site.yaml:9:7: [0].tasks[1].apt: unknown module or task keyword `apt`: write `package` (it uses the host's package manager)",
      "playbooks/site.yaml:10:7: [0].tasks[2].ansible.builtin.systemd: unknown module or task keyword `ansible.builtin.systemd`: write `service` (systemd units; it has `daemon_reload`) (deploy's modules have no collection prefix)",
      "playbooks/site.yaml:11:7: [0].tasks[3].community.mysql.mysql_db: unknown module or task keyword `community.mysql.mysql_db`: write `mysql_db`: deploy's modules have no collection prefix",
      "playbooks/site.yaml:12:16: [0].tasks[4].package: expected a map of parameters, got a string (\"name=nginx state=present\") (key=value strings are not read: write `{ name: nginx, state: present }`)",
      "playbooks/site.yaml:13:7: [0].tasks[5].include_tasks: unknown module or task keyword `include_tasks`: not supported: a role has one tasks/main.yaml; split the tasks into roles listed in the play's `roles:`",
      "playbooks/site.yaml:14:7: [0].tasks[6].commnad: unknown module or task keyword `commnad`, did you mean `command`?",
    ]);
  });
});

describe("a flat layout (inventory, playbook and roles/ in one directory)", () => {
  it("says where the project directory is taken from, and names the roles/ and playbook found beside", async () => {
    const dir = tempProject({ "flat/hosts.yaml": INVENTORY, "flat/site.yml": SITE, "flat/roles/web/tasks/main.yml": "[]\n" });
    const flat = path.join(dir, "flat");
    expect(await problemLines(dir, () => loadProject({ cwd: flat, inventoryFile: "hosts.yaml" }))).toEqual([
      `playbooks/site.yaml:1:1: file not found: no playbook was given, and the default is playbooks/site.yaml in the project directory, ${dir}, the parent of the inventory's directory; give it as the playbook argument (\`deploy apply <inventory> ${flat}/site.yml\`), or lay the project out as inventory/, playbooks/, roles/ (docs/config.md)`,
    ]);
    expect(await problemLines(dir, () => loadProject({ cwd: flat, inventoryFile: "hosts.yaml", playbookFile: "site.yml" }))).toEqual([
      `flat/site.yml:2:11: [0].roles[0]: role \`web\` not found (no directory roles/web/ in ${dir}, the project directory); ${flat}/roles/web/ is not read: deploy takes roles/ from the project directory, the parent of the inventory's directory (lay it out as inventory/, playbooks/, roles/)`,
    ]);
  });
});

describe("a template linked out of its directory", () => {
  it("names the directory as the project does (roles/web/templates/), not by its base name", async () => {
    const dir = tempProject({
      "inventory/i.yaml": INVENTORY,
      "roles/web/tasks/main.yaml": "- template: { src: out.ejs, dest: /etc/a }\n",
      "roles/web/templates/in.ejs": "x\n",
      "elsewhere.ejs": "secret\n",
      "playbooks/site.yaml": SITE,
    });
    symlinkSync(path.join(dir, "elsewhere.ejs"), path.join(dir, "roles/web/templates/out.ejs"));
    const lines = await problemLines(dir, () => loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml" }));
    expect(lines).toEqual([
      `roles/web/tasks/main.yaml:1:20: [0].template.src: 'out.ejs' is a symbolic link to ${dir}/elsewhere.ejs, outside roles/web/templates/`,
    ]);
  });
});

describe("conditions written as Ansible's list", () => {
  it("a list under when, changed_when, failed_when or a role's when loads: all must hold", async () => {
    const lines = await projectProblems({
      "roles/base/tasks/main.yaml": "[]\n",
      "playbooks/site.yaml": [
        "- hosts: web",
        "  roles: [{ role: base, when: [true, \"host.name !== 'x'\"] }]",
        "  tasks:",
        "    - command: \"true\"",
        "      when: [\"1 > 0\", \"host.name == 'web-01'\", true]",
        "      changed_when: [out.rc == 0, \"out.stdout !== ''\"]",
        "      failed_when:",
        "        - out.rc != 0",
        "      register: out",
        "",
      ].join("\n"),
    });
    expect(lines).toEqual([]);
  });

  it("each item is checked as a condition is, at its own position; a number or a map is no condition", async () => {
    const lines = await projectProblems({
      "roles/base/tasks/main.yaml": "[]\n",
      "playbooks/site.yaml": [
        "- hosts: web",
        "  roles: [{ role: base, when: [true, \"x is defined\"] }]",
        "  tasks:",
        "    - command: \"true\"",
        "      when: [\"1 > 0\", \"a and b\"]",
        "    - command: \"true\"",
        "      when: 3",
        "    - command: \"true\"",
        "      failed_when: [\"1 > 0\", 3]",
        "",
      ].join("\n"),
    });
    expect(lines).toEqual([
      "playbooks/site.yaml:2:38: [0].roles[0].when[1]: invalid expression `x is defined`: Unexpected identifier 'is'; `x is defined` is `'x' in vars` here (`'key' in obj` for a key of a map)",
      "playbooks/site.yaml:5:23: [0].tasks[0].when[1]: invalid expression `a and b`: Unexpected identifier 'and'; `and` / `or` are `&&` / `||` here",
      "playbooks/site.yaml:7:13: [0].tasks[1].when: expected a string or a boolean (true/false), got a number (3)",
      "playbooks/site.yaml:9:20: [0].tasks[2].failed_when: item 1 of the list is a number (3): each item of a list of conditions is an expression or true/false (all must hold)",
    ]);
  });
});
