// A var that holds a secret somewhere holds one everywhere. Secrets are redacted by value, so a value that
// replaces a vault value (`-e mysql_app_password=N3w`, the natural way to rotate it, or a host var over
// the vault's) would print in clear: nothing marked it. The rule, in this one place: every value of a var,
// at every precedence level, is a secret when the var holds a secret value (from a vault file or tagged
// `!secret`) in any of its definitions, or names such a var in a `{{ }}` (`db_url: "mysql://app:{{
// db_password }}@db"`). Within a map or a list, the rule follows the part that holds the secret: a secret
// `mysql.password` makes every `mysql.password` a secret, not `mysql.port`.
import type { Inventory, Play, Role, Vars } from "./model.js";

interface Leaf {
  /** The var's name, then map keys; list positions are `[]` (any item). Joined with \0, ending in \0. */
  path: string;
  name: string;
  value: string | number;
}

const SEP = "\0";
const EXPRESSION = /\{\{([\s\S]*?)\}\}/g;
const IDENTIFIER = /[A-Za-z_$][\w$]*/g;

function leavesOf(value: unknown, path: string, name: string, out: Leaf[]): void {
  if (typeof value === "string" || typeof value === "number") out.push({ path, name, value });
  else if (Array.isArray(value)) for (const item of value) leavesOf(item, `${path}[]${SEP}`, name, out);
  else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) leavesOf(item, `${path}${key}${SEP}`, name, out);
  }
}

/** Names a `{{ }}` of the value may read (every identifier: a property name too, which only errs on the safe side). */
function namesRead(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(EXPRESSION)) names.push(...(m[1]!.match(IDENTIFIER) ?? []));
  return names;
}

/** One holds the other: the secret is inside this value, or this value is inside the secret. */
function overlaps(path: string, secretPaths: readonly string[]): boolean {
  return secretPaths.some((secret) => path.startsWith(secret) || secret.startsWith(path));
}

/** Add to `secrets` every value of `maps` (each a set of vars at some precedence level) the rule makes secret. */
export function addSecretVarValues(maps: Iterable<Vars>, secrets: Set<string>): void {
  const leaves: Leaf[] = [];
  for (const vars of maps) for (const [name, value] of Object.entries(vars)) leavesOf(value, `${name}${SEP}`, name, leaves);
  const secretPaths = new Map<string, string[]>();
  const mark = (leaf: Leaf) => {
    const paths = secretPaths.get(leaf.name) ?? [];
    if (!paths.includes(leaf.path)) secretPaths.set(leaf.name, [...paths, leaf.path]);
  };
  // A value of 1 or 2 characters is no secret (the redactor skips them too): a vault's `server_id: 1` must
  // not make every var that is 1 somewhere a secret.
  for (const leaf of leaves) if (String(leaf.value).length >= 3 && secrets.has(String(leaf.value))) mark(leaf);
  if (secretPaths.size === 0) return;
  // Through `{{ }}`, until no new var is found: `a: "{{ b }}"`, `b: "{{ vault_b }}"`.
  const templates = leaves.filter((leaf): leaf is Leaf & { value: string } => typeof leaf.value === "string" && leaf.value.includes("{{"));
  for (let grew = true; grew; ) {
    grew = false;
    for (const leaf of templates) {
      if (overlaps(leaf.path, secretPaths.get(leaf.name) ?? [])) continue;
      if (namesRead(leaf.value).some((n) => secretPaths.has(n))) {
        mark(leaf);
        grew = true;
      }
    }
  }
  for (const leaf of leaves) {
    const paths = secretPaths.get(leaf.name);
    // A `{{ }}` is text to render, not the value: what it renders to is a secret when it reads one.
    if (!paths || (typeof leaf.value === "string" && leaf.value.includes("{{"))) continue;
    if (overlaps(leaf.path, paths)) secrets.add(String(leaf.value));
  }
}

/** The inventory's vars: `all` (vars files included), every group's and every host's. */
export function inventoryVarMaps(inventory: Inventory): Vars[] {
  return [inventory.vars, ...[...inventory.groups.values()].map((g) => g.vars), ...[...inventory.hosts.values()].map((h) => h.vars)];
}

/** Every level of the precedence list: role defaults, the inventory's, play vars, role parameters, `-e`. */
export function projectVarMaps(inventory: Inventory | undefined, plays: readonly Play[], roles: Iterable<Role>, extraVars: Vars): Vars[] {
  return [
    ...[...roles].map((role) => role.defaults),
    ...(inventory ? inventoryVarMaps(inventory) : []),
    ...plays.flatMap((play) => [play.vars, ...play.roles.map((ref) => ref.params)]),
    extraVars,
  ];
}
