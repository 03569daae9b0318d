// Roles: `roles/<name>/` with tasks/main.yaml (required), handlers/main.yaml, defaults/main.yaml,
// templates/ and files/. Also the checks of paths tasks give to `template` and `copy` (they must exist and
// stay inside the role).
import { statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { Handler, Location, Role, Task, Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { findMainFile, isDenied, shownDir } from "./role-dir.js";
import { NAME, NAME_RULE } from "./schemas.js";
import { formatPath, readSource, type SourceFile } from "./source.js";
import { locate } from "./locate.js";
import { didYouMean } from "./suggest.js";
import { hasTemplate, parseTask, type ParsedTask } from "./tasks.js";
import { describeValue } from "./validate.js";
import { checkVarNames } from "./vars-files.js";
import { exists } from "../util/exists.js";
import { insideDir } from "../util/inside-dir.js";
import { jinjaNameProblem } from "./jinja-templates.js";

export interface LoadedRole {
  role: Role;
  /** Parsed tasks and handlers with their sources, for cross-reference checks. */
  parsed: ParsedTask[];
  /** Values tagged `!secret` in the role's files. */
  secrets: string[];
  /** Its handlers/ could not be read: a notify naming none of the handlers seen may still be right. */
  handlersUnread?: boolean;
}

/**
 * Relative POSIX paths of everything under `dir` (files; directories too when `withDirs`). Directories that
 * may not be read go to `denied` (absolute), when given: their files are not missing, only unseen.
 */
export async function listTree(dir: string, withDirs: boolean, denied?: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (sub: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, sub), { withFileTypes: true });
    } catch (error: unknown) {
      if (isDenied(error)) denied?.push(path.join(dir, sub));
      return;
    }
    const subdirs: Promise<void>[] = [];
    for (const entry of entries) {
      const rel = sub === "" ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) {
        if (withDirs) out.push(rel);
        // Side by side: a role's files/ may hold a whole node_modules (hundreds of directories).
        subdirs.push(walk(rel));
      } else {
        out.push(rel);
      }
    }
    await Promise.all(subdirs);
  };
  await walk("");
  return out.sort();
}

function parseList(source: SourceFile, problems: Problems, kind: "task" | "handler", role: string): ParsedTask[] | undefined {
  if (!Array.isArray(source.value)) {
    problems.add(locate(source, []), "", `expected a list of ${kind}s, got ${describeValue(source.value)}`);
    return undefined;
  }
  const out: ParsedTask[] = [];
  source.value.forEach((raw, i) => {
    const parsed = parseTask(raw, source, [i], problems, kind, role);
    if (parsed) out.push(parsed);
  });
  return out;
}

async function firstExisting(dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) if (await exists(dir)) return dir;
  return undefined;
}

/** Names allowed for roles: one directory under roles/, never a path. */
export function roleNameProblem(name: string): string | undefined {
  if (name === "." || name === ".." || !NAME.test(name)) {
    return `role name \`${name}\` is not valid: ${NAME_RULE} (a role is a directory directly under roles/)`;
  }
  return undefined;
}

/**
 * Load roles/<name>; `from` is where the play references it; `elsewhere`, directories a user may have put
 * roles/ in (next to the playbook), named when the role is found there instead. Undefined only when the role does not exist;
 * a role with problems is still returned (partially) so later checks (handler names) stay accurate.
 */
export async function loadRole(
  name: string,
  projectDir: string,
  from: { location: Location; path: string },
  problems: Problems,
  elsewhere: readonly string[] = [],
): Promise<LoadedRole | undefined> {
  const invalid = roleNameProblem(name);
  if (invalid) {
    problems.add(from.location, from.path, invalid);
    return undefined;
  }
  const rolesDir = path.join(projectDir, "roles");
  const dir = path.join(rolesDir, name);
  const denied = (unreadable: string) => problems.add(from.location, from.path, `role \`${name}\`: cannot read ${shownDir(unreadable, projectDir)} (permission denied)`);
  const tasksMain = await findMainFile(projectDir, dir, "tasks");
  if ("unreadable" in tasksMain) {
    denied(tasksMain.unreadable);
    return undefined;
  }
  const tasksFile = "file" in tasksMain ? tasksMain.file : undefined;
  if (!tasksFile) {
    if (await exists(dir)) {
      problems.add(from.location, from.path, `role \`${name}\` has no tasks/main.yaml (write \`[]\` in it for a role without tasks)`);
    } else {
      const known = (await readdir(rolesDir).catch(() => [] as string[])).filter((n) => !n.startsWith("."));
      const near = await firstExisting(elsewhere.map((d) => path.join(d, "roles", name)));
      const layout = near
        ? `; ${near}/ is not read: deploy takes roles/ from the project directory, the parent of the inventory's directory (lay it out as inventory/, playbooks/, roles/)`
        : didYouMean(name, known);
      problems.add(from.location, from.path, `role \`${name}\` not found (no directory roles/${name}/ in ${projectDir}, the project directory)${layout}`);
    }
    return undefined;
  }
  const parsed: ParsedTask[] = [];

  const secrets: string[] = [];
  const tasksSource = await readSource(tasksFile, "a list of tasks (write `[]` for none)", problems);
  secrets.push(...(tasksSource?.secrets ?? []));
  const tasks = tasksSource ? parseList(tasksSource, problems, "task", name) : undefined;
  if (tasks) parsed.push(...tasks);

  let handlers: ParsedTask[] = [];
  const handlersFile = await findMainFile(projectDir, dir, "handlers");
  const handlersUnread = "unreadable" in handlersFile;
  if ("unreadable" in handlersFile) denied(handlersFile.unreadable);
  if ("file" in handlersFile) {
    const source = await readSource(handlersFile.file, "a list of handlers (write `[]` for none)", problems);
    secrets.push(...(source?.secrets ?? []));
    const list = source ? parseList(source, problems, "handler", name) : undefined;
    if (list) handlers = list;
  }

  let defaults: Vars = {};
  const defaultsFile = await findMainFile(projectDir, dir, "defaults");
  if ("unreadable" in defaultsFile) denied(defaultsFile.unreadable);
  if ("file" in defaultsFile) {
    const source = await readSource(defaultsFile.file, "a map of default var values (write `{}` for none)", problems);
    secrets.push(...(source?.secrets ?? []));
    if (!source) {
      // Problems already added.
    } else if (source.value === null || typeof source.value !== "object" || Array.isArray(source.value)) {
      problems.add(locate(source, []), "", `role defaults must be a map of var names to values, got ${describeValue(source.value)}`);
    } else {
      defaults = source.value as Vars;
      checkVarNames(defaults, source, [], problems);
    }
  }

  const unseen: string[] = [];
  const [templates, files] = await Promise.all([listTree(path.join(dir, "templates"), false, unseen), listTree(path.join(dir, "files"), true, unseen)]);
  for (const unreadable of unseen.sort()) denied(unreadable);
  const role: Role = {
    name,
    dir,
    tasks: (tasks ?? []).map((p) => p.task),
    handlers: handlers.map((p) => p.task as Handler),
    defaults,
    templates,
    files,
  };
  parsed.push(...handlers);
  // Behind an unreadable directory every template and file would also be reported missing.
  if (unseen.length === 0) for (const p of parsed) checkFileRefs(p, { dir, projectDir, templates: new Set(templates), files: new Set(files) }, problems);
  return { role, parsed, secrets, ...(handlersUnread ? { handlersUnread } : {}) };
}

export interface FileBase {
  /** Directory holding templates/ and files/ (a role, or the project for a play's own tasks). */
  dir: string;
  /** Messages name its directories relative to the project (`roles/app/templates/`, `templates/`), as users do. */
  projectDir: string;
  templates: Set<string>;
  files: Set<string>;
  /** Directories under it that could not be listed (absolute): what is below them is unseen, not missing. */
  unreadable?: string[];
}

/** A relative path that stays below its directory: no `..` segment, not absolute. */
export function escapesDir(rel: string): boolean {
  return path.isAbsolute(rel) || rel.startsWith("~") || rel.split(/[\\/]/).includes("..");
}

const FILE_PARAMS: Record<string, { sub: "templates" | "files"; what: string }> = {
  template: { sub: "templates", what: "template" },
  copy: { sub: "files", what: "file" },
};

/** False also when the path cannot be looked at (a directory on the way the user may not read). */
function isDirectory(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isDirectory() ?? false;
  } catch {
    return false;
  }
}

/** `template: { src }` and `copy: { src }` must name something that exists under the role. */
export function checkFileRefs(parsed: ParsedTask, base: FileBase, problems: Problems): void {
  const task: Task = parsed.task;
  const ref = FILE_PARAMS[task.module];
  const src = task.params["src"];
  if (!ref || typeof src !== "string" || hasTemplate(src)) return;
  const subDir = shownDir(path.join(base.dir, ref.sub), base.projectDir);
  const at = [...parsed.paramsPath, "src"];
  const location = locate(parsed.source, at);
  if (escapesDir(src)) {
    problems.add(location, formatPath(at), `\`${src}\` must be a path inside ${subDir} (no \`..\`, not absolute)`);
    return;
  }
  const jinja = ref.sub === "templates" ? jinjaNameProblem(src) : undefined;
  if (jinja) {
    problems.add(location, formatPath(at), jinja);
    return;
  }
  const normalized = path.posix.normalize(src.replace(/\\/g, "/")).replace(/\/$/, "");
  const known = ref.sub === "templates" ? base.templates : base.files;
  if (!known.has(normalized)) {
    const file = path.join(base.dir, ref.sub, normalized);
    const hidden = base.unreadable?.find((dir) => file.startsWith(dir + path.sep));
    if (hidden) {
      problems.add(location, formatPath(at), `${ref.what} \`${src}\`: cannot read ${shownDir(hidden, base.projectDir)} (permission denied)`);
      return;
    }
    // Templates are files: a directory of that name is listed nowhere, and "not found" would mislead.
    const directory = ref.sub === "templates" && isDirectory(file);
    const message = directory ? `template \`${src}\` is a directory` : `${ref.what} \`${src}\` not found in ${subDir}${didYouMean(normalized, known)}`;
    problems.add(location, formatPath(at), message);
    return;
  }
  // The run refuses a symbolic link out of the role (a template linked to /etc/passwd); say so now.
  try {
    insideDir(base.dir, ref.sub, normalized, base.projectDir);
  } catch (error: unknown) {
    problems.add(location, formatPath(at), error instanceof Error ? error.message : String(error));
  }
}
