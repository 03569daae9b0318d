// Host patterns: `web`, `web:db` (union), `web:!web-02` (minus), `web:&db` (intersection), `web-*` globs,
// `all`. A name matches a group (its hosts, through children) or a host. Parts may also be separated by
// commas. The result is always in inventory order.
import type { Inventory } from "./model.js";
import { didYouMean } from "./suggest.js";

export class PatternError extends Error {
  override readonly name = "PatternError";
  constructor(
    readonly pattern: string,
    readonly problems: string[],
  ) {
    super(`host pattern '${pattern}': ${problems.join("; ")}`);
  }
}

/** The host names a pattern may name: hosts, and the hosts of each group (`all` included). */
export interface HostIndex {
  order: string[];
  /** Group name (and `all`) -> hosts in inventory order. */
  groups: Map<string, string[]>;
}

const indexes = new WeakMap<Inventory, HostIndex>();

/** Built once per inventory: group memberships in inventory order, from each host's (transitive) groups. */
function indexOf(inventory: Inventory): HostIndex {
  let index = indexes.get(inventory);
  if (index) return index;
  const order = [...inventory.hosts.keys()];
  const groups = new Map<string, string[]>([["all", order]]);
  for (const name of inventory.groups.keys()) groups.set(name, []);
  for (const host of inventory.hosts.values()) {
    for (const g of host.groups) groups.get(g)?.push(host.name);
  }
  index = { order, groups };
  indexes.set(inventory, index);
  return index;
}

/** Hosts of a group (through children) in inventory order; `all` included. Undefined for no such group. */
export function groupHosts(inventory: Inventory, group: string): string[] | undefined {
  return indexOf(inventory).groups.get(group);
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

interface Resolved {
  hosts: string[];
  problems: string[];
}

/**
 * Every host the inventory file declares, valid or not (`hosts`: in file order; `members`: group -> its
 * hosts, through children). A host whose definition is invalid is left out of the inventory; a pattern that
 * names it is still right, and "is not a host" or "matches no host" would be a second, misleading problem.
 */
export function declaredHosts(hosts: Iterable<string>, members: ReadonlyMap<string, ReadonlySet<string>>): HostIndex {
  const order = [...hosts];
  const groups = new Map<string, string[]>([["all", order]]);
  for (const [group, names] of members) groups.set(group, order.filter((h) => names.has(h)));
  return { order, groups };
}

/**
 * Host pattern forms of Ansible that deploy does not have, with what to write instead. None can be a deploy
 * pattern (names hold no `[`, `~` or `@`), so the hint never refuses a valid one.
 */
const ANSIBLE_PATTERNS: ReadonlyArray<{ form: RegExp; deployWay: string }> = [
  { form: /^[!&]?~/, deployWay: "regular expressions (`~web.*`) are not supported: use a glob (`web-*`) or a list (`web-01,web-02`)" },
  { form: /\[-?\d*(?::-?\d*)?\]$/, deployWay: "subscripts (`web[0]`, `web[0:2]`) are not supported: name the hosts (`web-01,web-02`) or use a glob (`web-0*`)" },
  { form: /^@/, deployWay: "deploy writes no retry files (`@site.retry`): name the hosts (`web-01,web-02`)" },
];

/** Why a pattern was meant the Ansible way (`web[0]`, `~web.*`, `@site.retry`), or undefined. */
export function ansiblePatternHint(pattern: string): string | undefined {
  // The pattern's parts as resolvePattern splits them, without touching a subscript's `:` (web[0:2]).
  const parts = pattern.split(/,|:(?![^[]*\])/).map((p) => p.trim());
  return ANSIBLE_PATTERNS.find((p) => parts.some((part) => p.form.test(part)))?.deployWay;
}

/** Resolve a pattern; unknown names and empty globs are reported, not thrown. */
export function resolvePattern(pattern: string, inventory: Inventory | HostIndex): Resolved {
  const index = "order" in inventory ? inventory : indexOf(inventory);
  const hostNames = new Set(index.order);
  // Split as deploy's, `web[0:2]` would be reported as two unknown names, `web[0` and `2]`.
  const ansible = ansiblePatternHint(pattern);
  if (ansible !== undefined) return { hosts: [], problems: [ansible] };
  const problems: string[] = [];
  const parts = pattern
    .split(/[:,]/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  if (parts.length === 0) return { hosts: [], problems: ["is empty"] };

  const namesOf = (term: string): Set<string> | undefined => {
    if (term.includes("*") || term.includes("?")) {
      const re = globToRegExp(term);
      const out = new Set<string>();
      for (const [group, members] of index.groups) if (re.test(group)) for (const h of members) out.add(h);
      for (const h of index.order) if (re.test(h)) out.add(h);
      if (out.size === 0) problems.push(`\`${term}\` matches no host or group`);
      return out;
    }
    const members = index.groups.get(term);
    if (members) return new Set(members);
    if (hostNames.has(term)) return new Set([term]);
    const known = [...index.groups.keys(), ...index.order];
    problems.push(`\`${term}\` is not a host or group of the inventory${didYouMean(term, known)}`);
    return undefined;
  };

  let included: Set<string> | undefined;
  const intersections: Set<string>[] = [];
  const excluded = new Set<string>();
  for (const part of parts) {
    if (part.startsWith("!")) {
      for (const h of namesOf(part.slice(1)) ?? []) excluded.add(h);
    } else if (part.startsWith("&")) {
      intersections.push(namesOf(part.slice(1)) ?? new Set());
    } else {
      const names = namesOf(part);
      included ??= new Set();
      for (const h of names ?? []) included.add(h);
    }
  }
  // Only exclusions/intersections (`!web-02`) start from every host, as Ansible does.
  const base = included ?? new Set(index.order);
  const hosts = index.order.filter((h) => base.has(h) && !excluded.has(h) && intersections.every((s) => s.has(h)));
  return { hosts, problems };
}

/** Host names a pattern selects, in inventory order. Throws PatternError for unknown names. */
export function matchHosts(pattern: string, inventory: Inventory): string[] {
  const { hosts, problems } = resolvePattern(pattern, inventory);
  if (problems.length > 0) throw new PatternError(pattern, problems);
  return hosts;
}
