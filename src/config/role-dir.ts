// A role's main files, found, or why not. A directory on the way that the user may not read (roles/ or the
// role's own, mode 700 for another user) makes every path below it fail as if absent; saying "not found"
// would send them looking for a typo, so permission errors are told apart and name that directory.
import { stat } from "node:fs/promises";
import path from "node:path";

export type MainFile = { file: string } | { missing: true } | { unreadable: string };

const DENIED = new Set(["EACCES", "EPERM"]);

/** The error code of stat(`file`), undefined when it exists. */
async function statError(file: string): Promise<string | undefined> {
  try {
    await stat(file);
    return undefined;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code ?? "unknown";
  }
}

/** Whether a file system error means "permission denied". */
export function isDenied(error: unknown): boolean {
  return DENIED.has((error as NodeJS.ErrnoException | null)?.code ?? "");
}

/**
 * The directory that refuses the way from `base` to `file`: the parent of the first path that cannot be
 * looked at (a directory without search permission hides its entries, not itself).
 */
async function refusingDir(base: string, file: string): Promise<string> {
  let dir = base;
  for (const segment of path.relative(base, file).split(path.sep).slice(0, -1)) {
    const next = path.join(dir, segment);
    if (DENIED.has((await statError(next)) ?? "")) return dir;
    dir = next;
  }
  return dir;
}

/** `<dir>/<sub>/main.yaml`, else `main.yml`; an unreadable directory between `base` and it is named. */
export async function findMainFile(base: string, dir: string, sub: string): Promise<MainFile> {
  for (const ext of ["yaml", "yml"]) {
    const file = path.join(dir, sub, `main.${ext}`);
    const code = await statError(file);
    if (code === undefined) return { file };
    if (DENIED.has(code)) return { unreadable: await refusingDir(base, file) };
  }
  return { missing: true };
}

/** `roles/app/` for messages: relative to the project, as the user names it. */
export function shownDir(dir: string, projectDir: string): string {
  const rel = path.relative(projectDir, dir);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? `${rel}/` : `${dir}/`;
}
