// The overlay mount that is one host's root file system: the shared image below, the host's own upper dir
// above. Mounts outlive the process that made them, so they are read back from /proc/self/mountinfo.
import { readFile, mkdir } from "node:fs/promises";
import type { Runner } from "./runner.js";

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    const [before, after] = line.split(" - ");
    if (before === undefined || after === undefined) continue;
    const mountPoint = before.split(" ")[4];
    const [fsType, source, superOptions] = after.split(" ");
    if (mountPoint === undefined || fsType === undefined) continue;
    entries.push({
      mountPoint: unescapeMountField(mountPoint),
      fsType,
      source: source ?? "",
      superOptions: superOptions ?? "",
    });
  }
  return entries;
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile("/proc/self/mountinfo", "utf8"));
}

export function isMounted(mounts: MountEntry[], mountPoint: string): boolean {
  return mounts.some((m) => m.mountPoint === mountPoint);
}

/** Overlays whose lower dir is `image` (hosts of any lab using the cached image). */
export function overlaysOf(mounts: MountEntry[], image: string): MountEntry[] {
  return mounts.filter((m) => m.fsType === "overlay" && m.superOptions.split(",").includes(`lowerdir=${image}`));
}

export interface OverlayPaths {
  upper: string;
  work: string;
  root: string;
}

/** Unmount every mount at `mountPoint` (a stale run may have stacked several). */
export async function unmountAll(run: Runner, mountPoint: string): Promise<void> {
  for (let attempt = 0; attempt < 10 && isMounted(await readMounts(), mountPoint); attempt++) {
    const result = await run("umount", [mountPoint], { allowFailure: true });
    // Busy although the host's processes are gone (a shell with its cwd inside, say): detach it lazily so
    // the next mount starts clean; the kernel frees it when the last user leaves.
    if (result.code !== 0) await run("umount", ["--lazy", mountPoint], { allowFailure: true });
  }
  if (isMounted(await readMounts(), mountPoint)) throw new Error(`cannot unmount ${mountPoint}`);
}

/** Mount the host's overlay fresh (an existing mount from an earlier run is replaced). */
export async function mountOverlay(run: Runner, image: string, host: OverlayPaths): Promise<void> {
  await unmountAll(run, host.root);
  await Promise.all([host.upper, host.work, host.root].map((dir) => mkdir(dir, { recursive: true })));
  await run("mount", [
    "-t",
    "overlay",
    "overlay",
    "-o",
    `lowerdir=${image},upperdir=${host.upper},workdir=${host.work}`,
    host.root,
  ]);
}
