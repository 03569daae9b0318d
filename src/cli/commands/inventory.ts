// `deploy inventory <inventory> [--host NAME] [--json]`: the host/group tree, or one host's resolved
// inventory-level vars (all < groups < host). Vault values are shown as <redacted>.
import path from "node:path";
import { stringify } from "yaml";
import { readInventory } from "../../config/inventory.js";
import type { Inventory, Vars } from "../../config/model.js";
import { Problems } from "../../config/problems.js";
import { didYouMean } from "../../config/suggest.js";
import { inventoryVars } from "../../config/vars.js";
import { checkInventoryAlone, loadInventoryFirst } from "../argument-order.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";

const USAGE = `Usage: deploy inventory <inventory> [--host NAME] [--json]

Without --host: every group (with children and hosts) and every host with its address and groups.
With --host: the host's connection settings and its vars as resolved from the inventory
(all vars < group vars, parent before child < host vars). Play vars, role vars and -e come on top at run time.

Options:
      --host NAME              show one host
      --json                   print JSON instead of YAML-like text
      --vault-password-file F  read the vault password from F

Exit status: 0 ok, 1 invalid inventory or unknown host.`;

const REDACTED = "<redacted>";

function redact(value: unknown, secrets: ReadonlySet<string>): unknown {
  if (typeof value === "string") return secrets.has(value) ? REDACTED : value;
  if (typeof value === "number" && secrets.has(String(value))) return REDACTED;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets));
  if (value !== null && typeof value === "object") {
    const out: Vars = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, secrets);
    return out;
  }
  return value;
}

function hostDocument(inventory: Inventory, name: string): Vars {
  const host = inventory.hosts.get(name)!;
  const doc: Vars = { host: name, address: host.address, port: host.port };
  if (host.user !== undefined) doc["user"] = host.user;
  if (host.identityFile !== undefined) doc["identity_file"] = host.identityFile;
  if (host.jump !== undefined) doc["jump"] = host.jump;
  doc["connection"] = host.connection;
  doc["become"] = host.become;
  if (host.becomeUser !== undefined) doc["become_user"] = host.becomeUser;
  doc["groups"] = host.groups;
  doc["vars"] = inventoryVars(inventory, host);
  return doc;
}

function treeDocument(inventory: Inventory): Vars {
  const groups: Vars = {};
  for (const g of inventory.groups.values()) {
    const entry: Vars = {};
    if (g.children.length) entry["children"] = g.children;
    if (g.hosts.length) entry["hosts"] = g.hosts;
    if (Object.keys(g.vars).length) entry["vars"] = g.vars;
    groups[g.name] = entry;
  }
  const hosts: Vars = {};
  for (const h of inventory.hosts.values()) {
    hosts[h.name] = { address: h.address, port: h.port, groups: h.groups };
  }
  return { vars: inventory.vars, groups, hosts };
}

/** Group tree as indented text: roots first, children below their parents. */
function treeLines(inventory: Inventory): string[] {
  const lines: string[] = [`all (${inventory.hosts.size} hosts)`];
  const isChild = new Set([...inventory.groups.values()].flatMap((g) => g.children));
  const show = (name: string, depth: number, trail: Set<string>) => {
    const g = inventory.groups.get(name);
    if (!g || trail.has(name)) return;
    const hosts = g.hosts.length ? `: ${g.hosts.join(", ")}` : "";
    lines.push(`${"  ".repeat(depth)}${name}${hosts}`);
    for (const c of g.children) show(c, depth + 1, new Set([...trail, name]));
  };
  for (const name of [...inventory.groups.keys()].sort()) if (!isChild.has(name)) show(name, 1, new Set());
  lines.push("hosts:");
  const hosts = [...inventory.hosts.values()];
  const nameWidth = Math.max(0, ...hosts.map((h) => h.name.length));
  const addressWidth = Math.max(0, ...hosts.map((h) => `${h.address}:${h.port}`.length));
  for (const h of hosts) {
    const user = h.user ? `  user ${h.user}` : "";
    lines.push(`  ${h.name.padEnd(nameWidth)}  ${`${h.address}:${h.port}`.padEnd(addressWidth)}${user}  groups: ${h.groups.join(", ") || "-"}`);
  }
  return lines;
}

export const inventoryCommand: Command = {
  name: "inventory",
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(args, { host: { type: "string" }, json: { type: "boolean" }, "vault-password-file": { type: "string" } });
    const [file, ...more] = parsed.positionals;
    if (!file) throw new UsageError("missing <inventory> (for example inventory/prod.yaml)");
    checkInventoryAlone("inventory", file, more, io.cwd);
    const { inventory, secrets } = await loadInventoryFirst("inventory", file, io.cwd, async () => {
      const problems = new Problems();
      const loaded = await readInventory(path.resolve(io.cwd, file), problems, {
        env: io.env,
        vaultPasswordFile: parsed.values["vault-password-file"],
      });
      problems.throwIfAny(loaded?.secrets);
      return loaded!;
    });
    const name = parsed.values.host;
    if (name !== undefined && !inventory.hosts.has(name)) {
      throw new UsageError(`no host \`${name}\` in ${file}${didYouMean(name, inventory.hosts.keys())}`);
    }
    const doc = redact(name !== undefined ? hostDocument(inventory, name) : treeDocument(inventory), secrets);
    if (parsed.values.json) io.out(JSON.stringify(doc, null, 2));
    else if (name !== undefined) io.out(stringify(doc).replace(/\n$/, ""));
    else for (const line of treeLines(inventory)) io.out(line);
    return EXIT.ok;
  },
};
