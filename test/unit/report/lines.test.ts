// The plain-lines renderer: every line names its host; a failure names the task's place in the files.
import { describe, expect, it } from "vitest";
import type { RunEvent } from "../../../src/engine/events.js";
import { DIFF_LIMIT } from "../../../src/report/diff.js";
import { LinesRenderer } from "../../../src/report/lines.js";

function render(...events: RunEvent[]): string[] {
  return renderWith({ verbose: false }, ...events);
}

function renderWith(options: { verbose: boolean }, ...events: RunEvent[]): string[] {
  const out: string[] = [];
  const renderer = new LinesRenderer({ verbose: options.verbose, color: false, write: (t) => out.push(...t.replace(/\n$/, "").split("\n")), cwd: "/p" }, ["web-01"]);
  for (const event of events) renderer.handle(event);
  return out;
}

const task = { name: "site config", module: "copy", location: { file: "/p/roles/app/tasks/main.yaml", line: 12, col: 3 }, handler: false, role: "app" };

describe("LinesRenderer", () => {
  it("a failure with a message of several lines: every line names its host, the first the task's place", () => {
    const lines = render({ type: "task", play: "p", host: "web-01", task, status: "failed", summary: "validation failed:\nnginx: [emerg] unknown directive\nnginx: test failed", durationMs: 5 });
    expect(lines).toEqual([
      "[web-01] failed      app | site config: validation failed: (roles/app/tasks/main.yaml:12:3)",
      "[web-01]   nginx: [emerg] unknown directive",
      "[web-01]   nginx: test failed",
    ]);
  });

  it("a change or an ignored failure carries no place", () => {
    expect(render({ type: "task", play: "p", host: "web-01", task, status: "changed", summary: "update /etc/x", durationMs: 1 })).toEqual([
      "[web-01] changed     app | site config: update /etc/x",
    ]);
    expect(render({ type: "task", play: "p", host: "web-01", task, status: "failed", ignored: true, summary: "rc=1", durationMs: 1 })).toEqual([
      "[web-01] ignored     app | site config: rc=1",
    ]);
  });

  it("a host lost during a task: one line says so, with the task; the hint follows", () => {
    const message = "connection to 10.0.0.2 lost: no keepalive answer";
    expect(
      render(
        { type: "task", play: "p", host: "web-01", task, status: "unreachable", summary: message, durationMs: 0 },
        { type: "host-unreachable", play: "p", host: "web-01", message, hint: "is the host up?" },
      ),
    ).toEqual([`[web-01] unreachable app | site config: ${message}`, "[web-01]   is the host up?"]);
    // Lost before any task (connecting): the host's own line.
    expect(render({ type: "host-unreachable", play: "p", host: "web-01", message: "no SSH answer" })).toEqual(["[web-01] unreachable no SSH answer"]);
  });

  it("an aborted serial play names the hosts its batches never reached; a stopped run names the plays not started", () => {
    expect(
      render(
        { type: "play-end", play: "Rolling update", aborted: "interrupted: the tasks that were running finished, no other task started", notReached: ["web-02"] },
        { type: "run-end", mode: "apply", recap: {}, durationMs: 5, stats: { roundTrips: {}, tasks: {} }, interrupted: true, playsNotRun: ["Later", "Last"] },
      ),
    ).toEqual([
      "PLAY Rolling update aborted: interrupted: the tasks that were running finished, no other task started",
      "NOT RUN: play 'Rolling update' on web-02 (their batches never started)",
      "NOT RUN: 2 plays 'Later', 'Last'",
      "RECAP (apply, interrupted, 5ms)",
    ]);
  });

  it("--verbose: a command of several lines reads as ONE command, its continuation lines as the shell's '> '", () => {
    const command = "deploy_cmd='set -e\necho one\n\necho two\n' exec /bin/sh -c 'eval \"$deploy_cmd\"'\n";
    expect(
      renderWith(
        { verbose: true },
        { type: "command", host: "web-01", command },
        { type: "command", host: "web-01", command: "systemctl is-active nginx" },
      ),
    ).toEqual([
      "[web-01] $ deploy_cmd='set -e",
      "[web-01] > echo one",
      "[web-01] >",
      "[web-01] > echo two",
      "[web-01] > ' exec /bin/sh -c 'eval \"$deploy_cmd\"'",
      "[web-01] $ systemctl is-active nginx",
    ]);
    expect(render({ type: "command", host: "web-01", command: "true" })).toEqual([]);
  });

  it("a long diff shows its head and says how many lines are left out and where they are", () => {
    const before = Array.from({ length: 2000 }, (_, i) => `old ${i}`).join("\n") + "\n";
    const after = Array.from({ length: 2000 }, (_, i) => `new ${i}`).join("\n") + "\n";
    const lines = render({ type: "task", play: "p", host: "web-01", task, status: "changed", summary: "update /etc/big", diffs: [{ path: "/etc/big", before, after }], durationMs: 1 });
    expect(lines).toHaveLength(1 + DIFF_LIMIT.lines + 1);
    expect(lines[1]).toBe("[web-01]   --- /etc/big (before)");
    expect(lines.at(-1)).toBe(`[web-01]   ... ${4003 - DIFF_LIMIT.lines} more lines of this diff not shown (--json has every diff whole)`);
  });
});
