// The shared, read-only base image every lab host overlays: Debian 12 minbase with systemd and sshd, no
// Python. Built once with debootstrap and cached; a stamp written last marks it complete, so an interrupted
// build is never used.
import { chmod, readFile, rename, rm, writeFile, mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { mirrorFromDeb822, mirrorFromSourcesList } from "./mirror.js";
import type { Runner } from "./runner.js";
import { exists } from "../util/exists.js";

export const SUITE = "bookworm";
export const IMAGE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "iproute2", "ca-certificates"];
/** Bump when the recipe below changes: an image with another version is rebuilt. */
export const IMAGE_RECIPE_VERSION = 1;
/** The unprivileged login user every lab host has (passwordless sudo). */
export const LAB_USER = "deploy";

// Timers that would start apt in the background and hold its lock while a test installs packages, and a
// console getty nobody can type into (the console is a log file).
const MASKED_UNITS = ["apt-daily.timer", "apt-daily-upgrade.timer", "console-getty.service"];

export interface ImageStamp {
  recipe: number;
  suite: string;
  mirror: string;
  builtAt: string;
  buildSeconds: number;
}

export interface ImageContext {
  run: Runner;
  log: (line: string) => void;
}

export async function readStamp(stampFile: string): Promise<ImageStamp | undefined> {
  try {
    return JSON.parse(await readFile(stampFile, "utf8")) as ImageStamp;
  } catch {
    return undefined;
  }
}

/** The mirror this machine's apt uses (DEPLOY_LAB_MIRROR overrides). */
export async function findMirror(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const override = env["DEPLOY_LAB_MIRROR"];
  if (override) return override;
  const candidates: Array<[string, (text: string, suite: string) => string | undefined]> = [
    ["/etc/apt/sources.list.d/debian.sources", mirrorFromDeb822],
    ["/etc/apt/sources.list", mirrorFromSourcesList],
  ];
  for (const [file, parse] of candidates) {
    try {
      const mirror = parse(await readFile(file, "utf8"), SUITE);
      if (mirror) return mirror;
    } catch {
      // file absent: try the next source
    }
  }
  throw new Error(
    `cannot find a Debian ${SUITE} mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; set DEPLOY_LAB_MIRROR=http://.../debian`,
  );
}

export interface ImageResult {
  built: boolean;
  seconds: number;
}

/** Build the image unless a complete one of the current recipe is cached. */
export async function ensureImage(image: string, stampFile: string, ctx: ImageContext): Promise<ImageResult> {
  const stamp = await readStamp(stampFile);
  if (stamp?.recipe === IMAGE_RECIPE_VERSION && (await exists(image))) return { built: false, seconds: 0 };
  const started = Date.now();
  const mirror = await findMirror();
  const partial = `${image}.partial`;
  ctx.log(`building the base image (Debian ${SUITE} minbase from ${mirror}, about a minute; cached afterwards)`);
  await rm(stampFile, { force: true });
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  await ctx.run("debootstrap", [
    "--variant=minbase",
    `--include=${IMAGE_PACKAGES.join(",")}`,
    SUITE,
    partial,
    mirror,
  ]);
  await configureImage(partial, ctx);
  await rm(image, { recursive: true, force: true });
  await rename(partial, image);
  const seconds = (Date.now() - started) / 1000;
  const done: ImageStamp = { recipe: IMAGE_RECIPE_VERSION, suite: SUITE, mirror, builtAt: new Date().toISOString(), buildSeconds: seconds };
  await writeFile(stampFile, JSON.stringify(done, null, 2) + "\n");
  ctx.log(`base image built in ${seconds.toFixed(0)} s`);
  return { built: true, seconds };
}

async function configureImage(root: string, ctx: ImageContext): Promise<void> {
  const chroot = (...args: string[]) => ctx.run("chroot", [root, ...args]);
  await chroot("systemctl", "enable", "ssh", "systemd-networkd");
  await chroot("systemctl", "mask", ...MASKED_UNITS);
  await chroot("useradd", "--create-home", "--shell", "/bin/bash", LAB_USER);
  await writeFile(join(root, "etc/sudoers.d", LAB_USER), `${LAB_USER} ALL=(ALL) NOPASSWD: ALL\n`);
  await chmod(join(root, "etc/sudoers.d", LAB_USER), 0o440);

  // Same package sources as this machine when they are Debian's own file (its keyring is in the image).
  try {
    const sources = await readFile("/etc/apt/sources.list.d/debian.sources", "utf8");
    await writeFile(join(root, "etc/apt/sources.list.d/debian.sources"), sources);
    await rm(join(root, "etc/apt/sources.list"), { force: true });
  } catch {
    // keep the sources.list debootstrap wrote
  }
  // Package lists in the image, like a cloud image has: a fresh host can install without a first update.
  await chroot("apt-get", "update", "-q");
  await chroot("apt-get", "clean");

  // Per-host identity is created per host: every host gets its own SSH keys and machine id.
  for (const entry of await readdir(join(root, "etc/ssh"))) {
    if (entry.startsWith("ssh_host_")) await unlink(join(root, "etc/ssh", entry));
  }
  await writeFile(join(root, "etc/machine-id"), "");
  await rm(join(root, "var/lib/dbus/machine-id"), { force: true });
  await writeFile(join(root, "etc/hostname"), "localhost\n");
}

