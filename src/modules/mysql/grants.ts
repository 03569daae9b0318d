// Privileges: what a task asks for (`notes.*:SELECT,INSERT/*.*:REPLICATION SLAVE`), what SHOW GRANTS says
// an account has, both in one normal form, and the GRANT/REVOKE statements that turn one into the other.
//
// Normal form: per object (`*.*`, `db`.*, `db`.`table`, quoted as the server prints it) a set of privilege
// names in upper case as the server prints them (ALL -> ALL PRIVILEGES, flavour aliases folded), plus the
// grant option. Routine (PROCEDURE/FUNCTION), proxy and role grants are not managed: they are neither
// parsed nor revoked. Known limit: MySQL 8 prints a global ALL (`*.*:ALL`) as the list of every static
// privilege, so that one spec never compares equal there; name the privileges instead.
import { atLeast, type Flavour } from "./flavour.js";
import { ident } from "./sql.js";

export interface Grant {
  privileges: Set<string>;
  grantOption: boolean;
}

/** Object (as the server prints it, e.g. "`notes`.*") -> grant. */
export type Grants = Map<string, Grant>;

export const ALL = "ALL PRIVILEGES";

/** A privilege name in the form the server prints it. */
export function canonicalPrivilege(name: string, flavour: Flavour | undefined): string {
  // Upper-case the privilege name only: a column list keeps its names ("SELECT (`id`)").
  const text = name.trim().replace(/\s+/g, " ");
  const paren = text.indexOf("(");
  const p = paren < 0 ? text.toUpperCase() : `${text.slice(0, paren).toUpperCase()}${text.slice(paren)}`;
  if (p === "ALL") return ALL;
  if (p === "REPLICATION REPLICA") return "REPLICATION SLAVE";
  if (p === "REPLICA MONITOR") return "SLAVE MONITOR";
  // MariaDB 10.5.2 renamed REPLICATION CLIENT; SHOW GRANTS prints the new name.
  if (p === "REPLICATION CLIENT" && flavour?.name === "mariadb" && atLeast(flavour, 10, 5, 2)) return "BINLOG MONITOR";
  return p;
}

/** Read an identifier quoted with `q` (doubled to escape) starting at s[i] === q. */
function readQuoted(s: string, i: number, q: string): { value: string; next: number } | undefined {
  let value = "";
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j]!;
    if (c === q) {
      if (s[j + 1] === q) {
        value += q;
        j++;
        continue;
      }
      return { value, next: j + 1 };
    }
    if (c === "\\" && q === "'" && j + 1 < s.length) {
      value += s[++j]!;
      continue;
    }
    value += c;
  }
  return undefined;
}

/** One part of an object name: `*`, a quoted identifier, or a bare word. */
function readPart(s: string, i: number): { value: string; star: boolean; next: number } | undefined {
  const c = s[i];
  if (c === "*") return { value: "*", star: true, next: i + 1 };
  if (c === "`" || c === '"') {
    const q = readQuoted(s, i, c);
    return q && { value: q.value, star: false, next: q.next };
  }
  const m = /^[A-Za-z0-9_$\u0080-\uffff-]+/.exec(s.slice(i));
  return m ? { value: m[0], star: false, next: i + m[0].length } : undefined;
}

/** The object key for db/table names ("*" for a wildcard part). */
export function objectKey(db: string, table: string): string {
  const part = (p: string) => (p === "*" ? "*" : ident(p));
  return `${part(db)}.${part(table)}`;
}

/** `db.table` parsed from the start of `s` at i, with the index after it. */
function readObject(s: string, i: number): { key: string; next: number } | undefined {
  const db = readPart(s, i);
  if (!db || s[db.next] !== ".") return undefined;
  const table = readPart(s, db.next + 1);
  if (!table) return undefined;
  if (db.star && !table.star) return undefined;
  return { key: objectKey(db.value, table.value), next: table.next };
}

/** Split a privilege list at commas outside parentheses (column lists) and quotes. */
function splitPrivileges(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = "";
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "`" || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      out.push(current);
      current = "";
      continue;
    }
    current += c;
  }
  out.push(current);
  return out.map((p) => p.trim()).filter((p) => p !== "");
}

/** One SHOW GRANTS line as (object, grant), or undefined for lines this module does not manage. */
export function parseGrantLine(line: string, flavour: Flavour | undefined): { object: string; grant: Grant } | undefined {
  if (!line.startsWith("GRANT ")) return undefined;
  // The privilege list ends at the first " ON " outside quotes and parentheses.
  let depth = 0;
  let quote: string | undefined;
  let on = -1;
  for (let i = 6; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "`" || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && line.startsWith(" ON ", i)) {
      on = i;
      break;
    }
  }
  if (on < 0) return undefined; // role grants: GRANT `role` TO ...
  const privileges = splitPrivileges(line.slice(6, on));
  if (privileges.length === 1 && privileges[0]!.toUpperCase() === "PROXY") return undefined;
  let i = on + 4;
  if (/^(PROCEDURE|FUNCTION|PACKAGE BODY|PACKAGE) /i.test(line.slice(i))) return undefined;
  if (line.startsWith("TABLE ", i)) i += 6;
  const object = readObject(line, i);
  if (!object || !line.startsWith(" TO ", object.next)) return undefined;
  // The grant option follows the account; strip quoted strings (account, password hash) before looking.
  const rest = line.slice(object.next + 4).replace(/`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'/g, "''");
  const grant: Grant = {
    privileges: new Set(privileges.map((p) => canonicalPrivilege(p, flavour)).filter((p) => p !== "USAGE")),
    grantOption: /\bWITH\b(.*\s)?GRANT OPTION\b/.test(rest),
  };
  return { object: object.key, grant };
}

/** The grants of an account from its SHOW GRANTS lines (several lines for one object are merged). */
export function parseShowGrants(lines: ReadonlyArray<string>, flavour: Flavour | undefined): Grants {
  const grants: Grants = new Map();
  for (const line of lines) {
    const parsed = parseGrantLine(line, flavour);
    if (!parsed) continue;
    const existing = grants.get(parsed.object);
    if (existing) {
      for (const p of parsed.grant.privileges) existing.privileges.add(p);
      existing.grantOption ||= parsed.grant.grantOption;
    } else grants.set(parsed.object, parsed.grant);
  }
  // An object left with USAGE only and no grant option grants nothing.
  for (const [key, grant] of grants) if (grant.privileges.size === 0 && !grant.grantOption) grants.delete(key);
  return grants;
}

/**
 * The privileges a task asks for: entries `db.table:PRIV,PRIV` (`GRANT` as a privilege = with grant option),
 * several separated by `/` or given as a list. Parts with dots or other specials are written in backticks:
 * "`my.db`.*:SELECT". Throws with a message naming the entry.
 */
export function parsePrivilegeSpec(spec: string | ReadonlyArray<string>, flavour?: Flavour): Grants {
  const entries = typeof spec === "string" ? splitSpec(spec) : spec.flatMap(splitSpec);
  const grants: Grants = new Map();
  for (const entry of entries) {
    const object = readObject(entry, 0);
    if (!object || entry[object.next] !== ":") {
      throw new Error(`'${entry}': expected db.table:PRIVILEGES, e.g. notes.*:SELECT,INSERT`);
    }
    const names = entry.slice(object.next + 1).split(",").map((p) => p.trim()).filter((p) => p !== "");
    if (names.length === 0) throw new Error(`'${entry}': no privileges after ':'`);
    const grant = grants.get(object.key) ?? { privileges: new Set<string>(), grantOption: false };
    for (const name of names) {
      if (!/^[A-Za-z][A-Za-z_ ]*$/.test(name)) throw new Error(`'${entry}': '${name}' is not a privilege name`);
      const p = canonicalPrivilege(name, flavour);
      if (p === "GRANT") grant.grantOption = true;
      else if (p !== "USAGE") grant.privileges.add(p);
    }
    grants.set(object.key, grant);
  }
  return grants;
}

/** Entries of a `/`-separated spec; a `/` inside backticks belongs to the name. */
function splitSpec(spec: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (const c of spec) {
    if (c === "`") quoted = !quoted;
    if (c === "/" && !quoted) {
      out.push(current);
      current = "";
    } else current += c;
  }
  out.push(current);
  return out.map((e) => e.trim()).filter((e) => e !== "");
}

/** Re-read wanted privileges with the flavour's aliases (the schema parsed them before the flavour was known). */
export function canonicalGrants(grants: Grants, flavour: Flavour): Grants {
  const out: Grants = new Map();
  for (const [key, g] of grants) {
    out.set(key, { privileges: new Set([...g.privileges].map((p) => canonicalPrivilege(p, flavour))), grantOption: g.grantOption });
  }
  return out;
}

export interface GrantChange {
  /** GRANT and REVOKE statements, revokes first. */
  statements: string[];
  /** Human words: "grant SELECT on `notes`.*", ... */
  words: string[];
}

const sorted = (s: Iterable<string>) => [...s].sort();

/** Statements that turn `current` into `wanted` for `account` (`'u'@'h'`); extras kept with append. */
export function diffGrants(current: Grants, wanted: Grants, account: string, append: boolean): GrantChange {
  const revokes: string[] = [];
  const grants: string[] = [];
  const words: string[] = [];
  const objects = new Set([...wanted.keys(), ...(append ? [] : current.keys())]);
  for (const object of sorted(objects)) {
    const have = current.get(object) ?? { privileges: new Set<string>(), grantOption: false };
    const want = wanted.get(object);
    let toGrant = want ? [...want.privileges].filter((p) => !have.privileges.has(p) && !have.privileges.has(ALL)) : [];
    if (!append) {
      const extra = [...have.privileges].filter((p) => !want?.privileges.has(p) && !want?.privileges.has(ALL));
      if (extra.includes(ALL)) {
        // Narrowing ALL: revoke it whole, then grant exactly what is wanted.
        revokes.push(`REVOKE ALL PRIVILEGES ON ${object} FROM ${account};`);
        words.push(`revoke ALL PRIVILEGES on ${object}`);
        toGrant = want ? [...want.privileges] : [];
      } else if (extra.length > 0) {
        revokes.push(`REVOKE ${sorted(extra).join(", ")} ON ${object} FROM ${account};`);
        words.push(`revoke ${sorted(extra).join(", ")} on ${object}`);
      }
      if (have.grantOption && !want?.grantOption) {
        revokes.push(`REVOKE GRANT OPTION ON ${object} FROM ${account};`);
        words.push(`revoke GRANT OPTION on ${object}`);
      }
    }
    const addOption = want?.grantOption === true && !have.grantOption;
    if (toGrant.length > 0 || addOption) {
      const list = toGrant.length > 0 ? sorted(toGrant).join(", ") : "USAGE";
      grants.push(`GRANT ${list} ON ${object} TO ${account}${want?.grantOption ? " WITH GRANT OPTION" : ""};`);
      words.push(`grant ${[...(toGrant.length > 0 ? sorted(toGrant) : []), ...(addOption ? ["GRANT OPTION"] : [])].join(", ")} on ${object}`);
    }
  }
  return { statements: [...revokes, ...grants], words };
}
