// What ansible-playbook's hands type on deploy's command line, and the deploy way of each: one table, so a
// hint is written once and docs/ansible.md can be checked against it. Only options deploy does not have
// are here; they are looked up after Node's parser has refused one. (Ansible's host patterns deploy does not
// have are in src/config/patterns.ts: a play's `hosts:` gets the same hint as --limit.)

interface AnsibleOption {
  /** The spellings ansible-playbook accepts (or `tool`). */
  names: readonly string[];
  /** The Ansible command whose option it is, when not ansible-playbook. */
  tool?: "ansible-inventory" | "ansible";
  /** What to do in deploy instead, as one clause. */
  deployWay: string;
}

export const ANSIBLE_OPTIONS: readonly AnsibleOption[] = [
  { names: ["--check", "-C"], deployWay: "the dry run is `deploy plan <inventory> [playbook]` (it shows each change, with diffs)" },
  { names: ["--diff", "-D"], deployWay: "`deploy plan` and `deploy apply` always show a changed file's diff" },
  { names: ["-i", "--inventory", "--inventory-file"], deployWay: "the inventory is the first argument: `deploy <command> <inventory> [playbook]`" },
  { names: ["--syntax-check"], deployWay: "`deploy validate <inventory> [playbook]` checks everything without connecting" },
  { names: ["--list-hosts"], deployWay: "`deploy inventory <inventory>` lists the groups and hosts; `deploy validate` names each play's hosts" },
  { names: ["--list-tasks"], deployWay: "`deploy validate` counts each play's tasks; `deploy plan` names every task and what it would do" },
  { names: ["--list-tags"], deployWay: "deploy cannot list tags; `--tags` with a tag no task has is refused with the playbook's tags" },
  { names: ["--start-at-task"], deployWay: "deploy has no start point: tasks are idempotent, so a second apply redoes nothing done; `--tags` runs a part" },
  { names: ["--step"], deployWay: "deploy has no step mode: `deploy plan` first shows what apply would do" },
  { names: ["-b", "--become"], deployWay: "become is set in the files: `become: true` on a host of the inventory, a play or a task" },
  { names: ["--become-user"], deployWay: "`become_user:` is set on a host of the inventory" },
  { names: ["-K", "--ask-become-pass", "--become-password-file"], deployWay: "the sudo password is the inventory var `become_password` (in a vault file) or DEPLOY_BECOME_PASSWORD" },
  { names: ["--become-method"], deployWay: "deploy becomes with sudo" },
  { names: ["-u", "--user"], deployWay: "the login is a host's `user:` in the inventory (default: ~/.ssh/config, else your user)" },
  { names: ["--private-key", "--key-file"], deployWay: "the key is a host's `identity_file:` in the inventory (or your SSH agent)" },
  { names: ["-k", "--ask-pass", "--connection-password-file"], deployWay: "deploy logs in with keys (an SSH agent or `identity_file:`), not passwords" },
  { names: ["-c", "--connection"], deployWay: "`connection: local` (or ssh) is set on a host of the inventory" },
  { names: ["-T", "--timeout"], deployWay: "the connect timeout is `settings.connect_timeout` in the inventory" },
  { names: ["--ask-vault-pass", "--ask-vault-password", "-J"], deployWay: "deploy asks for the vault password on a terminal by itself; or `--vault-password-file F`" },
  { names: ["--vault-id"], deployWay: "deploy has one vault password: `--vault-password-file F`" },
  {
    names: ["--ssh-common-args", "--ssh-extra-args", "--scp-extra-args", "--sftp-extra-args"],
    deployWay: "deploy takes no ssh arguments: a jump host is a host's `jump:` in the inventory; ~/.ssh/config's HostName, User, Port, IdentityFile and ProxyJump are read",
  },
  { names: ["--flush-cache"], deployWay: "deploy keeps no fact cache: each run gathers the facts it needs" },
  { names: ["-M", "--module-path"], deployWay: "deploy's modules are built in (see docs/config.md); a command of your own is a `command` or `shell` task" },
  { names: ["--list", "--graph"], tool: "ansible-inventory", deployWay: "`deploy inventory <inventory>` shows the groups and hosts (`--json` as a document, `--host NAME` one host's vars)" },
  { names: ["-m", "--module-name", "-a", "--args"], tool: "ansible", deployWay: "deploy has no ad-hoc tasks: `deploy ping <inventory>` checks every host; anything else is a task in a playbook" },
];

/**
 * ansible-playbook's long names of deploy's own options, accepted as deploy's: `--extra-vars` reads what
 * `-e` reads in both (key=value pairs, @file, a JSON/YAML map), so refusing it would only make the user
 * retype it.
 */
export const ANSIBLE_SPELLINGS: Readonly<Record<string, string>> = { "--extra-vars": "--extra" };

/** The hint for an option deploy does not know, when it is one of Ansible's. */
export function ansibleOptionHint(option: string): string | undefined {
  const name = option.split("=")[0]!;
  const known = ANSIBLE_OPTIONS.find((o) => o.names.includes(name));
  return known && `${name} (${known.tool ?? "ansible-playbook"}'s): ${known.deployWay}`;
}
