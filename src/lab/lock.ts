// One lab operation at a time on this machine (two `up`s would race on the image, bridge and mounts).
// The lock file holds the owner's pid, so a lock left by a killed run is taken over, not waited on.
// It appears with its pid already in it (written to a file of our own, then linked into place): a lock
// file created empty and filled afterwards could be read in between as "no owner" and taken twice.
import { randomBytes } from "node:crypto";
import { readFileSync, statSync, unlinkSync } from "node:fs";
import { link, readFile, rm, stat, writeFile } from "node:fs/promises";

export interface LockOptions {
  /** How long to wait for another operation to end (default 10 min). */
  waitMs?: number;
  /** Told once per holder that we wait, and for whom. */
  log?: (line: string) => void;
  pollMs?: number;
}

/**
 * Older versions created the file empty and wrote the pid after: an empty file this young is being
 * taken, not abandoned. A takeover guard this old belongs to a process that died during the takeover.
 */
const TAKING_MS = 10_000;

function duration(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

interface Holder {
  ino: number;
  /** undefined: an empty file (its owner is writing its pid). */
  pid: number | undefined;
  since: Date;
}

async function readHolder(file: string): Promise<Holder | undefined> {
  try {
    const [info, text] = await Promise.all([stat(file), readFile(file, "utf8")]);
    const pid = text.trim() === "" ? undefined : Number(text.trim());
    return { ino: info.ino, pid, since: info.mtime };
  } catch (error: unknown) {
    if (code(error) === "ENOENT") return undefined;
    throw error;
  }
}

function abandoned(holder: Holder): boolean {
  if (holder.pid === undefined) return Date.now() - holder.since.getTime() > TAKING_MS;
  return !Number.isInteger(holder.pid) || holder.pid <= 0 || !pidAlive(holder.pid);
}

/**
 * Remove an abandoned lock. Two waiters may find the same dead owner: without the guard, the second one's
 * removal could hit the lock the first one has just taken. Under the guard, the file is checked again
 * and only a lock that is still abandoned is removed.
 */
async function takeOver(file: string): Promise<void> {
  const guard = `${file}.takeover`;
  try {
    await writeFile(guard, `${process.pid}\n`, { flag: "wx" });
  } catch (error: unknown) {
    if (code(error) !== "EEXIST") throw error;
    const age = await stat(guard).then((s) => Date.now() - s.mtime.getTime(), () => 0);
    if (age > TAKING_MS) await rm(guard, { force: true });
    return;
  }
  try {
    const holder = await readHolder(file);
    if (holder && abandoned(holder)) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Which file is ours: inode numbers are reused at once, so the write time and content count too. */
interface Taken {
  ino: number;
  mtimeMs: number;
}

/** The lock file, taken with our pid in it; undefined when another holds it. */
async function tryTake(file: string): Promise<Taken | undefined> {
  const mine = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  await writeFile(mine, `${process.pid}\n`);
  try {
    await link(mine, file);
    const info = await stat(mine);
    return { ino: info.ino, mtimeMs: info.mtimeMs };
  } catch (error: unknown) {
    if (code(error) === "EEXIST") return undefined;
    throw error;
  } finally {
    await rm(mine, { force: true });
  }
}

async function commandOf(pid: number): Promise<string> {
  const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "")).split("\0").filter(Boolean);
  const line = argv.join(" ");
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

async function describeHolder(holder: Holder): Promise<string> {
  const minutes = Math.floor((Date.now() - holder.since.getTime()) / 60_000);
  const since = `since ${holder.since.toTimeString().slice(0, 8)}${minutes > 0 ? `, ${minutes} min ago` : ""}`;
  if (holder.pid === undefined) return `a process that is taking it now (${since})`;
  const command = await commandOf(holder.pid);
  return `pid ${holder.pid}${command ? ` (${command})` : ""} ${since}`;
}

function releaser(file: string, taken: Taken): () => void {
  return () => {
    try {
      const info = statSync(file);
      const ours = info.ino === taken.ino && info.mtimeMs === taken.mtimeMs && readFileSync(file, "utf8") === `${process.pid}\n`;
      if (ours) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

export async function withLock<T>(file: string, work: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const waitMs = options.waitMs ?? 600_000;
  const deadline = Date.now() + waitMs;
  let told: string | undefined;
  let taken: Taken | undefined;
  while ((taken = await tryTake(file)) === undefined) {
    const holder = await readHolder(file);
    if (!holder) continue;
    if (abandoned(holder)) {
      await takeOver(file);
      continue;
    }
    const who = `${holder.ino}:${holder.pid}`;
    if (Date.now() > deadline) {
      throw new Error(
        `gave up after ${duration(waitMs)} waiting for the lab lock ${file}: it is held by ${await describeHolder(holder)}; wait for that operation to end, or stop it if it hangs`,
      );
    }
    if (told !== who) {
      told = who;
      options.log?.(
        `waiting for the lab lock ${file}, held by ${await describeHolder(holder)}: the lab runs one operation at a time on this machine (waiting at most ${duration(waitMs)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
  // An exit in the middle (a second Ctrl-C) still gives the lock back.
  const release = releaser(file, taken);
  process.on("exit", release);
  try {
    return await work();
  } finally {
    process.off("exit", release);
    release();
  }
}
