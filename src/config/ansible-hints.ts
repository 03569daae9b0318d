// What an Ansible user writes in deploy's files, and the deploy way of each: ONE table, consulted wherever an
// unknown key, module or var is reported, so a hint is written once. deploy accepts none of these names; a
// hint never makes one work, it says what to write instead, or honestly that deploy has no equivalent.
// (The command line's options have their own table, src/cli/ansible-habits.ts; expressions theirs,
// src/template/ansible-habits.ts.)
import { moduleNames } from "../modules/registry.js";
import { keyLocations } from "./locate.js";
import type { Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { formatPath, type PathSegment, type SourceFile } from "./source.js";

/** Where the name was written: a task's key, a play's key, a host's key, a var name, an inventory's top-level key, a role reference's key. */
export type HintPlace = "task" | "play" | "host" | "var" | "inventory" | "role";

const LOOP_NOT = "deploy has no loop_control: the loop item is always `item`";
const HOST_SETTING = (key: string) => `a host setting in deploy: \`${key}:\` under the host in hosts: (group and global vars cannot set it: share it with a YAML anchor, \`<<: *defaults\`)`;

/** Name -> hint, per place; `*` applies wherever the name is met. */
const HINTS: Record<string, Partial<Record<HintPlace | "*", string>>> = {
  // Task keywords.
  with_items: { task: "write `loop: [...]` (each run sees `item`)" },
  with_list: { task: "write `loop: [...]` (each run sees `item`)" },
  with_dict: { task: "write `loop: \"{{ Object.entries(d).map(([key, value]) => ({ key, value })) }}\"` (each run sees `item.key`, `item.value`)" },
  with_fileglob: { task: "not supported: `copy` a directory of files/ instead" },
  with_sequence: { task: "write `loop: \"{{ [...Array(n).keys()] }}\"`" },
  loop_control: { task: LOOP_NOT },
  include_tasks: { task: "not supported: a role has one tasks/main.yaml; split the tasks into roles listed in the play's `roles:`" },
  import_tasks: { task: "not supported: a role has one tasks/main.yaml; split the tasks into roles listed in the play's `roles:`" },
  include_role: { task: "list the role in the play's `roles:` (`{ role: web, vars: {...}, when: \"...\" }`)" },
  import_role: { task: "list the role in the play's `roles:` (`{ role: web, vars: {...}, when: \"...\" }`)" },
  include_vars: { task: "not supported: list vars files in the inventory's `settings.vars_files`, or give `-e @file.yaml`" },
  import_playbook: { task: "not supported: run `deploy apply` once per playbook", play: "not supported: run `deploy apply` once per playbook, or put the plays in one playbook" },
  run_once: { task: "not supported: give the task its own play whose hosts name one host (`hosts: web-01`), or `delegate_to` it" },
  become_user: { task: "not supported on a task: `become_user:` is set on a host of the inventory", play: "not supported on a play: `become_user:` is set on a host of the inventory" },
  become_method: { "*": "not supported: deploy becomes with sudo" },
  block: { task: "not supported: write the tasks one by one (a `when:` on each)" },
  rescue: { task: "not supported: `ignore_errors: true` with `register`, then tasks with `when:` on the result" },
  always: { task: "not supported: deploy has no block/always" },
  until: { task: "not supported: to wait for a port or URL use `wait_for`; otherwise `shell` with a retry loop" },
  retries: { task: "not supported: to wait for a port or URL use `wait_for`; otherwise `shell` with a retry loop" },
  delay: { task: "not supported: to wait for a port or URL use `wait_for` (it has `delay`, `timeout`)" },
  args: { task: "put the parameters in the module's map: `command: { cmd: ..., chdir: /tmp }`" },
  environment: {
    task: "not supported: `shell: { cmd: \"A=b my-command\" }` sets a variable for one command",
    play: "not supported: `shell: { cmd: \"A=b my-command\" }` sets a variable for one command",
  },
  vars: { task: "a task has no vars: use the play's `vars`, or a role's `{ role: x, vars: {...} }`" },
  check_mode: { task: "not supported: `deploy plan` is the dry run of everything" },
  diff: { task: "not needed: `deploy plan` and `deploy apply` always show a changed file's diff" },
  no_log: { task: "not supported: mark secret values `!secret` (or keep them in a vault file): reports redact them everywhere" },
  local_action: { task: "write the module with `delegate_to: <a host with connection: local>`" },
  remote_user: { task: "not supported on a task: the login is a host's `user:` in the inventory", play: "not supported on a play: the login is a host's `user:` in the inventory" },
  // Modules.
  apt: { task: "write `package` (it uses the host's package manager)" },
  yum: { task: "write `package` (it uses the host's package manager)" },
  dnf: { task: "write `package` (it uses the host's package manager)" },
  systemd: { task: "write `service` (systemd units; it has `daemon_reload`)" },
  systemd_service: { task: "write `service` (systemd units; it has `daemon_reload`)" },
  debug: { task: "not supported: deploy has no debug module; `deploy inventory <inventory> --host NAME` shows a host's vars, and `register` + `--verbose` shows a command's output" },
  set_fact: { task: "not supported: a var whose value is `{{ expression }}` is computed when read (play `vars`, role defaults); `register` keeps a task's result" },
  meta: { task: "not supported: handlers run at the end of their play (to run them earlier, end the play there and start another)" },
  assert: { task: "not supported: a task with `failed_when: \"...\"` (e.g. `command: \"true\"`) stops the host" },
  fail: { task: "not supported: a task with `failed_when: \"...\"` (e.g. `command: \"true\"`) stops the host" },
  pause: { task: "not supported: `wait_for` waits for a port or URL" },
  ping: { task: "not a task: `deploy ping <inventory>` checks every host" },
  setup: { task: "not needed: deploy gathers facts itself (`facts.os.id`, `facts.arch`...; a play's `gather_facts`)" },
  apt_repository: { task: "not supported: write the repository's sources file with `copy` or `template`, then `package`" },
  get_url: { task: "not supported: `command: { cmd: curl -fsSLo /dest URL, creates: /dest }`" },
  unarchive: { task: "not supported: `command: { cmd: tar -xf ..., creates: ... }`" },
  stat: { task: "not supported: `command: { argv: [test, -e, /path] }` with `register`, `failed_when: false` and `changed_when: false`" },
  authorized_key: { task: "not supported: write the file with `copy` or `lineinfile` (mode \"0600\")" },
  git: { task: "not supported: `command` with `creates:`" },
  // Plays.
  vars_files: { play: "list vars files in the inventory's `settings.vars_files` (the `all` level), or give `-e @file.yaml`" },
  pre_tasks: { play: "not supported: a play runs its roles, then its `tasks`; put earlier tasks in a play of their own before it" },
  post_tasks: { play: "write them as the play's `tasks`: they run after its roles" },
  strategy: { play: "not supported: hosts of a play run in parallel (`--forks`), `serial` runs them in batches" },
  any_errors_fatal: { play: "write `max_fail_percentage: 0`" },
  gather_subset: { play: "not supported: deploy gathers its own facts (`gather_facts: false` turns that off)" },
  // Role references: `{ role: web, web_port: 9000 }`.
  name: { role: "write `role:` for the role's name" },
  // Inventory layout.
  all: { inventory: "this is Ansible's YAML inventory (`all: { hosts, children, vars }`); deploy's has top-level `hosts:` (each with `address:`), `groups:` (`hosts:`/`children:` lists) and `vars:`, see docs/config.md" },
  children: { inventory: "groups are under `groups:`, each with `hosts:` and `children:` lists" },
  // Ansible's connection vars, as host keys or vars.
  ansible_host: { "*": "write `address:` under the host in hosts:" },
  ansible_ssh_host: { "*": "write `address:` under the host in hosts:" },
  ansible_user: { host: "write `user:` under the host", var: HOST_SETTING("user") },
  ansible_ssh_user: { host: "write `user:` under the host", var: HOST_SETTING("user") },
  ansible_port: { host: "write `port:` under the host", var: HOST_SETTING("port") },
  ansible_ssh_port: { host: "write `port:` under the host", var: HOST_SETTING("port") },
  ansible_ssh_private_key_file: { host: "write `identity_file:` under the host", var: HOST_SETTING("identity_file") },
  ansible_private_key_file: { host: "write `identity_file:` under the host", var: HOST_SETTING("identity_file") },
  ansible_become: { host: "write `become:` under the host (or on a play or task)", var: "write `become:` on the host in hosts:, on a play or on a task" },
  ansible_become_user: { host: "write `become_user:` under the host", var: HOST_SETTING("become_user") },
  ansible_become_method: { "*": "not supported: deploy becomes with sudo" },
  ansible_become_password: { "*": "the sudo password is the var `become_password` (in a vault file), or DEPLOY_BECOME_PASSWORD" },
  ansible_become_pass: { "*": "the sudo password is the var `become_password` (in a vault file), or DEPLOY_BECOME_PASSWORD" },
  ansible_password: { "*": "not supported: deploy logs in with keys (an SSH agent or `identity_file:`), not passwords" },
  ansible_ssh_pass: { "*": "not supported: deploy logs in with keys (an SSH agent or `identity_file:`), not passwords" },
  ansible_connection: { host: "write `connection:` under the host (ssh or local)", var: HOST_SETTING("connection") },
  ansible_python_interpreter: { "*": "not needed: deploy runs no Python on targets (a POSIX shell and the OS's own tools)" },
  ansible_ssh_common_args: { "*": "not supported; for a ProxyJump write `jump:` under the host (an inventory host or [user@]address[:port])" },
  ansible_ssh_extra_args: { "*": "not supported; for a ProxyJump write `jump:` under the host (an inventory host or [user@]address[:port])" },
};

/** The hint for `name` written at `place`, or undefined when it is no Ansible habit deploy knows of. */
export function ansibleHint(name: string, place: HintPlace): string | undefined {
  const entry = Object.hasOwn(HINTS, name) ? HINTS[name] : undefined;
  const own = entry?.[place] ?? entry?.["*"];
  if (own !== undefined) return own;
  if (place === "task") return collectionHint(name);
  // A host key is deploy's to define, so any ansible_* one is Ansible's; a var is the user's own unless the
  // table names it (ansible_version: '2.16.3' in the inventory is as valid as in a play's vars).
  if (place === "host" && name.startsWith("ansible_")) {
    return "`ansible_*` vars are Ansible's connection and behaviour settings; deploy gives them no meaning (a host's settings are its keys in hosts:, see docs/config.md): rename a var of your own";
  }
  return undefined;
}

/** `ansible.builtin.copy` -> `copy`; `community.mysql.mysql_db` -> `mysql_db`; `ansible.builtin.apt` -> package's hint. */
function collectionHint(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  if (dot <= 0 || !/^[a-z0-9_]+\.[a-z0-9_]+\./.test(name)) return undefined;
  const short = name.slice(dot + 1);
  if (moduleNames().includes(short)) return `write \`${short}\`: deploy's modules have no collection prefix`;
  const own = ansibleHint(short, "task");
  return own === undefined ? `deploy has no module \`${short}\` (modules: ${moduleNames().join(", ")})` : `${own} (deploy's modules have no collection prefix)`;
}

/**
 * `: hint`, else `, did you mean ...?` (`typo` gives the latter), for an unknown name's message. A role
 * reference's key that is neither is a role parameter written inline, as Ansible allows.
 */
export function hintOr(name: string, place: HintPlace, typo: () => string): string {
  const hint = ansibleHint(name, place);
  if (hint !== undefined) return `: ${hint}`;
  const near = typo();
  if (near !== "" || place !== "role") return near;
  return `: role parameters go under \`vars:\` (\`{ role: web, vars: { ${name}: ... } }\`)`;
}

const GROUP_KEYS: readonly string[] = ["hosts", "children", "vars"];

/**
 * A top-level inventory key whose value is a group, `webservers: { hosts: { web1: {...} } }`: Ansible's
 * YAML inventory written without `all:` (maps of hosts and children), or deploy's group put outside
 * `groups:` (lists). Undefined for anything else, which keeps its plain "unknown key".
 */
export function inventoryGroupHint(name: string, value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length === 0 || !keys.every((k) => GROUP_KEYS.includes(k))) return undefined;
  const group = value as Record<string, unknown>;
  const list = (v: unknown) => Array.isArray(v) || typeof v === "string";
  if (list(group["hosts"]) || list(group["children"])) return `a group goes under \`groups:\` (\`groups: { ${name}: { hosts: [...] } }\`)`;
  const hosts = group["hosts"] !== null && typeof group["hosts"] === "object" ? Object.keys(group["hosts"] as object) : [];
  const shown = hosts.length > 0 ? `${hosts.slice(0, 3).join(", ")}${hosts.length > 3 ? ", ..." : ""}` : "...";
  return `this is a group of Ansible's YAML inventory (\`${name}: { hosts, children, vars }\`); deploy's has top-level \`hosts:\` (each with \`address:\`), \`groups:\` (\`${name}: { hosts: [${shown}] }\`, \`children:\` a list) and \`vars:\`, see docs/config.md`;
}

/** Ansible's connection vars that are a host's own key in deploy, which no var (nor -e) sets: key, what it is. */
const HOST_KEYS: Readonly<Record<string, readonly [string, string]>> = {
  ansible_host: ["address", "address"],
  ansible_ssh_host: ["address", "address"],
  ansible_user: ["user", "login"],
  ansible_ssh_user: ["user", "login"],
  ansible_port: ["port", "SSH port"],
  ansible_ssh_port: ["port", "SSH port"],
  ansible_ssh_private_key_file: ["identity_file", "key"],
  ansible_private_key_file: ["identity_file", "key"],
  ansible_become_user: ["become_user", "sudo user"],
  ansible_connection: ["connection", "connection"],
};

const SUDO_PASSWORD_VARS: readonly string[] = ["become_password", "ansible_become_password", "ansible_become_pass"];

/**
 * The hint for a var given with -e that changes nothing (`-e ansible_user=admin`), or undefined when it is
 * the user's own. deploy has no per-run connection options: a host's login, port, key and address are its
 * keys in the inventory (the login defaults to ~/.ssh/config's `User`, else the local user), and its own
 * `become_password` is read from the inventory's vars alone.
 */
export function extraVarHint(name: string): string | undefined {
  if (SUDO_PASSWORD_VARS.includes(name)) {
    return "the sudo password is read from the inventory's vars: `become_password` (in a vault file listed in `settings.vars_files`), or DEPLOY_BECOME_PASSWORD for a run";
  }
  const setting = Object.hasOwn(HOST_KEYS, name) ? HOST_KEYS[name] : undefined;
  if (setting === undefined) return name.startsWith("ansible_") ? ansibleHint(name, "var") : undefined;
  const [key, what] = setting;
  const unset = key === "user" ? " (without one: ~/.ssh/config's `User` for the address, else your own user)" : "";
  return `the ${what} is the host's \`${key}:\` in the inventory's hosts:, which no -e sets${unset}; a YAML anchor (\`<<: *defaults\`) shares it between hosts`;
}

/**
 * Ansible's connection and behaviour vars (`ansible_user: deploy` in a group's vars, those of the table) are
 * ordinary vars to deploy and change nothing about the connection: refused at the name, with the host key
 * that does what was meant. Any other `ansible_*` var is the user's own.
 */
export function checkAnsibleVars(vars: Vars, source: SourceFile, at: PathSegment[], problems: Problems): void {
  const names = Object.keys(vars).filter((name) => name.startsWith("ansible_") && ansibleHint(name, "var") !== undefined);
  if (names.length === 0) return;
  const keys = keyLocations(source, at);
  for (const name of names) {
    const where = keys.get(name) ?? { file: source.file, line: 1, col: 1 };
    problems.add(where, formatPath([...at, name]), `\`${name}\` does nothing in deploy: ${ansibleHint(name, "var")!}`);
  }
}
