// The project's own templates/ and files/, which a play's own tasks use (a role's tasks use the role's). They
// get the checks a role's get: a directory the user may not read is said to be one, not "not found", and
// the templates tasks name are checked now rather than failing when they render, on every host.
import path from "node:path";
import type { Location } from "./model.js";
import type { LoadedPlay } from "./playbook.js";
import { listTree, type FileBase } from "./roles.js";
import { namedTemplates } from "./jinja-templates.js";
import { checkNamedTemplates } from "./named-templates.js";

export async function listPlayFiles(projectDir: string): Promise<FileBase> {
  const unreadable: string[] = [];
  const [templates, files] = await Promise.all([
    listTree(path.join(projectDir, "templates"), false, unreadable),
    listTree(path.join(projectDir, "files"), true, unreadable),
  ]);
  return { dir: projectDir, projectDir, templates: new Set(templates), files: new Set(files), unreadable };
}

/**
 * Problems of the project's templates that the plays' own tasks and handlers name: a playbook made of
 * roles alone never renders them, and must not fail for a template another playbook uses.
 */
export async function checkPlayTemplates(plays: readonly LoadedPlay[], base: FileBase): Promise<Array<{ location: Location; message: string }>> {
  const named = namedTemplates(plays.flatMap((loaded) => loaded.parsed.map((p) => p.task)));
  return checkNamedTemplates(base.dir, [...base.templates], named);
}
