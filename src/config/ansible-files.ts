// Files Ansible reads by their place alone, that deploy never reads: group_vars/ and host_vars/ (next to the
// inventory, the playbook or in the project), a role's vars/main.yaml and meta/main.yaml's dependencies.
// Ignored, their vars would silently not apply and `plan` would report "no changes" over a wrong fleet, so
// each is refused with where deploy takes the same thing; one that changes nothing (an empty vars file,
// dependencies the plays already run first, a README.md in group_vars/) is left alone.
import path from "node:path";
import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Location } from "./model.js";
import { Problems } from "./problems.js";
import { findMainFile } from "./role-dir.js";
import { listTree } from "./roles.js";
import { parseSource } from "./source.js";
import { keyLocations } from "./locate.js";

const VARS_DIRS = ["group_vars", "host_vars"] as const;

/** `web.yml`, `web/main.yml` -> `web`: the group or host a file of group_vars/ or host_vars/ is for. */
function ownerName(rel: string): string {
  return rel.split("/")[0]!.replace(/\.(ya?ml|json)$/, "");
}

function varsDirMessage(sub: (typeof VARS_DIRS)[number], owner: string): string {
  if (sub === "host_vars") return `deploy does not read host_vars/: put these vars under \`hosts.${owner}.vars\` in the inventory`;
  if (owner === "all") return "deploy does not read group_vars/: put these vars under the inventory's top-level `vars:`, or list this file in its `settings.vars_files`";
  return `deploy does not read group_vars/: put these vars under \`groups.${owner}.vars\` in the inventory`;
}

/** The names Ansible's group_vars/host_vars loader takes: .yml, .yaml, .json, or no extension. */
function isVarsFileName(rel: string): boolean {
  const ext = path.posix.extname(rel);
  return ext === "" || ext === ".yml" || ext === ".yaml" || ext === ".json";
}

/** Each vars file under `<dir>/group_vars/` and `<dir>/host_vars/`, refused at its first line. */
export async function checkVarsDirs(dirs: Iterable<string>, problems: Problems): Promise<void> {
  for (const dir of new Set(dirs)) {
    for (const sub of VARS_DIRS) {
      const files = await listTree(path.join(dir, sub), false);
      for (const rel of files) {
        if (rel.split("/").some((segment) => segment.startsWith("."))) continue;
        // Ansible reads only these as vars files: a README.md or notes.txt there is no vars file.
        if (!isVarsFileName(rel)) continue;
        problems.add({ file: path.join(dir, sub, rel), line: 1, col: 1 }, "", varsDirMessage(sub, ownerName(rel)));
      }
    }
  }
}

/** The role names a meta/main.yaml's `dependencies:` lists (strings or `{ role: x }`), with the key's place. */
function dependencies(file: string, bytes: Buffer): { names: string[]; at: Location } | undefined {
  const source = parseSource(file, bytes, "a role's meta", new Problems());
  // A meta file deploy cannot even parse may still list dependencies: say so from its first line.
  if (!source) return { names: [], at: { file, line: 1, col: 1 } };
  if (!isMap(source.doc.contents)) return undefined;
  const value = (source.value as Record<string, unknown> | null)?.["dependencies"];
  if (!Array.isArray(value) || value.length === 0 || !isSeq(source.doc.get("dependencies", true))) return undefined;
  const names = value.flatMap((d: unknown) => {
    if (typeof d === "string") return [d];
    const name = d !== null && typeof d === "object" ? ((d as Record<string, unknown>)["role"] ?? (d as Record<string, unknown>)["name"]) : undefined;
    return typeof name === "string" ? [name] : [];
  });
  return { names, at: keyLocations(source, []).get("dependencies") ?? { file, line: 1, col: 1 } };
}

/** A vars file that sets nothing (empty, comments only, `{}`): not read, and nothing is lost. */
async function setsNoVars(file: string): Promise<boolean> {
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) return false;
  const doc = parseDocument(bytes.toString("utf8"), { logLevel: "silent" });
  if (doc.errors.length > 0) return false;
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null) || (isMap(contents) && contents.items.length === 0);
}

/**
 * A role's vars/main.yaml and meta/main.yaml `dependencies:`: refused at the file, with deploy's way.
 * `playOrders`: the roles of each play that uses this one, in order. Dependencies every such play already
 * lists before the role are what the meta file asks for: accepted.
 */
export async function checkRoleAnsibleFiles(name: string, dir: string, problems: Problems, playOrders: readonly (readonly string[])[]): Promise<void> {
  const vars = await findMainFile(dir, dir, "vars");
  if ("file" in vars && !(await setsNoVars(vars.file))) {
    problems.add(
      { file: vars.file, line: 1, col: 1 },
      "",
      `deploy does not read a role's vars/: move these vars to roles/${name}/defaults/main.yaml (lowest precedence), or to the play (\`vars:\`, or \`roles: [{ role: ${name}, vars: {...} }]\`, which wins over the inventory as Ansible's role vars do)`,
    );
  }
  const meta = await findMainFile(dir, dir, "meta");
  if (!("file" in meta)) return;
  const bytes = await readFile(meta.file).catch(() => undefined);
  const deps = bytes && dependencies(meta.file, bytes);
  if (!deps) return;
  const before = (order: readonly string[], dep: string) => {
    const at = order.indexOf(dep);
    return at >= 0 && at < order.indexOf(name);
  };
  const unmet = deps.names.filter((dep) => !playOrders.every((order) => before(order, dep)));
  if (deps.names.length > 0 && unmet.length === 0) return;
  const listed = deps.names.length > 0 ? unmet.map((d) => `\`${d}\``).join(", ") : "each dependency";
  problems.add(deps.at, deps.names.length > 0 ? "dependencies" : "", `deploy does not run a role's dependencies: list ${listed} before \`${name}\` in the play's \`roles:\``);
}
