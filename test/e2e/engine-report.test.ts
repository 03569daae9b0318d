// What a user sees of a run on the engine lab (root; FAILS without it): the --json document, exit
// statuses 0/2/4/6, the live view on a terminal vs plain lines in CI, and --verbose with secrets redacted.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deploy, deployJson, deployProcess, engineLab, GHOST_INVENTORY, HOSTS, INVENTORY, onHost, onHosts, playbook, PROJECT } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("report");
const SECRET_VARS = `@${join(PROJECT, "vars/secret.yaml")}`;
const SECRET = "s3cr3t-Token-42";
let lab: Lab;

beforeAll(async () => {
  lab = await engineLab();
  await onHosts(lab, "rm -rf /tmp/eng-report");
  // The terminal tests run the built CLI (bin/deploy.js runs the bundle in dist/), which `npm test` builds
  // before any test runs; building it here would rewrite it under other tests that run it.
  if (!existsSync("dist/deploy.cjs")) throw new Error("the CLI is not built: run `npm run build` first (npm test does)");
}, 600_000);

describe("--json", () => {
  it("is one document: per task and host the status, summary, diff and duration; recap counts; round trips", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(code).toBe(0);
    expect(Object.keys(doc)).toEqual(["version", "mode", "inventory", "playbook", "durationMs", "tasks", "unreachable", "hostsFailed", "aborted", "interrupted", "notRun", "playsNotRun", "hostsNotReached", "warnings", "recap", "stats"]);
    expect(doc).toMatchObject({ version: 1, mode: "apply", inventory: INVENTORY, playbook: PLAYBOOK, unreachable: {}, hostsFailed: {}, aborted: null, interrupted: false, notRun: {}, warnings: [] });
    expect(doc.tasks).toHaveLength(12);
    const config = doc.tasks.find((t) => t.host === "e2" && t.task === "config");
    expect(config).toEqual({
      play: "Report",
      host: "e2",
      task: "config",
      module: "copy",
      role: null,
      handler: false,
      location: `${PLAYBOOK}:12:7`,
      item: null,
      status: "changed",
      pending: false,
      ignored: false,
      summary: "create /tmp/eng-report/app.conf (29 B)",
      diff: "--- /tmp/eng-report/app.conf (before)\n+++ /tmp/eng-report/app.conf (after)\n@@ -0,0 +1,2 @@\n+token public-token\n+port 8002\n",
      durationMs: expect.any(Number),
    });
    for (const host of HOSTS) {
      expect(doc.recap[host]).toEqual({ ok: 2, changed: 2, failed: 0, skipped: 0, unreachable: 0, ignored: 0 });
      expect(doc.stats.tasks[host]).toBe(4);
      expect(doc.stats.roundTrips[host]).toBeGreaterThanOrEqual(4);
      expect(doc.stats.roundTripsPerTask[host]).toBe(Math.round((doc.stats.roundTrips[host]! / 4) * 100) / 100);
    }
    const again = await deployJson(["plan", INVENTORY, PLAYBOOK]);
    expect(again.doc.mode).toBe("plan");
    expect(new Set(again.doc.tasks.map((t) => t.status))).toEqual(new Set(["ok"]));
  });

  it("names unreachable hosts with their reason and counts them in the recap", async () => {
    const { code, doc } = await deployJson(["apply", GHOST_INVENTORY, PLAYBOOK]);
    expect(code).toBe(4);
    expect(doc.unreachable).toEqual({ ghost: expect.stringMatching(/10\.77\.2\.99/) });
    expect(doc.recap["ghost"]).toEqual({ ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 1, ignored: 0 });
    expect(doc.tasks.filter((t) => t.host === "ghost")).toEqual([]);
  });
});

describe("exit status", () => {
  it("0 converged, 2 a task failed, 4 a host unreachable, 6 both", async () => {
    expect((await deploy(["apply", INVENTORY, PLAYBOOK])).code).toBe(0);
    expect((await deploy(["apply", INVENTORY, PLAYBOOK, "-e", "fail_host=e2"])).code).toBe(2);
    expect((await deploy(["plan", INVENTORY, PLAYBOOK, "-e", "fail_host=e2"])).code).toBe(0);
    // One after the other: two applies at once on the same hosts exclude each other (the host lock).
    const unreachable = await deploy(["apply", GHOST_INVENTORY, PLAYBOOK]);
    const both = await deploy(["apply", GHOST_INVENTORY, PLAYBOOK, "-e", "fail_host=e3"]);
    expect(unreachable.code).toBe(4);
    expect(both.code).toBe(6);
    expect(both.out.slice(-4)).toEqual([
      "e1     ok=4 changed=0 failed=0 skipped=0 unreachable=0",
      "ghost  ok=0 changed=0 failed=0 skipped=0 unreachable=1",
      "e2     ok=4 changed=0 failed=0 skipped=0 unreachable=0",
      "e3     ok=3 changed=0 failed=1 skipped=0 unreachable=0",
    ]);
  });
});

describe("terminal and CI output", () => {
  const args = ["apply", INVENTORY, PLAYBOOK, "-e", "fail_host=e2"];

  it("a terminal gets the live per-host view (listr2) with colours, then changes, failures and the recap", async () => {
    const r = await deployProcess(args, { tty: true });
    expect(r.code).toBe(2);
    const text = r.stdout;
    expect(text).toContain("\x1b[2K"); // lines redrawn in place
    expect(text).toMatch(/✔\x1b\[39m e1: ok=4 changed=0 failed=0 skipped=0/);
    expect(text).toMatch(/✖\x1b\[39m e2: ok=3 changed=0 failed=1 skipped=0/);
    expect(text).toContain("[e2]   \x1b[31mfailed     \x1b[0m maybe fail: rc=1\x1b[90m (test/fixtures/engine/playbooks/report.yaml:18:7)\x1b[0m");
    // ok tasks are counted in the live view, not listed.
    expect(text).not.toContain("ok          base dir");
    expect(text).toContain("\x1b[31mfailed=1\x1b[0m");
  });

  it("CI=true (or a pipe) gets plain lines, each naming its host, no escape codes", async () => {
    for (const r of [await deployProcess(args, { tty: true, env: { CI: "true" } }), await deployProcess(args)]) {
      expect(r.code).toBe(2);
      const lines = r.stdout.replace(/\r/g, "").trimEnd().split("\n");
      expect(r.stdout).not.toContain("\x1b[");
      expect(lines[0]).toBe("PLAY Report [e1, e2, e3]");
      const taskLines = lines.slice(1, -4);
      expect(taskLines).toHaveLength(12);
      for (const line of taskLines) expect(line).toMatch(/^\[e[123]\] {3}(ok|failed) {6,}\S/);
      // A failure names the task's place in the files.
      expect(taskLines).toContain("[e2]   failed      maybe fail: rc=1 (test/fixtures/engine/playbooks/report.yaml:18:7)");
      expect(lines.at(-3)).toBe("e1    ok=4 changed=0 failed=0 skipped=0 unreachable=0");
    }
  });
});

describe("--verbose", () => {
  it("shows the commands run on each host with secrets redacted, everywhere", async () => {
    const since = (await onHost(lab, "e1", "date +%s")).trim();
    const r = await deploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "--verbose", "-e", SECRET_VARS]);
    expect(r.code, r.text).toBe(0);
    const commands = r.out.filter((l) => l.startsWith("[e1]   $ "));
    // A command of several lines (a probe script) is one '$ ' line and its '> ' lines.
    expect(commands.length).toBeGreaterThan(3);
    expect(r.out.filter((l) => l.startsWith("[e1]   >")).length).toBeGreaterThan(10);
    // The shell task holding the secret hands it to its shell in the environment, not as `sh -c CMD`.
    expect(commands).toContain(
      `[e1]   $ deploy_cmd='printf %s <redacted> | wc -c' exec /bin/sh -c 'c=$deploy_cmd; unset deploy_cmd; eval "$c"' </dev/null`,
    );
    // The file held the public token before: the secret is new to it, and the diff says so.
    expect(r.out).toContain("[e1]     +token <redacted, new value>");
    expect(r.text).not.toContain(SECRET);
    // The secret was used for real.
    expect(await onHost(lab, "e1", "cat /tmp/eng-report/app.conf")).toBe(`token ${SECRET}\nport 8001\n`);
    // ...and never on a command line: sudo logs each command line it runs to the host's journal (the
    // run's other commands are there), but the command holding the secret travelled on stdin.
    const journal = await onHost(lab, "e1", `journalctl --since @${since} --no-pager -o cat`);
    expect(journal).toContain("COMMAND=");
    expect(journal).not.toContain(SECRET);

    const json = await deploy(["plan", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", SECRET_VARS, "-e", "api_token=other", "--json"]);
    expect(json.text).toContain("-token <redacted>");
    expect(json.text).not.toContain(SECRET);
  });

  it("a command of several lines reads as one ('$ ' then '> '), and --json --verbose lists the same commands, redacted", async () => {
    // e1 is converged (the test above applied the same vars): both runs run the same commands, the shell
    // task's with the secret among them.
    const text = await deploy(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "--verbose", "-e", SECRET_VARS]);
    expect(text.code, text.text).toBe(0);
    // The probes are scripts of many lines: put back together from the '$ ' and '> ' lines.
    const shown: string[] = [];
    for (const line of text.out) {
      if (line.startsWith("[e1]   $ ")) shown.push(line.slice("[e1]   $ ".length));
      else if (line.startsWith("[e1]   >")) shown[shown.length - 1] += `\n${line.slice("[e1]   > ".length)}`;
    }
    expect(shown.filter((c) => c.includes("\n")).length).toBeGreaterThan(0);

    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "--verbose", "-e", SECRET_VARS]);
    expect(code).toBe(0);
    expect(doc.commands?.every((c) => c.host === "e1")).toBe(true);
    // The probes' markers are new in each run.
    const sameRun = (command: string) => command.replace(/\n$/, "").replace(/@@deploy-[0-9a-f]+-/g, "@@deploy-N-");
    expect(doc.commands?.map((c) => sameRun(c.command))).toEqual(shown.map(sameRun));
    expect(JSON.stringify(doc)).not.toContain(SECRET);
    expect(JSON.stringify(doc.commands)).toContain("<redacted>");
    // Without --verbose the document has no commands.
    expect((await deployJson(["plan", INVENTORY, PLAYBOOK, "--limit", "e1"])).doc).not.toHaveProperty("commands");
  });
});
