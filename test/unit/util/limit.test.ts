import { describe, expect, it } from "vitest";
import { limiter } from "../../../src/util/limit.js";

describe("limiter", () => {
  it("runs at most `max` at once, every call to its end, each with its own result", async () => {
    const limit = limiter(3);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          most = Math.max(most, ++running);
          await new Promise((resolve) => setTimeout(resolve, 1 + (i % 4)));
          running--;
          return i * 2;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });

  it("a failed call gives back its place: the ones waiting still run", async () => {
    const limit = limiter(1);
    const failed = limit(() => Promise.reject(new Error("no")));
    const next = limit(async () => "ran");
    await expect(failed).rejects.toThrow("no");
    await expect(next).resolves.toBe("ran");
  });
});
