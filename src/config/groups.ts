// The group tree: membership through `children`, cycles, and the parent-before-child order that group vars
// are merged in. Linear in hosts x groups: membership sets are computed once per group, bottom up.
import type { Group, Location } from "./model.js";
import type { Problems } from "./problems.js";
import { didYouMean } from "./suggest.js";

/** A name under a group's `hosts` or `children`, with its own index in that list, for messages about it. */
export interface ListedName {
  name: string;
  index: number;
  location: Location;
}

export interface GroupInput {
  name: string;
  hosts: ListedName[];
  children: ListedName[];
  location: Location;
  path: string;
}

export interface GroupTree {
  groups: Map<string, Group>;
  /** Host name -> its groups, parent before child (then by name). */
  hostGroups: Map<string, string[]>;
  /** Group name -> every host in it, directly or through children (inventory order not guaranteed). */
  members: Map<string, Set<string>>;
}

/** Depth of each group (roots 0, a child one more than its deepest parent); cycles are reported. */
function depths(inputs: Map<string, GroupInput>, problems: Problems): Map<string, number> {
  const parents = new Map<string, string[]>();
  for (const g of inputs.values()) {
    for (const { name: child } of g.children) {
      if (!inputs.has(child)) continue;
      const list = parents.get(child) ?? [];
      list.push(g.name);
      parents.set(child, list);
    }
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const reported = new Set<string>();
  const visit = (name: string, trail: string[]): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      const key = [...cycle].sort().join(",");
      if (!reported.has(key)) {
        reported.add(key);
        // Point at the `children` entry that closes the cycle: `name` lists the last group walked up from.
        const closer = inputs.get(name)!;
        const entry = closer.children.find((c) => c.name === cycle[cycle.length - 2])!;
        problems.add(entry.location, `${closer.path}.children[${entry.index}]`, `group children form a cycle: ${[...cycle].reverse().join(" -> ")}`);
      }
      return 0;
    }
    visiting.add(name);
    let d = 0;
    for (const parent of parents.get(name) ?? []) d = Math.max(d, visit(parent, [...trail, name]) + 1);
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const name of inputs.keys()) visit(name, []);
  return depth;
}

export function buildGroupTree(inputs: Map<string, GroupInput>, hostNames: ReadonlySet<string>, problems: Problems): GroupTree {
  for (const g of inputs.values()) {
    for (const { name: h, index, location } of g.hosts) {
      if (!hostNames.has(h)) {
        const hint = inputs.has(h) ? ` (\`${h}\` is a group: list it under children)` : didYouMean(h, hostNames);
        problems.add(location, `${g.path}.hosts[${index}]`, `host \`${h}\` is not defined under hosts${hint}`);
      }
    }
    for (const { name: c, index, location } of g.children) {
      if (!inputs.has(c)) {
        const hint = hostNames.has(c) ? ` (\`${c}\` is a host: list it under hosts)` : didYouMean(c, inputs.keys());
        problems.add(location, `${g.path}.children[${index}]`, `group \`${c}\` is not defined under groups${hint}`);
      }
    }
  }
  const depth = depths(inputs, problems);

  // Members bottom up, guarded against cycles (already reported).
  const members = new Map<string, Set<string>>();
  const computing = new Set<string>();
  const membersOf = (name: string): Set<string> => {
    const done = members.get(name);
    if (done) return done;
    const set = new Set<string>();
    const g = inputs.get(name);
    if (!g || computing.has(name)) return set;
    computing.add(name);
    for (const { name: h } of g.hosts) if (hostNames.has(h)) set.add(h);
    for (const { name: c } of g.children) for (const h of membersOf(c)) set.add(h);
    computing.delete(name);
    members.set(name, set);
    return set;
  };

  const ordered = [...inputs.keys()].sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  const hostGroups = new Map<string, string[]>();
  for (const name of ordered) {
    for (const h of membersOf(name)) {
      const list = hostGroups.get(h);
      if (list) list.push(name);
      else hostGroups.set(h, [name]);
    }
  }
  const groups = new Map<string, Group>();
  for (const g of inputs.values()) {
    const names = (list: ListedName[]) => list.map((item) => item.name);
    groups.set(g.name, { name: g.name, hosts: names(g.hosts), children: names(g.children), vars: {}, location: g.location });
  }
  return { groups, hostGroups, members };
}
