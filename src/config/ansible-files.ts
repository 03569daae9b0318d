// Files Ansible reads by their place alone, that deploy never reads: group_vars/ and host_vars/ (next to the
// inventory, the playbook or in the project), a role's vars/main.yaml and meta/main.yaml's dependencies.
// Ignored, their vars would silently not apply and `plan` would report "no changes" over a wrong fleet, so
// each is refused with where deploy takes the same thing.
import path from "node:path";
import { readFile } from "node:fs/promises";
import { isMap, isSeq } from "yaml";
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

/** Each file under `<dir>/group_vars/` and `<dir>/host_vars/`, refused at its first line. */
export async function checkVarsDirs(dirs: Iterable<string>, problems: Problems): Promise<void> {
  for (const dir of new Set(dirs)) {
    for (const sub of VARS_DIRS) {
      const files = await listTree(path.join(dir, sub), false);
      for (const rel of files) {
        if (rel.split("/").some((segment) => segment.startsWith("."))) continue;
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

/** A role's vars/main.yaml and meta/main.yaml `dependencies:`: refused at the file, with deploy's way. */
export async function checkRoleAnsibleFiles(name: string, dir: string, problems: Problems): Promise<void> {
  const vars = await findMainFile(dir, dir, "vars");
  if ("file" in vars) {
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
  const listed = deps.names.length > 0 ? deps.names.map((d) => `\`${d}\``).join(", ") : "each dependency";
  problems.add(deps.at, deps.names.length > 0 ? "dependencies" : "", `deploy does not run a role's dependencies: list ${listed} before \`${name}\` in the play's \`roles:\``);
}
