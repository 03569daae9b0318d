// Commands past Linux's 128 KiB single-argument limit, under sudo, over SSH (engine lab; root, FAILS without).
import { beforeAll, describe, expect, it } from "vitest";
import { loadInventory } from "../../src/config/inventory.js";
import { connectSsh } from "../../src/connection/ssh.js";
import { resolveTarget } from "../../src/connection/target.js";
import type { Connection } from "../../src/connection/types.js";
import { deployJson, engineLab, INVENTORY, playbook } from "../fixtures/engine/harness.js";

let conn: Connection;

beforeAll(async () => {
  await engineLab();
  const inventory = await loadInventory(INVENTORY);
  const target = resolveTarget(inventory.hosts.get("e1")!, inventory, { home: "/nonexistent", localUser: "root", fileExists: () => false });
  conn = await connectSsh(target, { env: {}, userKnownHostsFile: "/dev/null", warn: () => undefined });
  return () => conn.close();
});

/** A script of `kib` KiB of real shell words, then what it ran as and what it read on stdin. */
function bigScript(kib: number): string {
  const filler = Array.from({ length: Math.ceil((kib * 1024) / 62) }, (_, i) => `: ${String(i).padStart(8, "0")}-${"x".repeat(50)}`).join("\n");
  return `${filler}\nprintf '%s %s\\n' "$(id -un)" "$(cat | wc -c)"\nexit 7`;
}

describe("a 300 KiB command", () => {
  it("runs under sudo with no stdin: exit status and output come back", async () => {
    const script = bigScript(300);
    expect(Buffer.byteLength(script)).toBeGreaterThan(300 * 1024);
    const r = await conn.exec(script, { become: true });
    expect(r).toMatchObject({ exitCode: 7, stdout: "root 0\n" });
  });

  it("runs under sudo with the caller's stdin intact, and as the login user", async () => {
    const stdin = Buffer.alloc(200 * 1024, "z");
    expect(await conn.exec(bigScript(300), { become: true, stdin })).toMatchObject({ exitCode: 7, stdout: `root ${stdin.length}\n` });
    expect(await conn.exec(bigScript(300), { become: false, stdin: "abc" })).toMatchObject({ exitCode: 7, stdout: "deploy 3\n" });
  });

  it("honours the remote timeout", async () => {
    const r = await conn.exec(`sleep 30\n${bigScript(200)}`, { become: true, timeoutMs: 1000 });
    expect(r.timedOut).toBe(true);
  });
});

describe("the engine's batched probe past 128 KiB", () => {
  it("checks 60 long-path files in one probe and reports them converged", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, playbook("long-paths"), "--limit", "e1"]);
    expect(code, JSON.stringify(doc.tasks.find((t) => t.status !== "ok"))).toBe(0);
    expect(doc.tasks.filter((t) => t.host === "e1" && t.status === "ok")).toHaveLength(60);
    // connect-time facts + one batched probe for all 60 items.
    expect(doc.stats.roundTrips["e1"]).toBe(2);
  });
});
