import { describe, expect, it } from "vitest";
import { ChannelPool } from "../../../src/connection/channel-pool.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));
const shortage = () => Object.assign(new Error("(SSH) Channel open failure: open failed"), { reason: 2 });

describe("ChannelPool", () => {
  it("never runs more than the cap at once and runs everything queued", async () => {
    const pool = new ChannelPool({ max: 3 });
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          running--;
          return i;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("retries a refused channel open (reason 2) with backoff and lowers the cap", async () => {
    const sleeps: number[] = [];
    const pool = new ChannelPool({ max: 8, sleep: async (ms) => void sleeps.push(ms) });
    let calls = 0;
    const value = await pool.run(async () => {
      calls++;
      if (calls < 3) throw shortage();
      return "ok";
    });
    expect(value).toBe("ok");
    expect(sleeps).toEqual([25, 50]);
    expect(pool.capacity).toBe(1);
  });

  it("gives up after the attempts and rethrows; other errors are not retried", async () => {
    const pool = new ChannelPool({ attempts: 3, sleep: async () => undefined });
    let calls = 0;
    await expect(pool.run(async () => {
      calls++;
      throw shortage();
    })).rejects.toThrow("open failed");
    expect(calls).toBe(3);
    let other = 0;
    await expect(pool.run(async () => {
      other++;
      throw new Error("broken");
    })).rejects.toThrow("broken");
    expect(other).toBe(1);
    expect(pool.inUse).toBe(0);
  });
});

describe("ChannelPool recovery", () => {
  it("raises a lowered cap back one step at a time after successes, up to the configured max", async () => {
    const pool = new ChannelPool({ max: 3, sleep: async () => undefined });
    let first = true;
    await pool.run(async () => {
      if (first) {
        first = false;
        throw shortage();
      }
    });
    expect(pool.capacity).toBe(1);
    for (let i = 0; i < 16; i++) await pool.run(async () => undefined);
    expect(pool.capacity).toBe(2);
    for (let i = 0; i < 100; i++) await pool.run(async () => undefined);
    expect(pool.capacity).toBe(3);
  });
});
