// Faults on the engine lab (root; FAILS without it), issue 6 item 6: a host unreachable from the start, a
// host lost in the middle of a run (SSH connection cut; host stopped), a task failing on one host.
import { execFileSync } from "node:child_process";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { labStatus, labUp, defaultLabContext } from "../../src/lab/lab.js";
import { stop } from "../../src/lab/process.js";
import type { Lab } from "../e2e/support/lab.js";
import { deploy, deployJson, engineLab, GHOST_INVENTORY, HOSTS, INVENTORY, onHost, onHosts, playbook, waitForFile, type DeployResult } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("faults");
let lab: Lab;

async function converged(host: string): Promise<boolean> {
  return (await onHost(lab, host, "cat /tmp/eng-faults/after 2>/dev/null || true")) === `after ${host}\n`;
}

/** When the run printed the line, or throws with the whole output. */
function printedAt(r: DeployResult, pattern: RegExp): number {
  const found = r.timed.find((t) => pattern.test(t.line));
  if (!found) throw new Error(`no line matching ${pattern}:\n${r.text}`);
  return found.at;
}

// This test's own nftables table: it drops all traffic between this machine and one lab host, which is
// what a host losing power or its network looks like (no FIN, no RST: the connection just goes silent).
const DROP_TABLE = "deploy_engtest_drop";

function dropTraffic(address: string): void {
  const rules = `table inet ${DROP_TABLE} {
  chain out { type filter hook output priority -10; ip daddr ${address} drop; }
  chain in { type filter hook input priority -10; ip saddr ${address} drop; }
}
`;
  execFileSync("nft", ["-f", "-"], { input: rules });
}

function restoreTraffic(): void {
  execFileSync("sh", ["-c", `nft list table inet ${DROP_TABLE} >/dev/null 2>&1 && nft delete table inet ${DROP_TABLE} || true`]);
}

beforeAll(async () => {
  lab = await engineLab();
  restoreTraffic(); // a killed earlier run may have left it
});

beforeEach(async () => {
  await onHosts(lab, "rm -rf /tmp/eng-faults");
});

describe("faults", () => {
  it("a host unreachable from the start: the others converge; recap and exit status 4 say so", async () => {
    const r = await deploy(["apply", GHOST_INVENTORY, PLAYBOOK]);
    expect(r.code, r.text).toBe(4);
    expect(r.out).toContainEqual(expect.stringMatching(/^\[ghost\] unreachable (no SSH answer from 10\.77\.2\.99 within 3s|no route to 10\.77\.2\.99)/));
    expect(r.out.slice(-4)).toEqual([
      "e1     ok=1 changed=4 failed=0 skipped=0 unreachable=0",
      "ghost  ok=0 changed=0 failed=0 skipped=0 unreachable=1",
      "e2     ok=1 changed=4 failed=0 skipped=0 unreachable=0",
      "e3     ok=1 changed=4 failed=0 skipped=0 unreachable=0",
    ]);
    for (const host of HOSTS) expect(await converged(host)).toBe(true);
    // The others did not wait for the ghost's connect timeout (3 s) to start.
    expect(printedAt(r, /^\[e1\] +changed +after/) - (r.timed[0]?.at ?? 0)).toBeLessThan(2500);
  });

  it("a host whose SSH connection is cut during a slow task: reported within seconds, the others finish, a re-run converges it", async () => {
    const run = deploy(["apply", INVENTORY, PLAYBOOK, "-e", "slow_host=e2", "-e", "slow_seconds=60"]);
    await waitForFile(lab, "e2", "/tmp/eng-faults/slow.started");
    for (const host of ["e1", "e3"]) await waitForFile(lab, host, "/tmp/eng-faults/after");
    // Kill the sshd processes serving the run's login user on e2 (by pid): the TCP connection drops.
    const cutAt = Date.now();
    await onHost(lab, "e2", "kill -9 $(ps -eo pid=,args= | awk '$2 == \"sshd:\" && $3 ~ /^deploy/ { print $1 }')");
    const r = await run;
    expect(r.code, r.text).toBe(4);
    const reportedAt = printedAt(r, /^\[e2\] +unreachable /);
    console.log(`connection cut: reported after ${reportedAt - cutAt} ms`);
    expect(reportedAt - cutAt).toBeLessThan(3000);
    expect(r.out).toContainEqual(expect.stringMatching(/^\[e2\] +unreachable +slow step: /));
    expect(r.out.slice(-3)).toEqual([
      "e1    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
      "e2    ok=0 changed=2 failed=0 skipped=0 unreachable=1",
      "e3    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
    ]);
    expect(await converged("e2")).toBe(false);

    // The cut left the task's sleep running on e2: stop it (the children of the shell the task started).
    await onHost(lab, "e2", "pkill -P \"$(cat /tmp/eng-faults/slow.started)\" || true");
    const again = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(again.code).toBe(0);
    expect(again.doc.recap["e2"]).toMatchObject({ failed: 0, unreachable: 0, changed: 2 });
    expect(again.doc.recap["e1"]).toMatchObject({ changed: 0 });
    expect(await converged("e2")).toBe(true);
  });

  it("a host stopped during a slow task: reported within seconds, the others finish, a re-run after it is back converges it", async () => {
    const run = deploy(["apply", INVENTORY, PLAYBOOK, "-e", "slow_host=e3", "-e", "slow_seconds=60"]);
    await waitForFile(lab, "e3", "/tmp/eng-faults/slow.started");
    for (const host of ["e1", "e2"]) await waitForFile(lab, host, "/tmp/eng-faults/after");
    const status = (await labStatus(lab.spec)).find((h) => h.name === "e3");
    expect(status?.pid).toBeDefined();
    const stopAt = Date.now();
    const stopped = stop(status!.pid!);
    try {
      const r = await run;
      expect(r.code, r.text).toBe(4);
      const reportedAt = printedAt(r, /^\[e3\] +unreachable /);
      console.log(`host stopped: reported after ${reportedAt - stopAt} ms`);
      expect(reportedAt - stopAt).toBeLessThan(10_000);
      expect(r.out.slice(-3)).toEqual([
        "e1    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
        "e2    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
        "e3    ok=0 changed=2 failed=0 skipped=0 unreachable=1",
      ]);
    } finally {
      await stopped;
      await labUp(lab.spec, defaultLabContext((l) => console.log(`[lab] ${l}`)));
    }
    const again = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(again.code).toBe(0);
    expect(again.doc.recap["e3"]).toMatchObject({ failed: 0, unreachable: 0 });
    expect(await converged("e3")).toBe(true);
  });

  it("a host that goes silent (packets dropped, no FIN): keepalive reports it within about 10 s; a re-run converges it", async () => {
    const run = deploy(["apply", INVENTORY, PLAYBOOK, "-e", "slow_host=e2", "-e", "slow_seconds=60"]);
    await waitForFile(lab, "e2", "/tmp/eng-faults/slow.started");
    for (const host of ["e1", "e3"]) await waitForFile(lab, host, "/tmp/eng-faults/after");
    const cutAt = Date.now();
    dropTraffic(lab.host("e2").address);
    let r: DeployResult;
    try {
      r = await run;
    } finally {
      restoreTraffic();
    }
    expect(r.code, r.text).toBe(4);
    const reportedAt = printedAt(r, /^\[e2\] +unreachable /);
    console.log(`network cut: reported after ${reportedAt - cutAt} ms`);
    expect(reportedAt - cutAt).toBeLessThan(12_000);
    expect(r.out).toContainEqual(expect.stringMatching(/^\[e2\] +unreachable +slow step: connection to 10\.77\.2\.12 lost: no keepalive answer/));
    expect(r.out.slice(-3)).toEqual([
      "e1    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
      "e2    ok=0 changed=2 failed=0 skipped=0 unreachable=1",
      "e3    ok=1 changed=4 failed=0 skipped=0 unreachable=0",
    ]);

    await onHost(lab, "e2", "pkill -P \"$(cat /tmp/eng-faults/slow.started)\" || true");
    const again = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(again.code).toBe(0);
    expect(await converged("e2")).toBe(true);
  });

  it("a task failing on one host: the others go on to the end; exit 2", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "-e", "fail_host=e2"]);
    expect(code).toBe(2);
    expect(doc.tasks.find((t) => t.host === "e2" && t.task === "may fail")).toMatchObject({ status: "failed", summary: "rc=1" });
    expect(doc.tasks.some((t) => t.host === "e2" && t.task === "after")).toBe(false);
    expect(doc.recap["e2"]).toEqual({ ok: 0, changed: 3, failed: 1, skipped: 0, unreachable: 0, ignored: 0 });
    expect(await converged("e2")).toBe(false);
    for (const host of ["e1", "e3"]) {
      expect(doc.recap[host]).toMatchObject({ failed: 0, changed: 4 });
      expect(await converged(host)).toBe(true);
    }
  });
});
