// `deploy lab` on real hosts (root). Uses its own lab (own bridge and /24, same host names as the reference
// lab) so it can take its hosts down and reset them without disturbing other e2e tests.
import { spawn } from "node:child_process";
import { readFile, mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/command.js";
import { defaultLabContext, ForeignLabError, labDown, labReset, labStatus, labUp } from "../../src/lab/lab.js";
import { runCommand } from "../../src/lab/runner.js";
import { hostPaths, labPaths, LabSpecError, nftTableName, type LabSpec } from "../../src/lab/spec.js";
import { exists } from "../../src/util/exists.js";
import { readMounts } from "../../src/lab/mounts.js";
import { orphanedInits } from "../../src/lab/process.js";
import { ensureLab, labSpecFor, requireRoot, sshRun, testLabInventory } from "./support/lab.js";

const BRIDGE = "dlabtest9";
const SUBNET = "10.77.9";
const timings: Record<string, number> = {};
const ctx = defaultLabContext((line) => console.log(`[lab] ${line}`));

let project = "";
let inventoryFile = "";
let spec: LabSpec;

const inventoryYaml = `
settings:
  known_hosts: ../.lab/known_hosts
lab:
  bridge: ${BRIDGE}
hosts:
  web-01: { address: ${SUBNET}.11, user: deploy, identity_file: ../.lab/id_ed25519, become: true }
  web-02: { address: ${SUBNET}.12, user: deploy, identity_file: ../.lab/id_ed25519, become: true }
  db-01: { address: ${SUBNET}.13, user: deploy, identity_file: ../.lab/id_ed25519, become: true }
groups:
  app: { hosts: [web-01, web-02] }
`;

const ssh = (host: string, user: string, command: string) => sshRun(spec, `${SUBNET}.${host}`, user, command);

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = (Date.now() - started) / 1000;
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const io: CliIO = { out: (l) => lines.push(l), err: (l) => lines.push(l), isTTY: false, cwd: project, env: process.env };
  const code = await main(args, io);
  return { code, out: lines.join("\n") };
}

beforeAll(async () => {
  requireRoot();
  project = await mkdtemp(join(tmpdir(), "deploy-lab-e2e-"));
  await mkdir(join(project, "inventory"));
  inventoryFile = join(project, "inventory", "lab.yaml");
  await writeFile(inventoryFile, inventoryYaml);
  spec = await labSpecFor(inventoryFile);
  // Start from fresh hosts whatever an earlier run left behind.
  await labDown(spec, ctx, { all: true });
  await rm(labPaths(spec.stateDir, spec.bridge).hostsDir, { recursive: true, force: true });
  await rm(labPaths(spec.stateDir, spec.bridge).otherSubnetsDir, { recursive: true, force: true });
});

afterAll(async () => {
  if (spec) await labDown(spec, ctx, { all: true });
  if (project) await rm(project, { recursive: true, force: true });
  console.log(`[lab] timings (s): ${JSON.stringify(timings)}`);
});

describe("deploy lab", () => {
  it("boots every host of the inventory to SSH-ready in seconds", async () => {
    const result = await timed("up (first, image may be built)", () => labUp(spec, ctx));
    if (result.imageBuilt) timings["image build"] = result.imageSeconds;
    else expect(result.seconds).toBeLessThan(30);
    expect(result.started).toEqual(["web-01", "web-02", "db-01"]);
    expect(result.hosts.map((h) => [h.name, h.running, h.sshReachable])).toEqual([
      ["web-01", true, true],
      ["web-02", true, true],
      ["db-01", true, true],
    ]);
  });

  it("lets root and deploy log in with the lab key under strict host key checking", async () => {
    for (const host of ["11", "12", "13"]) {
      const root = await ssh(host, "root", "id -un");
      expect(root, root.stderr).toMatchObject({ code: 0, stdout: "root\n" });
      const deploy = await ssh(host, "deploy", "id -un && sudo -n true && sudo -n id -un");
      expect(deploy, deploy.stderr).toMatchObject({ code: 0, stdout: "deploy\nroot\n" });
    }
  });

  it("gives every host its own host keys, all recorded in the lab's known_hosts", async () => {
    const lines = (await readFile(spec.knownHostsFile, "utf8")).trim().split("\n");
    const ed25519 = lines.filter((l) => l.includes(" ssh-ed25519 "));
    expect(ed25519.map((l) => l.split(" ")[0])).toEqual([`${SUBNET}.11`, `${SUBNET}.12`, `${SUBNET}.13`]);
    expect(new Set(ed25519.map((l) => l.split(" ")[2])).size).toBe(3);
    // ed25519, ecdsa and rsa for each host: whatever type a client negotiates is known.
    expect(lines).toHaveLength(9);
  });

  it("runs systemd on Debian 12 with the inventory hostname, without Python", async () => {
    const result = await ssh("12", "root", "systemctl is-system-running --wait; hostname; . /etc/os-release; echo $VERSION_CODENAME; command -v python3 python || echo no-python; getent hosts db-01");
    expect(result.stdout.split("\n")).toEqual(["running", "web-02", "bookworm", "no-python", `${SUBNET}.13      db-01`, ""]);
  });

  it("reaches the Debian mirror from a host (apt through the lab's NAT)", async () => {
    const result = await timed("apt-get install hello", () => ssh("13", "root", "DEBIAN_FRONTEND=noninteractive apt-get install -y -q hello >/dev/null && hello"));
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: "Hello, world!\n" });
  });

  it("does nothing on a second up", async () => {
    const result = await timed("up (already up)", () => labUp(spec, ctx));
    expect(result.alreadyUp).toBe(true);
    expect(result.seconds).toBeLessThan(3);
  });

  it("shows status through the CLI", async () => {
    const { code, out } = await cli(["lab", "status", inventoryFile]);
    expect(code, out).toBe(0);
    expect(out).toMatch(new RegExp(`web-01\\s+running\\s+${SUBNET}\\.11\\s+ssh ok`));
    expect(out.split("\n").filter((l) => l.includes("ssh ok"))).toHaveLength(3);
    const again = await cli(["lab", "up", inventoryFile]);
    expect(again).toMatchObject({ code: 0 });
    expect(again.out).toContain("already up, nothing to do");
  });

  it("runs beside another lab whose hosts have the same names", async () => {
    const reference = await ensureLab(testLabInventory());
    const web01 = reference.host("web-01");
    const there = await sshRun(reference.spec, web01.address, "deploy", "hostname; ip -4 -br addr show host0");
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toMatch(new RegExp(`^web-01\\nhost0\\S*\\s+UP\\s+${web01.address.replace(/\./g, "\\.")}/24`));
    const here = await ssh("11", "deploy", "hostname");
    expect(here.stdout).toBe("web-01\n");
  });

  it("stops every host on down, removes its network and keeps each host's changes", async () => {
    expect((await ssh("11", "root", "echo kept > /root/marker")).code).toBe(0);
    const down = await timed("down", () => labDown(spec, ctx));
    // Each host halts ("stopped"); now and then a container's halt job fails under load and nspawn's second
    // SIGTERM ends it ("killed", its console logged): either way it is down, which is what follows checks.
    expect(down.stopped.map((s) => s.name).sort()).toEqual(["db-01", "web-01", "web-02"]);
    expect(down.stopped.some((s) => s.how === "stopped")).toBe(true);

    expect((await labStatus(spec)).map((h) => h.running)).toEqual([false, false, false]);
    expect((await runCommand("ip", ["link", "show", BRIDGE], { allowFailure: true })).code).not.toBe(0);
    expect((await runCommand("nft", ["list", "table", "inet", nftTableName(BRIDGE)], { allowFailure: true })).code).not.toBe(0);
    const hostsDir = labPaths(spec.stateDir, BRIDGE).hostsDir;
    expect((await readMounts()).filter((m) => m.mountPoint.startsWith(hostsDir))).toEqual([]);
    const status = await cli(["lab", "status", inventoryFile]);
    expect(status.code, status.out).toBe(4);
    expect(status.out).toMatch(/web-01\s+stopped/);

    const up = await timed("up (after down)", () => labUp(spec, ctx));
    expect(up.seconds).toBeLessThan(20);
    expect((await ssh("11", "root", "cat /root/marker")).stdout).toBe("kept\n");
  });

  it("recovers a host whose systemd-nspawn was killed outright", async () => {
    const web02 = hostPaths(labPaths(spec.stateDir, BRIDGE), "web-02");
    const pid = Number((await readFile(web02.pidFile, "utf8")).trim());
    process.kill(pid, "SIGKILL");
    await new Promise((r) => setTimeout(r, 500));
    const status = await labStatus(spec);
    expect(status.find((h) => h.name === "web-02")?.running).toBe(false);

    const up = await labUp(spec, ctx);
    expect(up.started).toEqual(["web-02"]);
    const result = await ssh("12", "root", "systemctl is-system-running --wait");
    expect(result.stdout).toBe("running\n");
  });

  it("hands an address over when another inventory on the same bridge claims it", async () => {
    const other: LabSpec = { ...spec, hosts: [{ name: "web-09", address: `${SUBNET}.11` }] };
    const up = await labUp(other, ctx);
    expect(up.started).toEqual(["web-09"]);
    expect((await ssh("11", "root", "hostname")).stdout).toBe("web-09\n");
    const back = await labUp(spec, ctx);
    expect(back.started).toEqual(["web-01"]);
    expect((await ssh("11", "root", "hostname")).stdout).toBe("web-01\n");
    expect((await labStatus(other)).find((h) => h.name === "web-09")?.running).toBe(false);
  });

  it("leaves the lab alone for an inventory of other addresses on its bridge (Vagrant's, production's)", async () => {
    await labUp(spec, ctx);
    // What inventory/vagrant.yaml and inventory/prod.yaml are to the demo lab: no \`lab:\`, so the same
    // (default) bridge, and the same host names at addresses outside the lab.
    const vagrant: LabSpec = { ...spec, hosts: spec.hosts.map((h, i) => ({ name: h.name, address: `192.168.56.${11 + i}` })) };
    const prod: LabSpec = { ...spec, hosts: spec.hosts.map((h, i) => ({ name: h.name, address: `203.0.113.${11 + i}` })) };

    await expect(labDown(vagrant, ctx)).rejects.toThrow(ForeignLabError);
    await expect(labDown(vagrant, ctx)).rejects.toThrow(`lab ${BRIDGE} carries ${SUBNET}.0/24, not this inventory's 192.168.56.0/24`);
    await expect(labDown(prod, ctx)).rejects.toThrow(LabSpecError);
    await expect(labStatus(prod)).rejects.toThrow(/203\.0\.113\.11 is not private/);
    // Its hosts are stopped there; the lab's run (and are probed) at their own addresses only.
    expect((await labStatus(vagrant)).map((h) => [h.name, h.running, h.address, h.sshReachable, h.extra ?? false])).toEqual([
      ["web-01", false, "192.168.56.11", false, false],
      ["web-02", false, "192.168.56.12", false, false],
      ["db-01", false, "192.168.56.13", false, false],
      ["db-01", true, `${SUBNET}.13`, true, true],
      ["web-01", true, `${SUBNET}.11`, true, true],
      ["web-02", true, `${SUBNET}.12`, true, true],
    ]);
    expect((await labStatus(spec)).map((h) => h.sshReachable)).toEqual([true, true, true]);

    const file = join(project, "inventory", "vagrant.yaml");
    await writeFile(file, inventoryYaml.replaceAll(`${SUBNET}.`, "192.168.56."));
    const status = await cli(["lab", "status", file]);
    expect(status.code, status.out).toBe(4);
    expect(status.out).toMatch(new RegExp(`web-01\\s+stopped\\s+192\\.168\\.56\\.11\\n`));
    expect(status.out).toMatch(new RegExp(`web-01\\s+running\\s+${SUBNET}\\.11\\s+ssh ok  \\(not this inventory's host\\)`));
    const down = await cli(["lab", "down", file]);
    expect(down.code, down.out).toBe(1);
    expect(down.out).toContain("nothing was stopped");
    expect(down.out).toContain(`\`deploy lab down --all ${file}\``);
    expect((await labStatus(spec)).map((h) => h.sshReachable)).toEqual([true, true, true]);
  });

  it("downs only the hosts of an inventory edited since its up, and --all the rest", async () => {
    const renamed: LabSpec = { ...spec, hosts: spec.hosts.map((h) => (h.name === "web-01" ? { ...h, name: "www-01" } : h)) };
    const down = await labDown(renamed, ctx);
    expect(down.stopped.map((s) => s.name).sort()).toEqual(["db-01", "web-02"]);
    expect(down.leftRunning).toEqual([{ name: "web-01", address: `${SUBNET}.11` }]);
    expect((await ssh("11", "root", "hostname")).stdout).toBe("web-01\n");

    const file = join(project, "inventory", "renamed.yaml");
    await writeFile(file, inventoryYaml.replace("web-01: {", "www-01: {").replace("app: { hosts: [web-01, web-02] }", "app: { hosts: [www-01, web-02] }"));
    const all = await cli(["lab", "down", "--all", file]);
    expect(all, all.out).toMatchObject({ code: 0, out: "  web-01  stopped" });
    expect((await runCommand("ip", ["link", "show", BRIDGE], { allowFailure: true })).code).not.toBe(0);
  });

  it("gives another inventory's host of the same name in another subnet its own machine state", async () => {
    // What an inventory without \`lab:\` naming web-01 elsewhere is to the demo lab while that is down.
    await labUp(spec, ctx);
    expect((await ssh("11", "root", "echo demo > /root/marker")).code).toBe(0);
    await labDown(spec, ctx);
    const other: LabSpec = { ...spec, hosts: [{ name: "web-01", address: "10.77.19.11" }] };
    // reset: what it wipes is its own web-01, not the demo's.
    const reset = await labReset(other, ctx);
    expect(reset.started).toEqual(["web-01"]);
    const there = await sshRun(other, "10.77.19.11", "root", "hostname; cat /root/marker 2>/dev/null || echo no-marker");
    expect(there, there.stderr).toMatchObject({ code: 0, stdout: "web-01\nno-marker\n" });
    await labDown(other, ctx);
    expect((await labUp(spec, ctx)).started).toEqual(["web-01", "web-02", "db-01"]);
    expect((await ssh("11", "root", "cat /root/marker")).stdout).toBe("demo\n");
    await labDown(spec, ctx);
  }, 180_000);

  it("says what an up stopped by Ctrl-C left, and the next up finishes it", async () => {
    // The built CLI (bin/deploy.js runs dist/, which `npm test` builds first): the signal must reach a real process.
    await rm(spec.knownHostsFile, { force: true });
    const paths = labPaths(spec.stateDir, BRIDGE);
    const child = spawn("node", ["bin/deploy.js", "lab", "up", inventoryFile], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (output += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Interrupted once every host was started (the hosts are down: no pid file is left from before), before
    // their boot ends and known_hosts is written.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const started = await Promise.all(spec.hosts.map((h) => exists(hostPaths(paths, h.name).pidFile)));
      if (started.every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGINT");
    expect(await exited, output).toBe(130);
    expect(output).toContain("deploy lab: Ctrl-C: stopped while the hosts were booting.\n");
    expect(output).toContain("Left running: web-01, web-02, db-01 (not yet seen to finish booting: web-01, web-02, db-01; their host keys are not in known_hosts yet).");
    expect(output).toContain(`\`deploy lab up ${inventoryFile}\` finishes them; \`deploy lab down ${inventoryFile}\` stops them.`);
    expect((await labStatus(spec)).map((h) => h.running)).toEqual([true, true, true]);
    await expect(readFile(spec.knownHostsFile, "utf8")).rejects.toThrow(/ENOENT/);

    const again = await labUp(spec, ctx);
    expect(again).toMatchObject({ alreadyUp: false, started: [], finished: ["web-01", "web-02", "db-01"] });
    expect((await readFile(spec.knownHostsFile, "utf8")).trim().split("\n")).toHaveLength(9);
    expect((await ssh("12", "deploy", "systemctl is-system-running")).stdout).toBe("running\n");
    expect((await labUp(spec, ctx)).alreadyUp).toBe(true);
  });

  it("reset gives fresh hosts: changes gone, new host keys, still strictly verified", async () => {
    await labUp(spec, ctx);
    expect((await ssh("11", "root", "echo gone > /root/marker")).code).toBe(0);
    const before = await readFile(spec.knownHostsFile, "utf8");
    const reset = await timed("reset", () => labReset(spec, ctx));
    expect(reset.started).toEqual(["web-01", "web-02", "db-01"]);
    const after = await readFile(spec.knownHostsFile, "utf8");
    expect(after).not.toBe(before);
    const marker = await ssh("11", "root", "test -e /root/marker && echo present || echo absent");
    expect(marker, marker.stderr).toMatchObject({ code: 0, stdout: "absent\n" });
    expect((await ssh("13", "root", "command -v hello || echo absent")).stdout).toBe("absent\n");
  });

  it("ends a host whose halt never completes, leaving no container behind", async () => {
    // A failing halt job keeps a container up after SIGTERM; masking the halt service reproduces it.
    expect((await ssh("13", "root", "systemctl mask --quiet systemd-halt.service")).code).toBe(0);
    const down = await timed("down (one host stuck)", () => labDown(spec, ctx));
    expect(down.stopped.find((s) => s.name === "db-01")?.how).toBe("killed");
    expect(down.stopped.map((s) => s.name).sort()).toEqual(["db-01", "web-01", "web-02"]);
    const paths = labPaths(spec.stateDir, BRIDGE);
    for (const name of ["web-01", "web-02", "db-01", "web-09"]) expect(await orphanedInits(hostPaths(paths, name).upper)).toEqual([]);
    expect(timings["down (one host stuck)"]).toBeLessThan(30);
  });
});
