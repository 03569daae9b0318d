// The typed model every loader produces and every later stage consumes. Plain data, no I/O.

export type Vars = Record<string, unknown>;

/** Where something was written, for `file:line:col` messages after loading. */
export interface Location {
  file: string;
  line: number;
  col: number;
}

export interface Host {
  name: string;
  address: string;
  port: number;
  /** Login user; undefined = from ~/.ssh/config, else the local user name. */
  user?: string;
  identityFile?: string;
  /** Jump host: an inventory host name or `[user@]address[:port]`. */
  jump?: string;
  connection: "ssh" | "local";
  become: boolean;
  becomeUser?: string;
  /** Host-level vars (highest inventory level). */
  vars: Vars;
  /** Every group the host belongs to, directly or through children, ordered parent before child. */
  groups: string[];
  location: Location;
}

export interface Group {
  name: string;
  /** Hosts listed directly in this group. */
  hosts: string[];
  children: string[];
  vars: Vars;
  location: Location;
}

export interface InventorySettings {
  /** Project known_hosts file (absolute path), checked after ~/.ssh/known_hosts. */
  knownHosts?: string;
  hostKeyChecking: "strict" | "accept-new" | "off";
  connectTimeoutMs: number;
  /** Vars files (possibly vault-encrypted) merged into the `all` level, absolute paths. */
  varsFiles: string[];
  /** `vault_password_file` (absolute path): a password source for the inventory's vault files. */
  vaultPasswordFile?: string;
}

export interface Inventory {
  /** Absolute path of the inventory file. */
  file: string;
  /** The project directory (parent of inventory/): playbooks/ and roles/ are found from here. */
  projectDir: string;
  /** Vars of the `all` level. */
  vars: Vars;
  hosts: Map<string, Host>;
  groups: Map<string, Group>;
  settings: InventorySettings;
  /** The `lab:` section, read only by `deploy lab`. */
  lab?: { bridge?: string };
}

export type TaskStatus = "ok" | "changed" | "failed" | "skipped" | "unreachable";

/** A `when`, `changed_when` or `failed_when`: one JavaScript expression, or a list of them that must all hold (Ansible's list). */
export type Condition = string | readonly string[];

export interface Task {
  /** Display name (defaults to `module: first param`). */
  name: string;
  module: string;
  /** Module parameters as written; `{{ expr }}` strings are rendered per host at run time. */
  params: Vars;
  /** JS expression over vars, facts and registered results (a list: all must hold). */
  when?: Condition;
  /** List (or `{{ expr }}` yielding a list) to run the task once per item as `item`. */
  loop?: unknown;
  register?: string;
  notify: string[];
  tags: string[];
  changedWhen?: Condition;
  failedWhen?: Condition;
  ignoreErrors: boolean;
  become?: boolean;
  /**
   * Run on this inventory host's connection instead (with the current host's vars), e.g. to drain the
   * current host from a load balancer. May be a `{{ expr }}`.
   */
  delegateTo?: string;
  /** Role the task belongs to (templates/ and files/ are looked up there). */
  role?: string;
  location: Location;
}

export interface Handler extends Task {
  /** Name tasks notify. Handlers also answer to `listen` names. */
  listen: string[];
}

export interface Role {
  name: string;
  /** Absolute directory of the role. */
  dir: string;
  tasks: Task[];
  handlers: Handler[];
  defaults: Vars;
  /** Relative paths (under templates/ and files/) that exist, for load-time checks. */
  templates: string[];
  files: string[];
}

export interface RoleRef {
  name: string;
  /** Role parameters (precedence above play vars). */
  params: Vars;
  tags: string[];
  when?: Condition;
  location: Location;
}

export interface Play {
  name: string;
  /** Host pattern: `web`, `web:db`, `web:!web-02`, `web-*`, `all`, `&group` intersections. */
  hosts: string;
  roles: RoleRef[];
  /** Tasks run after the roles' tasks. */
  tasks: Task[];
  handlers: Handler[];
  vars: Vars;
  /** Batch size: a number of hosts or a percentage ("30%"). Undefined = all hosts at once. */
  serial?: number | string;
  /** Abort the play when more than this percentage of its hosts failed (unreachable counts as failed). */
  maxFailPercentage?: number;
  tags: string[];
  become?: boolean;
  gatherFacts: boolean;
  location: Location;
}

export interface Playbook {
  file: string;
  plays: Play[];
}

/** Everything a run needs, loaded and validated before the first connection. */
export interface Project {
  inventory: Inventory;
  playbook: Playbook;
  roles: Map<string, Role>;
  /** `-e` vars (highest precedence). */
  extraVars: Vars;
  /** Values that must never be printed: vault values, `!secret` values, and every value of a var holding one (config/secret-vars.ts). */
  secrets: Set<string>;
}
