// Inventory file -> Inventory model. Each section and each host/group is validated on its own, so one bad
// host does not hide the problems of the others; names of invalid hosts still count as defined, so
// references to them do not produce a second, misleading "not defined" problem.
import { isIP } from "node:net";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { resolveVaultPassword, type VaultPassword } from "../vault/password.js";
import { buildGroupTree, type GroupInput, type ListedName } from "./groups.js";
import type { Host, Inventory, InventorySettings, Location, Vars } from "./model.js";
import { Problems } from "./problems.js";
import { NAME, NAME_RULE, asList, groupSchema, hostSchema, settingsSchema, varsSchema, type RawHost } from "./schemas.js";
import { addSecretVarValues, inventoryVarMaps } from "./secret-vars.js";
import { formatPath, parseSource, type SourceFile } from "./source.js";
import { readFailureReason, readInput } from "../util/read-input.js";
import { itemLocations, keyLocations, locate } from "./locate.js";
import { validate } from "./validate.js";
import { checkVarsDirs } from "./ansible-files.js";
import { ansibleHint, checkAnsibleVars, inventoryGroupHint } from "./ansible-hints.js";
import { checkVarNames, loadVarsFile, type PasswordProvider } from "./vars-files.js";

export interface InventoryOptions {
  /** Environment for vault password sources (DEPLOY_VAULT_PASSWORD...). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** `--vault-password-file`. */
  vaultPasswordFile?: string;
  /** Overrides every other password source (tests, callers that already asked). */
  password?: PasswordProvider;
}

export interface LoadedInventory {
  inventory: Inventory;
  /** Every name under hosts:, valid or not (for reference checks). */
  hostNames: Set<string>;
  /** Vault values met while loading vars files. */
  secrets: Set<string>;
  source: SourceFile;
  /** Group name -> every host in it (through children). */
  members: Map<string, Set<string>>;
}

const topSchema = z.strictObject({
  settings: z.unknown().optional(),
  lab: z.strictObject({ bridge: z.string().min(1).optional() }).nullable().optional(),
  vars: z.unknown().optional(),
  hosts: z.record(z.string(), z.unknown()).nullable().optional(),
  groups: z.record(z.string(), z.unknown()).nullable().optional(),
});

const DNS_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isAddress(value: string): boolean {
  // Digits and dots are meant as IPv4 (`999.0.0.1`, `10.0.0`), never as a DNS name.
  if (/^[\d.]+$/.test(value)) return isIP(value) === 4;
  return isIP(value) !== 0 || DNS_NAME.test(value);
}

/** `~/x` -> home; relative -> against the inventory file's directory. */
export function resolveUserPath(value: string, baseDir: string): string {
  if (value === "~" || value.startsWith("~/")) return path.join(os.homedir(), value.slice(1));
  return path.resolve(baseDir, value);
}

/** `[user@]address[:port]` or `[v6]:port`; an inventory host name is checked by the caller. */
const JUMP = /^(?:([^@\s]+)@)?(?:\[([0-9A-Fa-f:.]+)\]|([^@:\s[\]]+))(?::(\d{1,5}))?$/;

function isJump(value: string): boolean {
  const m = JUMP.exec(value);
  if (!m) return false;
  const [, user, v6, address, port] = m;
  if (user?.startsWith("-")) return false;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return false;
  return v6 !== undefined ? isIP(v6) === 6 : isAddress(address!);
}

function settingsFrom(raw: z.infer<typeof settingsSchema> | null | undefined, dir: string): InventorySettings & { vaultPasswordFile?: string } {
  const s = raw ?? {};
  return {
    knownHosts: s.known_hosts === undefined ? undefined : resolveUserPath(s.known_hosts, dir),
    hostKeyChecking: s.host_key_checking ?? "strict",
    connectTimeoutMs: Math.round((s.connect_timeout ?? 10) * 1000),
    varsFiles: asList(s.vars_files).map((f) => resolveUserPath(f, dir)),
    vaultPasswordFile: s.vault_password_file === undefined ? undefined : resolveUserPath(s.vault_password_file, dir),
  };
}

function isMapValue(value: unknown): value is Vars {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The sections of a top level that failed validation, when it is at least a map. */
function knownSections(value: unknown): z.infer<typeof topSchema> | undefined {
  if (!isMapValue(value)) return undefined;
  const map = (v: unknown) => (isMapValue(v) ? v : undefined);
  return { settings: value["settings"], vars: value["vars"], hosts: map(value["hosts"]), groups: map(value["groups"]) };
}

/**
 * The names under a group's `hosts` or `children`, each with its own index and location. Read from the raw
 * value so that an invalid group's names are checked too; an item that is not a string (already reported)
 * is left out without shifting the index of the others.
 */
function groupList(source: SourceFile, group: string, value: unknown, key: "hosts" | "children", fallback: Location): ListedName[] {
  const list = isMapValue(value) ? value[key] : undefined;
  if (!Array.isArray(list)) return [];
  const locations = itemLocations(source, ["groups", group, key]);
  return list.flatMap((item: unknown, index) => (typeof item === "string" ? [{ name: item, index, location: locations[index] ?? fallback }] : []));
}

/** Fields of an invalid host that have the right type, for the checks that do not need the others. */
function looseHost(value: unknown): RawHost {
  if (!isMapValue(value)) return { address: "localhost" };
  const str = (k: string) => (typeof value[k] === "string" ? (value[k] as string) : undefined);
  const connection = value["connection"] === "local" ? "local" : undefined;
  // A wrongly typed address is already reported; do not also call it missing.
  const address = str("address") ?? (value["address"] !== undefined ? "localhost" : undefined);
  return { address, jump: str("jump"), connection, vars: isMapValue(value["vars"]) ? value["vars"] : undefined };
}

function hostFrom(name: string, raw: RawHost, location: Location, dir: string): Omit<Host, "groups"> {
  return {
    name,
    address: raw.address ?? "localhost",
    port: raw.port ?? 22,
    user: raw.user,
    identityFile: raw.identity_file === undefined ? undefined : resolveUserPath(raw.identity_file, dir),
    jump: raw.jump,
    connection: raw.connection ?? "ssh",
    become: raw.become ?? false,
    becomeUser: raw.become_user,
    vars: raw.vars ?? {},
    location,
  };
}

/**
 * The top level without its keys that hold a group (`webservers: { hosts: {...} }`: Ansible's inventory
 * without `all:`), each reported here with its own hint: "unknown key `webservers`" alone does not say
 * that the whole file is in another shape.
 */
function withoutGroupKeys(source: SourceFile, problems: Problems): unknown {
  const value = source.value;
  if (!isMapValue(value)) return value;
  const rest: Vars = {};
  const keys = keyLocations(source, []);
  for (const [name, v] of Object.entries(value)) {
    const hint = Object.hasOwn(topSchema.shape, name) || ansibleHint(name, "inventory") !== undefined ? undefined : inventoryGroupHint(name, v);
    if (hint === undefined) rest[name] = v;
    else problems.add(keys.get(name) ?? locate(source, [name], "key"), formatPath([name]), `unknown key \`${name}\`: ${hint}`);
  }
  return rest;
}

const INI_HINT =
  "an INI inventory (Ansible's `[group]` sections) is not read: deploy's inventory is YAML, with `hosts:` (each `name: { address: ... }`), `groups:` (`name: { hosts: [...] }`) and `vars:`, see docs/config.md";

/**
 * The line of an INI inventory's first `[section]`, when that is the first thing in the file and more
 * follows: a YAML file holding only `[web]` is a list, not INI.
 */
function iniSectionLine(text: string): number | undefined {
  const lines = text.split("\n");
  const content = lines.flatMap((line, i) => (/^\s*(?:[#;].*)?$/.test(line) ? [] : [{ line, number: i + 1 }]));
  const first = content[0];
  if (!first || content.length < 2 || !/^\[[A-Za-z0-9_.:-]+\]\s*$/.test(first.line)) return undefined;
  return first.number;
}

/** Read and check an inventory, adding every problem to `problems`. Undefined when unusable. */
export async function readInventory(
  file: string,
  problems: Problems,
  options: InventoryOptions = {},
): Promise<LoadedInventory | undefined> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  // Read here rather than by readSource: an INI inventory is told apart before YAML's own message about it,
  // and the file may be a pipe (`<(cat inv.yaml)`) that can be read only once.
  let bytes: Buffer;
  try {
    bytes = await readInput(abs);
  } catch (error: unknown) {
    problems.add({ file: abs, line: 1, col: 1 }, "", readFailureReason(error));
    return undefined;
  }
  const iniLine = iniSectionLine(bytes.toString("utf8"));
  if (iniLine !== undefined) {
    problems.add({ file: abs, line: iniLine, col: 1 }, "", INI_HINT);
    return undefined;
  }
  const source = parseSource(abs, bytes, "an inventory: a map with hosts, groups and vars", problems);
  if (!source) return undefined;
  // Unknown top-level keys are reported, and the known sections are still checked.
  const top = validate(topSchema, withoutGroupKeys(source, problems), source, problems, { hintPlace: (at) => (at.length === 0 ? "inventory" : undefined) }) ?? knownSections(source.value);
  if (!top) return undefined;

  const rawSettings = top.settings === undefined ? undefined : validate(settingsSchema.nullable(), top.settings, source, problems, { base: ["settings"] });
  const settings = settingsFrom(rawSettings, dir);

  let vars: Vars = {};
  if (top.vars !== undefined && top.vars !== null) {
    vars = validate(varsSchema, top.vars, source, problems, { base: ["vars"] }) ?? {};
    checkVarNames(vars, source, ["vars"], problems);
    checkAnsibleVars(vars, source, ["vars"], problems);
  }

  // Hosts, one by one.
  const rawHosts = top.hosts ?? {};
  const hostKeys = keyLocations(source, ["hosts"]);
  const hostNames = new Set(Object.keys(rawHosts));
  const hosts = new Map<string, Omit<Host, "groups">>();
  for (const [name, value] of Object.entries(rawHosts)) {
    const location = hostKeys.get(name) ?? locate(source, ["hosts", name], "key");
    const where = formatPath(["hosts", name]);
    if (!NAME.test(name)) problems.add(location, where, `host name \`${name}\` is not valid: ${NAME_RULE}`);
    const raw = validate(hostSchema.nullable(), value, source, problems, { base: ["hosts", name], hintPlace: (at) => (at.length === 0 ? "host" : undefined) });
    // A host with a wrong field still gets its other checks, from the raw values of the right type.
    const host: RawHost = raw ?? (raw === null ? {} : looseHost(value));
    if (host.address === undefined && host.connection !== "local") {
      problems.add(location, `${where}.address`, "missing (required): the host's IP address or DNS name");
    } else if (host.address !== undefined && host.address !== "" && !isAddress(host.address)) {
      // (An empty one is already reported as such.)
      problems.add(locate(source, ["hosts", name, "address"]), `${where}.address`, `\`${host.address}\` is not an IPv4/IPv6 address or DNS name`);
    }
    if (host.jump !== undefined) {
      if (host.jump === name) problems.add(locate(source, ["hosts", name, "jump"]), `${where}.jump`, "a host cannot be its own jump host");
      else if (!hostNames.has(host.jump) && !isJump(host.jump)) {
        problems.add(locate(source, ["hosts", name, "jump"]), `${where}.jump`, `\`${host.jump}\` is neither an inventory host nor [user@]address[:port]`);
      }
    }
    if (host.vars) checkVarNames(host.vars, source, ["hosts", name, "vars"], problems);
    if (host.vars) checkAnsibleVars(host.vars, source, ["hosts", name, "vars"], problems);
    if (raw !== undefined) hosts.set(name, hostFrom(name, host, location, dir));
  }

  // Groups.
  const rawGroups = top.groups ?? {};
  const groupKeys = keyLocations(source, ["groups"]);
  const inputs = new Map<string, GroupInput>();
  const groupVars = new Map<string, Vars>();
  for (const [name, value] of Object.entries(rawGroups)) {
    const location = groupKeys.get(name) ?? locate(source, ["groups", name], "key");
    const where = formatPath(["groups", name]);
    if (!NAME.test(name)) problems.add(location, where, `group name \`${name}\` is not valid: ${NAME_RULE}`);
    if (name === "all") {
      problems.add(location, where, "`all` is the implicit group of every host: put its vars under the top-level `vars`");
      continue;
    }
    if (hostNames.has(name)) problems.add(location, where, `\`${name}\` is both a host and a group: host patterns would be ambiguous`);
    const raw = validate(groupSchema.nullable(), value, source, problems, { base: ["groups", name] });
    const g = raw ?? {};
    if (raw !== undefined && g.vars) {
      checkVarNames(g.vars, source, ["groups", name, "vars"], problems);
      checkAnsibleVars(g.vars, source, ["groups", name, "vars"], problems);
      groupVars.set(name, g.vars);
    }
    const hosts = groupList(source, name, value, "hosts", location);
    const children = groupList(source, name, value, "children", location);
    inputs.set(name, { name, hosts, children, location, path: where });
  }
  const tree = buildGroupTree(inputs, hostNames, problems);
  for (const [name, g] of tree.groups) g.vars = groupVars.get(name) ?? {};

  // Jump chains must end: a -> b -> a would never connect.
  for (const host of hosts.values()) {
    const seen = new Set([host.name]);
    let next = host.jump === host.name ? undefined : host.jump;
    while (next !== undefined && hosts.has(next)) {
      if (seen.has(next)) {
        problems.add(locate(source, ["hosts", host.name, "jump"]), formatPath(["hosts", host.name, "jump"]), `jump hosts form a loop: ${[...seen, next].join(" -> ")}`);
        break;
      }
      seen.add(next);
      next = hosts.get(next)?.jump;
    }
  }

  // Ansible's group_vars/ and host_vars/ beside the inventory: never read, so refused.
  await checkVarsDirs([dir], problems);

  // Vars files join the `all` level, after the inline vars (a later file wins on a clash).
  const secrets = new Set<string>(source.secrets);
  const fileLocations = itemLocations(source, ["settings", "vars_files"]);
  let password: PasswordProvider | undefined = options.password;
  if (!password) {
    let asked: Promise<VaultPassword> | undefined;
    password = () =>
      (asked ??= resolveVaultPassword({
        file: options.vaultPasswordFile,
        env: options.env ?? process.env,
        inventoryFile: settings.vaultPasswordFile,
        label: path.basename(abs),
      }));
  }
  for (const [i, varsFile] of settings.varsFiles.entries()) {
    const location = fileLocations[i] ?? locate(source, ["settings", "vars_files"]);
    const written = asList(rawSettings?.vars_files)[i];
    const loaded = await loadVarsFile(varsFile, { location, path: "settings.vars_files", written }, { problems, secrets, password });
    if (loaded) vars = { ...vars, ...loaded };
  }

  const withGroups = new Map<string, Host>();
  for (const [name, host] of hosts) withGroups.set(name, { ...host, groups: tree.hostGroups.get(name) ?? [] });
  const inventory: Inventory = {
    file: abs,
    projectDir: path.dirname(dir),
    vars,
    hosts: withGroups,
    groups: tree.groups,
    settings,
    lab: top.lab ? { bridge: top.lab.bridge } : undefined,
  };
  // `deploy inventory --host` prints a host var that overrides a vault value: it is a secret too.
  addSecretVarValues(inventoryVarMaps(inventory), secrets);
  return { inventory, hostNames, secrets, source, members: tree.members };
}

/** Load one inventory on its own (the lab and ping need nothing else). Throws ConfigError. */
export async function loadInventory(file: string, options: InventoryOptions = {}): Promise<Inventory> {
  const problems = new Problems();
  const loaded = await readInventory(file, problems, options);
  problems.throwIfAny();
  return loaded!.inventory;
}
