// `deploy ping` against the tests' lab (root; FAILS without the lab, never skips).
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/command.js";
import { main } from "../../src/cli/main.js";
import { ensureLab, LAB_SUBNET, TEST_LAB_DIR, testLabInventory } from "./support/lab.js";

const INVENTORY = testLabInventory();
const GHOST = `${LAB_SUBNET}.250`;

let home = "";

async function ping(args: string[]): Promise<{ code: number; out: string[]; err: string[]; seconds: number }> {
  const out: string[] = [];
  const err: string[] = [];
  // Own HOME: this machine's ~/.ssh (config, known_hosts, agent) must not change the outcome.
  const io: CliIO = { out: (l) => out.push(l), err: (l) => err.push(l), isTTY: false, cwd: process.cwd(), env: { PATH: process.env["PATH"], HOME: home } };
  const started = Date.now();
  const code = await main(["ping", ...args], io);
  return { code, out, err, seconds: (Date.now() - started) / 1000 };
}

beforeAll(async () => {
  await ensureLab(INVENTORY);
  home = await mkdtemp(join(tmpdir(), "deploy-ping-home-"));
});

describe("deploy ping", () => {
  it("reports every lab host reachable with its OS, round trip and working sudo; exit 0", async () => {
    const r = await ping([INVENTORY]);
    expect(r.code, [...r.out, ...r.err].join("\n")).toBe(0);
    for (const host of ["web-01", "web-02", "db-01"]) {
      expect(r.out.find((l) => l.startsWith(`${host} `))).toMatch(
        new RegExp(`^${host}  ok  debian 12 \\(bookworm\\) x86_64  rtt [\\d.]+ ms  connect \\d+ ms  become root ok$`),
      );
    }
    expect(r.out[r.out.length - 1]).toBe("3 hosts: 3 reachable, 0 unreachable");
  });

  it("reports an unreachable host within the timeout without failing the others; exit 4", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-ping-"));
    await mkdir(join(dir, "inventory"));
    const lab = (await readFile(INVENTORY, "utf8")).replaceAll("../.lab/", `${join(TEST_LAB_DIR, ".lab")}/`);
    const withGhost = lab.replace(/^groups:/m, `  ghost:\n    address: ${GHOST}\n    user: deploy\n    identity_file: ../ghost_key\ngroups:`);
    const file = join(dir, "inventory", "lab.yaml");
    await writeFile(file, withGhost);
    await writeFile(join(dir, "ghost_key"), await readFile(join(TEST_LAB_DIR, ".lab", "id_ed25519")), { mode: 0o600 });
    const r = await ping([file, "--timeout", "3"]);
    expect(r.code).toBe(4);
    // No ARP answer: either the kernel gives up (no route) or the 3 s connect timeout comes first.
    expect([
      `ghost  UNREACHABLE  no route to ${GHOST} (host down or not on this network)`,
      `ghost  UNREACHABLE  no SSH answer from ${GHOST} within 3s`,
    ]).toContain(r.out.find((l) => l.startsWith("ghost ")));
    expect(r.out.filter((l) => / {2}ok {2}debian 12/.test(l))).toHaveLength(3);
    expect(r.out[r.out.length - 1]).toBe("4 hosts: 3 reachable, 1 unreachable");
    expect(r.seconds).toBeLessThan(8);
  });

  it("limits to a pattern and prints JSON", async () => {
    const r = await ping([INVENTORY, "--limit", "app:!web-02", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out.join("\n")) as { hosts: Array<Record<string, unknown>>; summary: unknown };
    expect(doc.summary).toEqual({ hosts: 1, reachable: 1, unreachable: 0 });
    expect(doc.hosts[0]).toMatchObject({
      host: "web-01",
      address: `${LAB_SUBNET}.11`,
      reachable: true,
      facts: { os: { id: "debian", version: "12", codename: "bookworm" }, hostname: "web-01", init: "systemd", packageManager: "apt", addresses: [`${LAB_SUBNET}.11`] },
      become: { user: "root", ok: true },
    });
  });

  it("refuses an unknown --limit name as a usage error", async () => {
    const r = await ping([INVENTORY, "--limit", "wbe-01"]);
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toMatch(/--limit host pattern 'wbe-01'/);
  });
});
