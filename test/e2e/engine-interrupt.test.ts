// Ctrl-C on the engine lab (root; FAILS without it), with the built CLI as a child process getting real
// signals. The first Ctrl-C lets the running task finish and the handlers it and earlier tasks notified
// run, and starts nothing else; the second stops at once.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deployJson, engineLab, GHOST_INVENTORY, HOSTS, INVENTORY, onHost, onHosts, playbook, spawnDeploy, waitForFile } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("interrupt");
const BASE = "/tmp/eng-interrupt";
let lab: Lab;

/** Which of the run's files a host has. */
async function filesOn(host: string): Promise<string[]> {
  const names = ["config", "slow.done", "reloaded", "after", "later"];
  const out = await onHost(lab, host, names.map((n) => `test -e ${BASE}/${n} && echo ${n}`).join("; ") + "; true");
  return out.split("\n").filter(Boolean);
}

/** Polls until `check` prints "yes" on the host. */
async function until(host: string, check: string, what: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await onHost(lab, host, `${check}; true`)) !== "yes\n") {
    if (Date.now() > deadline) throw new Error(`${host}: timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  lab = await engineLab();
});

beforeEach(async () => {
  await onHosts(lab, `rm -rf ${BASE}`);
});

describe("Ctrl-C", () => {
  it("once: the running task finishes, the handlers notified so far run, nothing else starts; exit 130", async () => {
    const run = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "-e", "slow_seconds=3"]);
    for (const host of HOSTS) await waitForFile(lab, host, `${BASE}/slow.started`);
    run.child.kill("SIGINT");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain("deploy: Ctrl-C: stopping. No new task starts; the running ones finish, then the handlers they notified.");
    for (const host of HOSTS) {
      expect(await filesOn(host)).toEqual(["config", "slow.done", "reloaded"]);
      expect(r.stdout).toMatch(new RegExp(`^\\[${host}\\] +interrupted 1 task not run, from 'after'$`, "m"));
    }
    expect(r.stdout).toContain("PLAY Interrupt aborted: interrupted: the tasks that were running finished, no other task started");
    expect(r.stdout).toMatch(/^RECAP \(apply, interrupted, /m);
    expect(r.stdout).not.toContain("PLAY Later");

    // The next run picks up where it stopped; the config did not change again, so no second reload.
    const again = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(again.code).toBe(0);
    for (const host of HOSTS) {
      expect(again.doc.recap[host]).toMatchObject({ changed: 2, failed: 0 });
      expect(await filesOn(host)).toEqual(["config", "slow.done", "reloaded", "after", "later"]);
      expect(await onHost(lab, host, `cat ${BASE}/reloaded`)).toBe("reloaded\n");
    }
  });

  it("twice: stops at once, says the running command goes on on its host; exit 130", async () => {
    const run = spawnDeploy(["apply", INVENTORY, PLAYBOOK, "-e", "slow_seconds=30", "--json"]);
    for (const host of HOSTS) await waitForFile(lab, host, `${BASE}/slow.started`);
    run.child.kill("SIGINT");
    await new Promise((r) => setTimeout(r, 200));
    const second = Date.now();
    run.child.kill("SIGINT");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(Date.now() - second).toBeLessThan(2000);
    expect(r.stderr).toContain("deploy: stopped at once. A command that was running goes on on its host until it ends");
    for (const host of HOSTS) {
      expect(await filesOn(host)).toEqual(["config"]);
      // The sleep the cut task started is still there: stop it (the children of the task's shell).
      await onHost(lab, host, `pkill -P "$(cat ${BASE}/slow.started)"`);
    }
  });

  it("once, while a host is still connecting: it gives up at once, and the plays never started are named", async () => {
    // ghost's address answers nothing: it would end unreachable after its connect timeout (3 s here).
    const run = spawnDeploy(["apply", GHOST_INVENTORY, PLAYBOOK, "-e", "slow_seconds=1"]);
    for (const host of HOSTS) await waitForFile(lab, host, `${BASE}/slow.started`);
    const stopped = Date.now();
    run.child.kill("SIGINT");
    const r = await run.result;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(Date.now() - stopped).toBeLessThan(2500);
    expect(r.stdout).toMatch(/^\[ghost\] +interrupted before its first task$/m);
    expect(r.stdout).not.toContain("unreachable=1");
    expect(r.stdout).toMatch(/^NOT RUN: play 'Later'$/m);
  });

  it("killed mid-upload: the file being replaced keeps its old content, and no staged part is left", async () => {
    const host = HOSTS[0]!;
    await onHost(lab, host, `mkdir -p ${BASE} && echo old > ${BASE}/big`);
    const run = spawnDeploy(["apply", INVENTORY, playbook("upload"), "--limit", host]);
    // The staged file has started to fill: the content is on its way.
    await until(host, `for f in ${BASE}/.deploy.*; do [ -s "$f" ] && echo yes && exit; done`, () => run.stdout());
    run.child.kill("SIGKILL");
    await run.result;
    // The host's script sees the end of its input and goes on: wait until it has ended.
    await until(host, `ls -A ${BASE} | grep -q '^\\.deploy\\.' || echo yes`, () => "a staged file stays");
    expect(await onHost(lab, host, `cat ${BASE}/big`)).toBe("old\n");
  });
});
