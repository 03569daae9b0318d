import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadProject } from "../../../src/config/project.js";
import { ConfigError, formatProblem } from "../../../src/config/problems.js";
import { INVENTORY, projectProblems as problemsOf, tempProject } from "./temp-project.js";

const ROLE_WEB = {
  "roles/web/tasks/main.yaml": `- name: Install nginx
  package: { name: nginx }
- name: Site config
  template: { src: site.conf.ejs, dest: /etc/nginx/sites-enabled/site.conf, mode: "0644" }
  notify: reload nginx
- name: Static files
  copy: { src: static/, dest: /var/www/static }
`,
  "roles/web/handlers/main.yaml": `- name: reload nginx
  service: { name: nginx, state: reloaded }
  listen: [web changed]
`,
  "roles/web/defaults/main.yaml": "nginx_port: 80\n",
  "roles/web/templates/site.conf.ejs": "listen <%- nginx_port %>;\n",
  "roles/web/files/static/index.html": "<h1>hi</h1>\n",
};

describe("loadProject: a valid project", () => {
  it("loads plays, roles, tasks, handlers with their locations and defaults", async () => {
    const dir = tempProject({
      "inventory/i.yaml": INVENTORY,
      ...ROLE_WEB,
      "playbooks/site.yaml": `- name: Web servers
  hosts: web
  become: true
  serial: "50%"
  max_fail_percentage: 10
  tags: web
  vars: { site: demo }
  roles:
    - web
    - { role: web, vars: { nginx_port: 8080 }, tags: [alt], when: "host.name == 'web-01'" }
  tasks:
    - command: echo hello
      register: hello
      changed_when: false
      loop: [a, b]
      notify: [web changed]
    - name: Templated parameters are checked at run time
      file: { path: "{{ site_dir }}", mode: "{{ dir_mode }}", state: directory }
      when: true
  handlers:
    - name: say bye
      shell: { cmd: "echo bye" }
- hosts: db
  gather_facts: false
  tasks: []
`,
    });
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["site=override"] });
    expect(project.playbook.file).toBe(path.join(dir, "playbooks/site.yaml"));
    expect(project.extraVars).toEqual({ site: "override" });
    const [web, db] = project.playbook.plays;
    expect(web).toMatchObject({ name: "Web servers", hosts: "web", become: true, serial: "50%", maxFailPercentage: 10, tags: ["web"], gatherFacts: true });
    expect(web!.roles.map((r) => [r.name, r.params, r.tags, r.when])).toEqual([
      ["web", {}, [], undefined],
      ["web", { nginx_port: 8080 }, ["alt"], "host.name == 'web-01'"],
    ]);
    expect(web!.tasks[0]).toMatchObject({
      name: "command: echo hello",
      module: "command",
      params: { cmd: "echo hello" },
      register: "hello",
      changedWhen: "false",
      loop: ["a", "b"],
      notify: ["web changed"],
      location: { file: path.join(dir, "playbooks/site.yaml"), line: 12, col: 7 },
    });
    expect(web!.tasks[1]).toMatchObject({ module: "file", when: "true", params: { path: "{{ site_dir }}", mode: "{{ dir_mode }}" } });
    expect(web!.handlers[0]).toMatchObject({ name: "say bye", module: "shell", listen: [] });
    expect(db).toMatchObject({ name: "db", gatherFacts: false, tasks: [] });

    const role = project.roles.get("web")!;
    expect(role.dir).toBe(path.join(dir, "roles/web"));
    expect(role.tasks.map((t) => [t.name, t.module, t.role])).toEqual([
      ["Install nginx", "package", "web"],
      ["Site config", "template", "web"],
      ["Static files", "copy", "web"],
    ]);
    expect(role.handlers[0]).toMatchObject({ name: "reload nginx", listen: ["web changed"] });
    expect(role.defaults).toEqual({ nginx_port: 80 });
    expect(role.templates).toEqual(["site.conf.ejs"]);
    expect(role.files).toEqual(["static", "static/index.html"]);
  });

  it("uses the playbook given instead of playbooks/site.yaml", async () => {
    const dir = tempProject({ "inventory/i.yaml": INVENTORY, "other.yaml": "- hosts: all\n  tasks: []\n" });
    const project = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", playbookFile: "other.yaml" });
    expect(project.playbook.plays[0]?.hosts).toBe("all");
  });
});

describe("loadProject: every problem of every file in one pass", () => {
  it("reports problems of the inventory, the playbook and a role together, sorted by file and line", async () => {
    const lines = await problemsOf({
      "inventory/i.yaml": INVENTORY.replace("web-02: { address: 10.0.0.12 }", "web-02: { address: 10.0.0.12, prot: 22 }"),
      ...ROLE_WEB,
      "roles/web/defaults/main.yaml": "nginx_port: 80\nnginx_port: 81\n",
      "playbooks/site.yaml": "- hosts: web\n  roles: [web]\n  tasks:\n    - command: { cmd: ls, chdri: /tmp }\n",
    });
    expect(lines).toEqual([
      "inventory/i.yaml:5:33: hosts.web-02.prot: unknown key `prot`, did you mean `port`?",
      "playbooks/site.yaml:4:27: [0].tasks[0].command.chdri: unknown key `chdri`, did you mean `chdir`?",
      "roles/web/defaults/main.yaml:2:1: nginx_port: duplicate key `nginx_port` (first defined on line 1)",
    ]);
  });

  it("reports careless playbook input: empty, not a list, tabs, wrong types, unknown keys", async () => {
    expect(await problemsOf({ "playbooks/site.yaml": "" })).toEqual(["playbooks/site.yaml:1:1: file is empty: expected a list of plays"]);
    expect(await problemsOf({ "playbooks/site.yaml": "hosts: all\n" })).toEqual([
      "playbooks/site.yaml:1:1: a playbook is a list of plays (`- hosts: ...`), got a map",
    ]);
    expect(await problemsOf({ "playbooks/site.yaml": "- hosts: all\n\ttasks: []\n" })).toEqual([
      "playbooks/site.yaml:2:1: Tabs are not allowed as indentation (use spaces)",
    ]);
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  gather_facts: "no"
  serial: 0
  hots: x
  tasks:
    - name: t
      command: ls
      ignore_errors: "yes"
      becom: true
`,
      }),
    ).toEqual([
      'playbooks/site.yaml:2:17: [0].gather_facts: expected a boolean (true/false), got a string ("no")',
      "playbooks/site.yaml:3:11: [0].serial: must be greater than 0",
      "playbooks/site.yaml:4:3: [0].hots: unknown key `hots`, did you mean `hosts`?",
      'playbooks/site.yaml:8:22: [0].tasks[0].ignore_errors: expected a boolean (true/false), got a string ("yes")',
      "playbooks/site.yaml:9:7: [0].tasks[0].becom: unknown module or task keyword `becom`, did you mean `become`?",
    ]);
  });

  it("reports a pattern typo, and a pattern that matches no host", async () => {
    expect(await problemsOf({ "playbooks/site.yaml": "- hosts: wbe\n  tasks: []\n- hosts: web:&db\n  tasks: []\n" })).toEqual([
      "playbooks/site.yaml:1:10: [0].hosts: `wbe` is not a host or group of the inventory, did you mean `web`?",
      "playbooks/site.yaml:3:10: [1].hosts: pattern `web:&db` matches no host of i.yaml",
    ]);
  });

  it("reports unknown modules, two modules in a task, a task without module, and bad parameter shapes", async () => {
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  tasks:
    - pakage: { name: nginx }
    - { name: two, command: ls, shell: ls }
    - name: none
    - file: /tmp/x
    - "just a string"
`,
      }),
    ).toEqual([
      "playbooks/site.yaml:3:7: [0].tasks[0].pakage: unknown module or task keyword `pakage`, did you mean `package`?",
      "playbooks/site.yaml:4:7: [0].tasks[1]: a task runs exactly one module; found `command` and `shell`",
      "playbooks/site.yaml:5:7: [0].tasks[2]: a task needs a module key (one of: command, copy, file, group, lineinfile, mysql_db, mysql_replication, mysql_user, package, service, shell, sysctl, template, user, wait_for)",
      'playbooks/site.yaml:6:13: [0].tasks[3].file: expected a map of parameters, got a string ("/tmp/x")',
      'playbooks/site.yaml:7:7: [0].tasks[4]: a task must be a map with one module key (e.g. `command: echo hi`), got a string ("just a string")',
    ]);
  });

  it("checks module parameters with the module's schema, except type errors in {{ }} values", async () => {
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  tasks:
    - file: { path: /srv/a, mode: 0644, state: directory }
    - file: { path: relative/b, state: directory }
    - file: { path: "{{ base }}/c", mode: "{{ mode }}", state: "{{ state }}", ownr: root }
    - service: { name: nginx, state: bogus }
    - copy: { dest: /etc/motd }
`,
      }),
    ).toEqual([
      'playbooks/site.yaml:3:35: [0].tasks[0].file.mode: mode must be a quoted string such as "0644" (unquoted, YAML reads 644 as a decimal number)',
      "playbooks/site.yaml:4:21: [0].tasks[1].file.path: must be an absolute path",
      "playbooks/site.yaml:5:79: [0].tasks[2].file.ownr: unknown key `ownr`, did you mean `owner`?",
      'playbooks/site.yaml:6:38: [0].tasks[3].service.state: must be one of: started, stopped, restarted, reloaded; got a string ("bogus")',
      "playbooks/site.yaml:7:13: [0].tasks[4].copy: set exactly one of content or src",
    ]);
  });

  it("reports notify naming no handler of the play, with a hint", async () => {
    expect(
      await problemsOf({
        ...ROLE_WEB,
        "playbooks/site.yaml": `- hosts: web
  roles: [web]
  tasks:
    - command: echo
      notify: [reload ngnix, web changed]
  handlers:
    - name: restart app
      command: echo
- hosts: db
  tasks:
    - command: echo
      notify: reload nginx
`,
      }),
    ).toEqual([
      "playbooks/site.yaml:5:15: [0].tasks[0].notify: no handler named `reload ngnix` in play `web`, did you mean `reload nginx`?",
      "playbooks/site.yaml:12:15: [1].tasks[0].notify: no handler named `reload nginx` in play `db`",
    ]);
  });

  it("reports expression syntax errors at load time (names are checked per host at run time)", async () => {
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  tasks:
    - command: "echo {{ app_port + }}"
      when: "facts.os.id =="
      changed_when: "{{ x ) }}"
      loop: "{{ }}"
    - command: echo {{ unknown_name_is_fine_now }}
      when: "{{ defined_later }}"
`,
      }),
    ).toEqual([
      expect.stringMatching(/^playbooks\/site\.yaml:3:16: \[0\]\.tasks\[0\]\.command: invalid expression `app_port \+`: /),
      expect.stringMatching(/^playbooks\/site\.yaml:4:13: \[0\]\.tasks\[0\]\.when: invalid expression `facts\.os\.id ==`: /),
      expect.stringMatching(/^playbooks\/site\.yaml:5:21: \[0\]\.tasks\[0\]\.changed_when: invalid expression `x \)`: /),
      "playbooks/site.yaml:6:13: [0].tasks[0].loop: empty expression",
    ]);
  });

  it("a `{{` without its `}}` is an error, not text kept as it is", async () => {
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  vars: { conf: "/etc/{{ app_port }.conf" }
  tasks:
    - command: "echo {{ app_port"
    - command: "echo {{ app_port }} and a literal }}"
`,
      }),
    ).toEqual([
      "playbooks/site.yaml:2:17: [0].vars.conf: `{{` without its closing `}}` in `/etc/{{ app_port }.conf`",
      "playbooks/site.yaml:4:16: [0].tasks[0].command: `{{` without its closing `}}` in `echo {{ app_port`",
    ]);
  });

  it("a loop of plain text is refused before it runs (each host would fail on it)", async () => {
    expect(
      await problemsOf({
        "playbooks/site.yaml": `- hosts: all
  tasks:
    - command: "echo {{ item }}"
      loop: "a, b"
    - command: "echo {{ item }}"
      loop: "{{ [app_port, 1] }}"
`,
      }),
    ).toEqual(['playbooks/site.yaml:4:13: [0].tasks[0].loop: plain text is not a list: give a list, or an expression giving one ("{{ packages }}")']);
  });

  it("checks the expression syntax of vars at every level and of role conditions", async () => {
    const lines = await problemsOf({
      "inventory/i.yaml": INVENTORY.replace("app_port: 3000", 'app_port: 3000\n  url: "http://{{ host.address : }}"'),
      ...ROLE_WEB,
      "playbooks/site.yaml": `- hosts: all
  vars: { ok: "{{ app_port }}", bad: ["{{ ( }}"] }
  roles:
    - { role: web, when: "host.name ==" }
`,
    });
    expect(lines).toEqual([
      expect.stringMatching(/^inventory\/i\.yaml:3:8: vars\.url: invalid expression `host\.address :`: /),
      expect.stringMatching(/^playbooks\/site\.yaml:2:38: \[0\]\.vars\.bad: invalid expression `\(`: /),
      expect.stringMatching(/^playbooks\/site\.yaml:4:26: \[0\]\.roles\[0\]\.when: invalid expression `host\.name ==`: /),
    ]);
  });

  it("reports a handler without a name", async () => {
    expect(await problemsOf({ "playbooks/site.yaml": "- hosts: all\n  handlers:\n    - command: echo\n" })).toEqual([
      "playbooks/site.yaml:3:7: [0].handlers[0]: a handler needs a name: tasks notify it by name",
    ]);
  });

  it("reports missing roles (with a hint), role names that are paths, and a role without tasks/main.yaml", async () => {
    expect(
      await problemsOf({
        ...ROLE_WEB,
        "roles/empty/defaults/main.yaml": "{}\n",
        "playbooks/site.yaml": "- hosts: all\n  roles: [wbe, ../../etc, /abs, empty]\n",
      }),
    ).toEqual([
      expect.stringMatching(/^playbooks\/site\.yaml:2:11: \[0\]\.roles\[0\]: role `wbe` not found \(no directory roles\/wbe\/ in .*\), did you mean `web`\?$/),
      "playbooks/site.yaml:2:16: [0].roles[1]: role name `../../etc` is not valid: use letters, digits, '_', '.' and '-' (a role is a directory directly under roles/)",
      "playbooks/site.yaml:2:27: [0].roles[2]: role name `/abs` is not valid: use letters, digits, '_', '.' and '-' (a role is a directory directly under roles/)",
      "playbooks/site.yaml:2:33: [0].roles[3]: role `empty` has no tasks/main.yaml (write `[]` in it for a role without tasks)",
    ]);
  });

  it("reports missing templates and files, and paths that leave the role", async () => {
    expect(
      await problemsOf({
        ...ROLE_WEB,
        "roles/web/tasks/main.yaml": `- template: { src: site.conf.ej, dest: /etc/x }
- template: { src: ../../../etc/passwd, dest: /etc/x }
- copy: { src: /etc/shadow, dest: /etc/x }
- copy: { src: statik/, dest: /etc/x }
- template: { src: "{{ name }}.ejs", dest: /etc/x }
`,
        "playbooks/site.yaml": "- hosts: all\n  roles: [web]\n",
      }),
    ).toEqual([
      "roles/web/tasks/main.yaml:1:20: [0].template.src: template `site.conf.ej` not found in roles/web/templates/, did you mean `site.conf.ejs`?",
      "roles/web/tasks/main.yaml:2:20: [1].template.src: `../../../etc/passwd` must be a path inside roles/web/templates/ (no `..`, not absolute)",
      "roles/web/tasks/main.yaml:3:16: [2].copy.src: `/etc/shadow` must be a path inside roles/web/files/ (no `..`, not absolute)",
      "roles/web/tasks/main.yaml:4:16: [3].copy.src: file `statik/` not found in roles/web/files/, did you mean `static`?",
    ]);
  });

  it("reports a template with an EJS syntax error at load time", async () => {
    const lines = await problemsOf({
      ...ROLE_WEB,
      "roles/web/templates/site.conf.ejs": "listen <%- nginx_port;\n",
      "playbooks/site.yaml": "- hosts: all\n  roles: [web]\n",
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^roles\/web\/templates\/site\.conf\.ejs:1:1: invalid EJS template: /);
  });

  it("reports bad -e values", async () => {
    const lines = await problemsOf({ "playbooks/site.yaml": "- hosts: all\n  tasks: []\n" }, ["ok=1", "novalue", "{bad", "host=x", "@missing.yaml", "9x=1"]);
    expect(lines).toEqual([
      "-e[2]:1:1: expected key=value, @file.yaml or a JSON map, got `novalue`",
      expect.stringMatching(/^-e\[3\]:1:\d+: not a valid JSON\/YAML map: /),
      "-e[4]:1:1: host: `host` is a reserved name in expressions (host, facts, groups, hosts, item, vars)",
      expect.stringMatching(/^-e\[5\]:1:1: vars file .*missing\.yaml: file not found$/),
      "-e[6]:1:1: 9x: a var name uses letters, digits and '_' and does not start with a digit",
    ]);
  });

  it("reports a missing playbook and a missing inventory; a mistyped inventory alone does not also miss the default playbook", async () => {
    const dir = tempProject({ "inventory/i.yaml": INVENTORY });
    const problems = async (inventoryFile: string, playbookFile?: string) => {
      const error = await loadProject({ cwd: dir, inventoryFile, playbookFile }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems.map((p) => formatProblem(p, dir));
    };
    expect(await problems("inventory/nope.yaml")).toEqual(["inventory/nope.yaml:1:1: file not found"]);
    expect(await problems("inventory/i.yaml")).toEqual([
      `playbooks/site.yaml:1:1: file not found: no playbook was given, and the default is playbooks/site.yaml in the project directory, ${dir}, the parent of the inventory's directory; give the playbook as the second argument, or lay the project out as inventory/, playbooks/, roles/ (docs/config.md)`,
    ]);
    expect(await problems("inventory/nope.yaml", "playbooks/site.yaml")).toEqual([
      "inventory/nope.yaml:1:1: file not found",
      "playbooks/site.yaml:1:1: file not found",
    ]);
  });
});

describe("loadProject: -e @file encrypted with the vault", () => {
  it("decrypts it with the inventory's vault_password_file, or --vault-password-file; its values are secrets", async () => {
    const { encryptVault } = await import("../../../src/vault/cipher.js");
    const dir = tempProject({
      "inventory/i.yaml": `settings:\n  vault_password_file: ../pw\n${INVENTORY}`,
      pw: "inventory-pw\n",
      other: "other-pw\n",
      "playbooks/site.yaml": "- hosts: web\n  tasks: []\n",
      "e.yaml": encryptVault("tls_key: very-secret-key\n", "inventory-pw"),
      "e2.yaml": encryptVault("tls_key: second-secret\n", "other-pw"),
    });
    const byInventory = await loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", extraVars: ["@e.yaml"], env: {} });
    expect(byInventory.extraVars).toEqual({ tls_key: "very-secret-key" });
    expect(byInventory.secrets.has("very-secret-key")).toBe(true);
    const byOption = await loadProject({
      cwd: dir,
      inventoryFile: "inventory/i.yaml",
      extraVars: ["@e2.yaml"],
      env: {},
      vaultPasswordFile: path.join(dir, "other"),
    });
    expect(byOption.extraVars).toEqual({ tls_key: "second-secret" });
  });
});
