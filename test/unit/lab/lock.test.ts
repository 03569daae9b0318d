import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withLock } from "../../../src/lab/lock.js";

let dir = "";
let file = "";

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "lab-lock-"));
  file = join(dir, "lock");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A live process that is not us, to stand for another lab operation. */
async function otherProcess<T>(use: (pid: number) => Promise<T>): Promise<T> {
  const child = spawn("sleep", ["30"], { stdio: "ignore" });
  try {
    await new Promise((resolve) => child.once("spawn", resolve));
    return await use(child.pid ?? 0);
  } finally {
    child.kill();
  }
}

describe("lab lock", () => {
  it("runs one operation at a time and removes the lock after", async () => {
    const order: string[] = [];
    const op = (name: string) =>
      withLock(file, async () => {
        order.push(`${name} start`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name} end`);
      });
    await Promise.all([op("a"), op("b")]);
    // Either may take it first; the other starts only once the first has ended.
    expect([["a start", "a end", "b start", "b end"].join(), ["b start", "b end", "a start", "a end"].join()]).toContain(order.join());
    // Neither the lock nor a file used to take it is left behind.
    expect(await readdir(dir)).toEqual([]);
  });

  it("holds our pid from the moment the lock file exists", async () => {
    await withLock(file, async () => {
      expect(await readFile(file, "utf8")).toBe(`${process.pid}\n`);
    });
  });

  it("takes over a lock whose owner is gone", async () => {
    await writeFile(file, "999999999\n");
    expect(await withLock(file, async () => "ran", { waitMs: 1000 })).toBe("ran");
  });

  it("takes over an abandoned lock once when several wait for it", async () => {
    await writeFile(file, "999999999\n");
    let inside = 0;
    let most = 0;
    const op = () =>
      withLock(
        file,
        async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        },
        { pollMs: 5 },
      );
    await Promise.all(Array.from({ length: 8 }, op));
    expect(most).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it("waits for a lock file that is still empty (its owner is writing its pid), instead of taking it", async () => {
    await writeFile(file, "");
    await expect(withLock(file, async () => "ran", { waitMs: 300, pollMs: 20 })).rejects.toThrow(/held by a process that is taking it now/);
    expect(await readFile(file, "utf8")).toBe("");
  });

  it("takes over an empty lock file left long ago (its owner died before writing its pid)", async () => {
    await writeFile(file, "");
    const old = new Date(Date.now() - 60_000);
    await utimes(file, old, old);
    expect(await withLock(file, async () => "ran", { waitMs: 1000 })).toBe("ran");
  });

  it("says once who holds the lock and that it waits, then takes it when the holder is done", async () => {
    await otherProcess(async (pid) => {
      await writeFile(file, `${pid}\n`);
      const lines: string[] = [];
      const taken = withLock(file, async () => "ran", { log: (l) => lines.push(l), pollMs: 10 });
      await new Promise((r) => setTimeout(r, 200));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^waiting for the lab lock ${file}, held by pid ${pid} \\(sleep 30\\) since \\d\\d:\\d\\d:\\d\\d: the lab runs one operation at a time on this machine \\(waiting at most 10 min\\)$`),
      );
      await rm(file);
      expect(await taken).toBe("ran");
      expect(lines).toHaveLength(1);
    });
  });

  it("gives up after its wait, naming the holder", async () => {
    await otherProcess(async (pid) => {
      await writeFile(file, `${pid}\n`);
      await expect(withLock(file, async () => "ran", { waitMs: 100, pollMs: 10 })).rejects.toThrow(
        new RegExp(`^gave up after 0 s waiting for the lab lock ${file}: it is held by pid ${pid} \\(sleep 30\\) since .*; wait for that operation to end, or stop it if it hangs$`),
      );
    });
  });

  it("leaves a lock it no longer owns alone", async () => {
    await withLock(file, async () => {
      // Someone removed ours and took the lock (an operator, or an older version): theirs stays.
      await rm(file);
      await writeFile(file, "1\n");
    });
    expect(await readFile(file, "utf8")).toBe("1\n");
  });
});
