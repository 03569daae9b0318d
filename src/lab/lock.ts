// One lab operation at a time on this machine (two `up`s would race on the image, bridge and mounts).
// The lock file holds the owner's pid, so a lock left by a killed run is taken over, not waited on.
import { open, readFile, rm } from "node:fs/promises";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function withLock<T>(file: string, work: () => Promise<T>, waitMs = 600_000): Promise<T> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(file, "wx");
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(file, "utf8").catch(() => "")).trim());
      if (!Number.isInteger(owner) || owner <= 0 || !pidAlive(owner)) {
        await rm(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another lab operation (pid ${owner}) holds ${file}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    return await work();
  } finally {
    await rm(file, { force: true });
  }
}
