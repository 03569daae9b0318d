// The host lock's script on a real shell (a temp dir instead of /run/lock), its state line, and the
// messages a user sees.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readyLineAt } from "../../../src/connection/held-channel.js";
import type { Connection, ExecResult, HoldOptions, HoldResult } from "../../../src/connection/types.js";
import { createLocalConnection } from "../../../src/connection/local.js";
import { gatherFactsLocked } from "../../../src/facts/gather.js";
import {
  describeHolder,
  HostBusy,
  LOCK_READY,
  lockScript,
  parseHolder,
  planWarning,
  readLockState,
  type LockHolder,
  type LockIntent,
} from "../../../src/facts/host-lock.js";
import { raw, type Script } from "../../../src/util/shell.js";

const ALICE: LockHolder = { user: "alice", machine: "laptop", pid: 4242, since: new Date("2026-11-29T16:40:02Z") };
const BOB: LockHolder = { user: "bob", machine: "ci-7", pid: 99, since: new Date("2026-11-29T16:41:00Z") };
const FACTS = raw("printf 'the facts\\n'");

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

interface Run {
  child: ChildProcess;
  /** Resolves with stdout at the ready line (held) or at exit. */
  output: Promise<{ stdout: string; held: boolean }>;
  exited: Promise<number | null>;
}

/** The script as sshd would run it: `sh -c SCRIPT`, stdin a pipe left open (the session's channel). */
function run(intent: LockIntent, holder: LockHolder, dir: string, silenceSeconds?: number): Run {
  const script = lockScript(intent, holder, FACTS, { dirs: [dir], ...(silenceSeconds !== undefined ? { silenceSeconds } : {}) });
  const child = spawn("sh", ["-c", script.text], { stdio: ["pipe", "pipe", "pipe"] });
  started.push(child);
  let stdout = "";
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const output = new Promise<{ stdout: string; held: boolean }>((resolve) => {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const at = readyLineAt(Buffer.from(stdout), LOCK_READY);
      if (at >= 0) resolve({ stdout: stdout.slice(0, at), held: true });
    });
    void exited.then(() => resolve({ stdout, held: false }));
  });
  child.stderr!.resume();
  return { child, output, exited };
}

const lockDir = (): string => mkdtempSync(join(tmpdir(), "deploy-host-lock-"));

describe("the lock script on a real shell", () => {
  it("an apply takes the lock, prints the facts, and holds it; a second apply is told who holds it and stops", async () => {
    const dir = lockDir();
    const first = run("apply", ALICE, dir);
    const held = await first.output;
    expect(held.held).toBe(true);
    expect(readLockState(held.stdout)).toEqual({ kind: "held" });
    expect(held.stdout).toContain("the facts\n");
    // Any later login user must be able to open it, lock it and write its name in it.
    expect(statSync(join(dir, "deploy.lock")).mode & 0o777).toBe(0o666);
    expect(readFileSync(join(dir, "deploy.lock"), "utf8")).toBe(`${first.child.pid} 1795970402 4242 alice@laptop\n`);

    const second = run("apply", BOB, dir);
    const busy = await second.output;
    expect(await second.exited).toBe(0);
    expect(busy.held).toBe(false);
    expect(readLockState(busy.stdout)).toEqual({ kind: "busy", holder: ALICE });
    expect(busy.stdout).not.toContain("the facts");
  });

  it("plan takes nothing: it reports the live holder with the facts, and a free lock as free", async () => {
    const dir = lockDir();
    const idle = run("plan", BOB, dir);
    expect(readLockState((await idle.output).stdout)).toEqual({ kind: "free" });
    const holder = run("apply", ALICE, dir);
    await holder.output;
    const plan = run("plan", BOB, dir);
    const seen = await plan.output;
    expect(readLockState(seen.stdout)).toEqual({ kind: "busy", holder: ALICE });
    expect(seen.stdout).toContain("the facts\n");
    // The plan left the apply's lock alone.
    expect(holder.child.exitCode).toBeNull();
  });

  it("the lock goes when the session's stdin ends (deploy disconnected): the next apply takes it", async () => {
    const dir = lockDir();
    const first = run("apply", ALICE, dir);
    await first.output;
    first.child.stdin!.end();
    expect(await first.exited).toBe(0);
    const next = run("apply", BOB, dir);
    expect((await next.output).held).toBe(true);
  });

  it("a holder killed with SIGKILL leaves its line, which neither plan nor the next apply believes", async () => {
    const dir = lockDir();
    const first = run("apply", ALICE, dir);
    await first.output;
    first.child.kill("SIGKILL");
    await first.exited;
    expect(readFileSync(join(dir, "deploy.lock"), "utf8")).toContain("alice@laptop");
    expect(readLockState((await run("plan", BOB, dir).output).stdout)).toEqual({ kind: "free" });
    expect((await run("apply", BOB, dir).output).held).toBe(true);
  });

  it("a holder that hears nothing for its silence (a network cut sshd missed) lets go; heartbeats keep it", async () => {
    const dir = lockDir();
    const quiet = run("apply", ALICE, dir, 1);
    await quiet.output;
    const beating = run("apply", BOB, lockDir(), 1);
    await beating.output;
    const beat = setInterval(() => beating.child.stdin!.write("."), 200);
    try {
      expect(await quiet.exited).toBe(0);
      await new Promise((r) => setTimeout(r, 1500));
      expect(beating.child.exitCode).toBeNull();
    } finally {
      clearInterval(beat);
    }
    expect((await run("apply", BOB, dir).output).held).toBe(true);
  });

  it("no writable directory: the apply goes on unlocked and says why", async () => {
    const out = await run("apply", ALICE, "/nonexistent/deploy-lock-dir").output;
    expect(out.held).toBe(false);
    expect(readLockState(out.stdout)).toEqual({ kind: "unsupported", why: "no writable directory among /run/lock /var/lock /tmp" });
    expect(out.stdout).toContain("the facts\n");
  });
});

describe("the holder line and messages", () => {
  it("reads the holder's words back, and refuses or cleans what is not one", () => {
    expect(parseHolder("123 1795970402 4242 alice@laptop")).toEqual(ALICE);
    expect(parseHolder("")).toBeUndefined();
    expect(parseHolder("garbage")).toBeUndefined();
    expect(parseHolder("1 2 3 eve@\u001b[2Jhost")?.machine).toBe("?[2Jhost");
    expect(readLockState("@@deploy-lock busy \n")).toEqual({ kind: "busy" });
  });

  it("names who holds the host and since when, with the date only when it is not today's", () => {
    const now = new Date("2026-11-29T18:00:00Z");
    expect(describeHolder(ALICE, now)).toBe("alice@laptop pid 4242, since 16:40:02 UTC");
    expect(describeHolder(ALICE, new Date("2026-11-30T01:00:00Z"))).toBe("alice@laptop pid 4242, since 2026-11-29 16:40:02 UTC");
    expect(describeHolder(undefined)).toBe("its holder could not be read");
  });

  it("the busy message and plan's warning", () => {
    const holder = { ...ALICE, since: new Date() };
    const time = holder.since.toISOString().slice(11, 19);
    expect(new HostBusy("web-01", holder).message).toBe(`another deploy is applying to this host (alice@laptop pid 4242, since ${time} UTC); try again when it ends`);
    expect(planWarning(holder)).toBe(`another deploy is applying to this host (alice@laptop pid 4242, since ${time} UTC): this plan may be outdated when it ends`);
  });

  it("finds the ready line only as a whole line", () => {
    expect(readyLineAt(Buffer.from(`${LOCK_READY}\n`), LOCK_READY)).toBe(0);
    expect(readyLineAt(Buffer.from(`a\n${LOCK_READY}\n`), LOCK_READY)).toBe(2);
    expect(readyLineAt(Buffer.from(`a\n${LOCK_READY}`), LOCK_READY)).toBe(-1);
    expect(readyLineAt(Buffer.from(`x${LOCK_READY}\n`), LOCK_READY)).toBe(-1);
  });
});

/** A remote connection whose facts exec answers `stdout` (held or not): what gatherFactsLocked asks of it. */
function remote(stdout: string, held: boolean): Connection & { asked: string[] } {
  const local = createLocalConnection("web-01");
  const asked: string[] = [];
  const result = (text: string): ExecResult => ({ exitCode: 0, stdout: text, stderr: "" });
  return {
    ...local,
    hostName: "web-01",
    capabilities: { remote: true },
    stats: local.stats,
    asked,
    exec: async (command: string | Script) => {
      asked.push(`exec ${String(command).includes("flock -n") ? "lock" : "read"}`);
      return result(stdout);
    },
    hold: async (_command: Script, options: HoldOptions): Promise<HoldResult> => {
      asked.push(`hold until '${options.readyLine}', heartbeat ${String(options.heartbeat?.everyMs)} ms`);
      return held ? { held: true, stdout } : { held: false, result: result(stdout) };
    },
  };
}

describe("the first gathering of a run", () => {
  const facts = "@@deploy-fact hostname\nweb-01\n";

  it("apply holds the lock in the facts exec itself", async () => {
    const conn = remote(`@@deploy-lock held\n${facts}`, true);
    const first = await gatherFactsLocked(conn, "apply", ALICE);
    expect(first).toMatchObject({ facts: { hostname: "web-01" } });
    expect(first.warning).toBeUndefined();
    expect(conn.asked).toEqual([`hold until '${LOCK_READY}', heartbeat 5000 ms`]);
  });

  it("apply on a host another apply holds: HostBusy naming the holder", async () => {
    const conn = remote("@@deploy-lock busy 77 1795970402 4242 alice@laptop\n", false);
    const error = await gatherFactsLocked(conn, "apply", BOB).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostBusy);
    expect((error as HostBusy).holder).toEqual(ALICE);
  });

  it("plan reads the lock in its one exec and warns of an apply holding it", async () => {
    const conn = remote(`@@deploy-lock busy 77 1795970402 4242 alice@laptop\n${facts}`, false);
    const first = await gatherFactsLocked(conn, "plan", BOB);
    expect(conn.asked).toEqual(["exec read"]);
    expect(first.facts.hostname).toBe("web-01");
    expect(first.warning).toBe(planWarning(ALICE));
  });

  it("apply where the host cannot be locked: the facts, and a warning saying why", async () => {
    const conn = remote(`@@deploy-lock unsupported flock is not installed\n${facts}`, false);
    expect(await gatherFactsLocked(conn, "apply", ALICE)).toMatchObject({ warning: "not locked against another deploy's apply: flock is not installed" });
  });

  it("a local connection is not locked: plain facts, one exec, no lock file", async () => {
    const conn = createLocalConnection("here");
    const first = await gatherFactsLocked(conn, "apply", ALICE);
    expect(conn.stats.roundTrips).toBe(1);
    expect(first.warning).toBeUndefined();
    expect(first.facts.cpus).toBeGreaterThan(0);
  });
});
