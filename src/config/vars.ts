// Variable precedence, lowest to highest (docs/config.md has the same list):
//   1. role defaults (every role of the play, in play order)
//   2. inventory `all` vars (settings.vars_files included)
//   3. group vars (parent before child; groups at the same depth by name)
//   4. host vars
//   5. play vars
//   6. role parameters (the role reference's `vars`)
//   7. extra vars (`-e`)
// A later level replaces a var of an earlier one whole (maps are not merged key by key), as Ansible does.
import type { Host, Inventory, Play, Project, RoleRef, Vars } from "./model.js";
import { groupHosts } from "./patterns.js";
import type { Facts } from "../facts/types.js";

/** Levels 2-4 for one host: what `deploy inventory --host` prints. */
export function inventoryVars(inventory: Inventory, host: Host): Vars {
  const out: Vars = { ...inventory.vars };
  for (const name of host.groups) Object.assign(out, inventory.groups.get(name)?.vars);
  return Object.assign(out, host.vars);
}

/** Level 1 for a play: the defaults of all its roles, in play order. */
export function roleDefaults(project: Project, play: Play): Vars {
  const out: Vars = {};
  for (const ref of play.roles) Object.assign(out, project.roles.get(ref.name)?.defaults);
  return out;
}

function hostNamed(project: Project, hostName: string): Host {
  const host = project.inventory.hosts.get(hostName);
  if (!host) throw new Error(`host '${hostName}' is not in the inventory ${project.inventory.file}`);
  return host;
}

/** Every var of a host for a task of `play` (of the role `roleRef`, when the task comes from one). */
export function hostVars(project: Project, hostName: string, play: Play, roleRef?: RoleRef): Vars {
  const host = hostNamed(project, hostName);
  return {
    ...roleDefaults(project, play),
    ...inventoryVars(project.inventory, host),
    ...play.vars,
    ...roleRef?.params,
    ...project.extraVars,
  };
}

/** What expressions see of a host: in `host` (the current one) and `hosts[name]`. */
export interface HostView {
  name: string;
  address: string;
  port: number;
  groups: string[];
  /** The host's inventory-level vars (all < groups < host). */
  vars: Vars;
}

export function hostView(inventory: Inventory, host: Host): HostView {
  return { name: host.name, address: host.address, port: host.port, groups: host.groups, vars: inventoryVars(inventory, host) };
}

/** `groups` in expressions: group name -> host names (inventory order), `all` included. */
export function groupsView(inventory: Inventory): Record<string, string[]> {
  const out: Record<string, string[]> = { all: groupHosts(inventory, "all") ?? [] };
  for (const name of inventory.groups.keys()) out[name] = groupHosts(inventory, name) ?? [];
  return out;
}

/** `hosts` in expressions: host name -> HostView. */
export function hostsView(inventory: Inventory): Record<string, HostView> {
  const out: Record<string, HostView> = {};
  for (const host of inventory.hosts.values()) out[host.name] = hostView(inventory, host);
  return out;
}

/**
 * Marks which scope names are vars (not registered results, facts or other reserved names). Only vars are
 * rendered when read: a var may be written as `"http://{{ host.address }}:{{ app_port }}"`, but command
 * output that happens to contain `{{` must stay text. A symbol key survives `{ ...scope }` copies.
 */
export const TEMPLATED_VARS: unique symbol = Symbol("vars that may hold {{ }}");

export interface ScopeParts {
  /** The host's vars by precedence (hostVars). */
  vars: Vars;
  host: HostView;
  facts: Facts | undefined;
  groups: Record<string, string[]>;
  hosts: Record<string, HostView>;
  /** This host's registered results so far. */
  registered: Vars;
  /** Present only inside a loop. */
  item?: { value: unknown };
}

/**
 * The names expressions and templates see: every var at top level, registered results, and the reserved
 * names host, facts, groups, hosts, vars (all vars and registered results, for `'x' in vars`) and item.
 */
export function expressionScope(parts: ScopeParts): Vars {
  const all = { ...parts.vars, ...parts.registered };
  const scope: Vars = { ...all, host: parts.host, facts: parts.facts, groups: parts.groups, hosts: parts.hosts, vars: all };
  if (parts.item) scope["item"] = parts.item.value;
  const varNames = new Set(Object.keys(parts.vars).filter((k) => !Object.hasOwn(parts.registered, k)));
  (scope as Record<symbol, unknown>)[TEMPLATED_VARS] = varNames;
  return scope;
}
