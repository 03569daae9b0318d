// The host lock on the engine lab (root; FAILS without it), with the built CLI as child processes: two
// applies on one host at once, one fails that host at once naming the other; a killed apply leaves no lock;
// plan is never blocked, and says when an apply holds the host.
import { hostname, userInfo } from "node:os";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deploy, deployJson, engineLab, onHost, onHosts, playbook, spawnDeploy, waitForFile, INVENTORY } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("host-lock");
const BASE = "/tmp/eng-host-lock";
const ME = `${userInfo().username}@${hostname()}`;
let lab: Lab;

/** The line that fails `host` for the run with `pid`. */
function busyLine(host: string, pid: number | undefined): RegExp {
  const who = `${ME} pid ${String(pid)}, since \\d\\d:\\d\\d:\\d\\d UTC`.replaceAll(".", "\\.");
  return new RegExp(`^\\[${host}\\] +failed +another deploy is applying to this host \\(${who}\\); try again when it ends$`, "m");
}

async function filesOn(host: string): Promise<string[]> {
  return (await onHost(lab, host, `ls ${BASE} 2>/dev/null; true`)).split("\n").filter((f) => f !== "" && !f.endsWith(".holding"));
}

beforeAll(async () => {
  lab = await engineLab();
});

beforeEach(async () => {
  await onHosts(lab, `rm -rf ${BASE}`);
});

describe("host lock", () => {
  it("two applies at once on a host: one runs, the other fails that host at once naming it, changes nothing there and exits 2; its other hosts run", async () => {
    const a = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "run=a", "-e", "hold_seconds=3"]);
    const b = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1,e2", "-e", "run=b", "-e", "hold_seconds=3"]);
    const [ra, rb] = await Promise.all([a.result, b.result]);
    const aWon = ra.code === 0;
    const [won, lost, winner, loser] = aWon ? [ra, rb, a, "b"] : [rb, ra, b, "a"];
    expect(won.code, won.stdout + won.stderr).toBe(0);
    expect(lost.code, lost.stdout + lost.stderr).toBe(2);
    expect(lost.stdout).toMatch(busyLine("e1", winner.child.pid));
    expect(lost.stdout).toMatch(/^e1 +ok=0 changed=0 failed=1 skipped=0 unreachable=0$/m);
    expect(lost.stderr).not.toMatch(/at \w+ \(|Error:/);
    // The loser changed nothing on e1; its own other host ran as usual.
    expect(await filesOn("e1")).toEqual([aWon ? "a" : "b"]);
    if (loser === "a") expect(lost.stdout).not.toMatch(/^\[e2\]/m);
    else expect(await filesOn("e2")).toEqual(["b"]);

    // Once the first has ended, the host is free again.
    const again = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "run=c"]);
    expect(again.code).toBe(0);
    expect(again.doc.hostsFailed).toEqual({});
    expect(await filesOn("e1")).toContain("c");
  });

  it("the JSON names the host failed, with the line, and no task of it", async () => {
    const holder = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e3", "-e", "run=h", "-e", "hold_seconds=4"]);
    await waitForFile(lab, "e3", `${BASE}/h.holding`);
    const r = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e3", "-e", "run=j"]);
    expect(r.code).toBe(2);
    expect(r.doc.hostsFailed["e3"]).toMatch(new RegExp(`^another deploy is applying to this host \\(${ME.replaceAll(".", "\\.")} pid ${String(holder.child.pid)}, since `));
    expect(r.doc.recap["e3"]).toMatchObject({ failed: 1, unreachable: 0 });
    expect(r.doc.tasks.filter((t) => t.host === "e3")).toEqual([]);
    expect((await holder.result).code).toBe(0);
  });

  it("an apply killed with SIGKILL mid-run leaves no lock: the next apply runs at once", async () => {
    const killed = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "run=k", "-e", "hold_seconds=30"]);
    await waitForFile(lab, "e1", `${BASE}/k.holding`);
    killed.child.kill("SIGKILL");
    await killed.result;
    const next = await deploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "run=n"]);
    expect(next.code, next.text).toBe(0);
    // At once: not after the killed run's 30 s sleep (which goes on on the host).
    expect(next.ms).toBeLessThan(15_000);
    await onHost(lab, "e1", `pkill -P "$(cat ${BASE}/k.holding)"; true`);
  });

  it("an apply whose lock ends under it (its holder on the host killed) stops on that host: unreachable, saying why", async () => {
    const run = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e3", "-e", "run=l", "-e", "hold_seconds=5"]);
    await waitForFile(lab, "e3", `${BASE}/l.holding`);
    // The holder's shell is the first word of the lock's line.
    await onHost(lab, "e3", "kill -KILL \"$(cut -d' ' -f1 /run/lock/deploy.lock)\"");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/^\[e3\] +unreachable +hold the host: this run's lock on the host ended before the run did/m);
    await onHost(lab, "e3", `pkill -P "$(cat ${BASE}/l.holding)"; true`);
  });

  it("plan is not blocked by an apply, and warns that its diffs may be outdated", async () => {
    const apply = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e2", "-e", "run=p", "-e", "hold_seconds=4"]);
    await waitForFile(lab, "e2", `${BASE}/p.holding`);
    const plan = await deploy(["plan", INVENTORY, PLAYBOOK, "--limit", "e2", "-e", "run=q"]);
    expect(plan.code, plan.text).toBe(0);
    const who = `${ME} pid ${String(apply.child.pid)}`;
    expect(plan.out).toContainEqual(expect.stringMatching(new RegExp(`^\\[e2\\] +warning: another deploy is applying to this host \\(${who.replaceAll(".", "\\.")}, since \\d\\d:\\d\\d:\\d\\d UTC\\): this plan may be outdated when it ends$`)));
    expect(plan.out).toContainEqual(expect.stringMatching(/^\[e2\] +change +this run's file/));
    // The plan did not disturb the apply, which ends as usual.
    const applied = await apply.result;
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await deploy(["plan", INVENTORY, PLAYBOOK, "--limit", "e2", "-e", "run=p"])).out.join("\n")).not.toContain("another deploy");
  });
});
