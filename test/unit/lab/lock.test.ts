import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withLock } from "../../../src/lab/lock.js";

describe("lab lock", () => {
  it("runs one operation at a time and removes the lock after", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-lock-"));
    const file = join(dir, "lock");
    try {
      const order: string[] = [];
      const op = (name: string) =>
        withLock(file, async () => {
          order.push(`${name} start`);
          await new Promise((r) => setTimeout(r, 50));
          order.push(`${name} end`);
        });
      await Promise.all([op("a"), op("b")]);
      expect(order).toEqual(["a start", "a end", "b start", "b end"]);
      await expect(readFile(file)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("takes over a lock whose owner is gone", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-lock-"));
    const file = join(dir, "lock");
    try {
      await writeFile(file, "999999999\n");
      expect(await withLock(file, async () => "ran", 1000)).toBe("ran");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
