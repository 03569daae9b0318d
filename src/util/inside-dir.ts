// The one check that a path given by a role (a file, a template, an EJS include) stays inside the role's
// directory, through `..`, absolute paths and symbolic links alike.
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import path from "node:path";
import { shownDir } from "../config/role-dir.js";

/**
 * Resolve `relPath` under `base/sub`, refusing anything that would escape it: `..`, absolute paths, and
 * symbolic links (the path itself, a directory on the way, or any link inside a directory) whose target
 * lies outside `base/sub`. A role's files can never bring in a file of the control machine from elsewhere.
 * `projectDir`: messages name the directory relative to it, as the user does.
 */
export function insideDir(base: string, sub: string, relPath: string, projectDir?: string): string {
  const root = path.resolve(base, sub);
  const full = path.resolve(root, relPath);
  // Named as the other messages about a role's files name it (`roles/app/templates/`), when the project is known.
  const shown = projectDir === undefined ? `${path.join(path.basename(base), sub)}/` : shownDir(root, projectDir);
  if (path.isAbsolute(relPath) || !within(root, full)) throw new Error(`'${relPath}' points outside ${shown}`);
  const realRoot = realOrUndefined(root);
  const real = realOrUndefined(full);
  // A path that does not exist escapes nothing; the module reports it missing.
  if (realRoot === undefined || real === undefined) return full;
  if (!within(realRoot, real)) throw new Error(`'${relPath}' is a symbolic link to ${real}, outside ${shown}`);
  const escaping = linkOutside(real, realRoot);
  if (escaping) throw new Error(`'${relPath}' holds ${escaping.link}, a symbolic link to ${escaping.target}, outside ${shown}`);
  return full;
}

function within(root: string, full: string): boolean {
  return full === root || full.startsWith(root + path.sep);
}

function realOrUndefined(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/** The first symbolic link under directory `dir` whose target is outside `root` (lstat walk; links are not followed). */
function linkOutside(dir: string, root: string): { link: string; target: string } | undefined {
  if (!lstatSync(dir).isDirectory()) return undefined;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(full);
      else if (entry.isSymbolicLink()) {
        const target = realOrUndefined(full);
        if (target !== undefined && !within(root, target)) return { link: path.relative(dir, full), target };
      }
    }
  }
  return undefined;
}
