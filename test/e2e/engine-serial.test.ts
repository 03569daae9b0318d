// serial + max_fail_percentage on the engine lab with an inventory host that never answers (root; FAILS
// without the lab). inventory/ghost.yaml orders the hosts e1, ghost, e2, e3.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deploy, deployJson, engineLab, GHOST_INVENTORY, onHost, onHosts, playbook } from "../fixtures/engine/harness.js";

let lab: Lab;

/** When each host ran the `stamp` task (ns since the epoch; the hosts share this machine's clock). */
async function stamps(host: string): Promise<bigint[]> {
  const text = await onHost(lab, host, "cat /tmp/eng-serial/stamps 2>/dev/null || true");
  return text.split("\n").filter(Boolean).map((l) => BigInt(l));
}

async function ranAfterwards(host: string): Promise<boolean> {
  return (await onHost(lab, host, "test -e /tmp/eng-serial/after && echo yes || echo no")) === "yes\n";
}

beforeAll(async () => {
  lab = await engineLab();
});

beforeEach(async () => {
  await onHosts(lab, "rm -rf /tmp/eng-serial");
});

describe("serial batches with an unreachable host", () => {
  it("serial 1, max_fail_percentage 0: the ghost's batch aborts the run; later hosts and plays are untouched; exit 4", async () => {
    const { code, doc } = await deployJson(["apply", GHOST_INVENTORY, playbook("serial-strict")]);
    expect(code).toBe(4);
    expect(doc.aborted).toBe("Rolling strict: 1 of 1 hosts failed, over max_fail_percentage 0%");
    expect(Object.keys(doc.recap)).toEqual(["e1", "ghost"]);
    expect(doc.recap["ghost"]).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 1, ignored: 0 });
    expect(doc.unreachable["ghost"]).toMatch(/10\.77\.2\.99/);
    expect(await stamps("e1")).toHaveLength(1);
    expect(await stamps("e2")).toEqual([]);
    expect(await stamps("e3")).toEqual([]);
    expect(await ranAfterwards("e1")).toBe(false);
  });

  it("serial 2, max_fail_percentage 50: one of two lost is within budget; the next batch runs after the first", async () => {
    const r = await deploy(["apply", GHOST_INVENTORY, playbook("serial-budget")]);
    expect(r.code, r.text).toBe(4);
    expect(r.out.filter((l) => l.startsWith("PLAY "))).toEqual([
      "PLAY Rolling budget batch 1/2 [e1, ghost]",
      "PLAY Rolling budget batch 2/2 [e2, e3]",
      "PLAY Afterwards [e1, e2, e3]",
    ]);
    expect(r.out).toContainEqual(expect.stringMatching(/^\[ghost\] unreachable /));
    const [e1] = await stamps("e1");
    const [e2] = await stamps("e2");
    const [e3] = await stamps("e3");
    // Batch 2 started after batch 1 ended: e1's task (with its 0.2 s sleep) came before e2's and e3's.
    expect(e2! - e1!).toBeGreaterThan(200_000_000n);
    expect(e3! - e1!).toBeGreaterThan(200_000_000n);
    for (const host of ["e1", "e2", "e3"]) expect(await ranAfterwards(host)).toBe(true);
    expect(r.out.slice(-5)).toEqual([
      expect.stringMatching(/^RECAP \(apply, [\d.]+m?s\)$/),
      "e1     ok=0 changed=2 failed=0 skipped=0 unreachable=0",
      "ghost  ok=0 changed=0 failed=0 skipped=0 unreachable=1",
      "e2     ok=0 changed=2 failed=0 skipped=0 unreachable=0",
      "e3     ok=0 changed=2 failed=0 skipped=0 unreachable=0",
    ]);
  });

  it("no budget, serial 1: the batch holding only the ghost failed entirely, so the run stops there", async () => {
    const { code, doc } = await deployJson(["apply", GHOST_INVENTORY, playbook("serial-default")]);
    expect(code).toBe(4);
    expect(doc.aborted).toBe("Rolling default: every host of the batch failed");
    expect(Object.keys(doc.recap)).toEqual(["e1", "ghost"]);
    expect(await stamps("e2")).toEqual([]);
  });
});
