// The run loop with in-memory hosts: serial batches, the failure budget (unreachable counts as failed),
// which hosts later plays see, the recap, and --forks.
import { describe, expect, it } from "vitest";
import { serialBatches } from "../../../src/engine/run.js";
import { fakeFleet, FOUR_HOSTS, loadTemp, runFake } from "./fake-hosts.js";

function playbook(play: string): Record<string, string> {
  return {
    "inventory/hosts.yaml": FOUR_HOSTS,
    "playbooks/site.yaml": `${play}
- name: later
  hosts: all
  tasks:
    - command: "echo later"
`,
  };
}

describe("serialBatches", () => {
  it("cuts hosts into batches by count or percentage, at least one host each", () => {
    const hosts = ["a", "b", "c", "d", "e"];
    expect(serialBatches(hosts, undefined)).toEqual([hosts]);
    expect(serialBatches(hosts, 2)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(serialBatches(hosts, "40%")).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(serialBatches(hosts, "10%")).toEqual([["a"], ["b"], ["c"], ["d"], ["e"]]);
    expect(serialBatches(hosts, 9)).toEqual([hosts]);
    expect(serialBatches([], 2)).toEqual([[]]);
  });
});

describe("failure budget", () => {
  it("serial 1, max_fail_percentage 0: the batch with the unreachable host aborts the run", async () => {
    const project = await loadTemp(playbook("- name: rolling\n  hosts: all\n  serial: 1\n  max_fail_percentage: 0\n  tasks:\n    - command: echo hi\n"));
    const fleet = fakeFleet({ unreachable: new Set(["b"]) });
    const { result, events } = await runFake(project, fleet);
    expect(fleet.connected).toEqual(["a", "b"]);
    expect(result.unreachableHosts).toEqual(["b"]);
    expect(Object.keys(result.recap)).toEqual(["a", "b"]);
    expect(result.recap["b"]).toMatchObject({ unreachable: 1 });
    expect(events.filter((e) => e.type === "play-start").map((e) => e.type === "play-start" && e.batch)).toEqual([
      { index: 1, count: 4 },
      { index: 2, count: 4 },
    ]);
    expect(events.find((e) => e.type === "play-end")).toEqual({
      type: "play-end",
      play: "rolling",
      aborted: "1 of 1 hosts failed, over max_fail_percentage 0%",
      notReached: ["c", "d"],
    });
    expect(events.at(-1)).toMatchObject({ type: "run-end", playsNotRun: ["later"] });
  });

  it("serial 2, max_fail_percentage 50: half a batch lost is within budget; later plays skip the lost host", async () => {
    const project = await loadTemp(playbook("- name: rolling\n  hosts: all\n  serial: 2\n  max_fail_percentage: 50\n  tasks:\n    - command: echo hi\n"));
    const fleet = fakeFleet({ unreachable: new Set(["b"]) });
    const { result, events } = await runFake(project, fleet);
    expect(Object.keys(result.recap)).toEqual(["a", "b", "c", "d"]);
    expect(events.some((e) => e.type === "play-end" && e.aborted)).toBe(false);
    const later = events.find((e) => e.type === "play-start" && e.play === "later");
    expect(later).toMatchObject({ hosts: ["a", "c", "d"] });
    expect(result.recap["c"]).toMatchObject({ changed: 2 });
    // The unreachable host is tried once per run, not once per play.
    expect(fleet.connected.filter((h) => h === "b")).toHaveLength(1);
  });

  it("max_fail_percentage 49 with the same hosts aborts after the first batch", async () => {
    const project = await loadTemp(playbook("- name: rolling\n  hosts: all\n  serial: 2\n  max_fail_percentage: 49\n  tasks:\n    - command: echo hi\n"));
    const { result, events } = await runFake(project, fakeFleet({ unreachable: new Set(["b"]) }));
    expect(Object.keys(result.recap)).toEqual(["a", "b"]);
    expect(events.find((e) => e.type === "play-end")).toMatchObject({ aborted: "1 of 2 hosts failed, over max_fail_percentage 49%" });
    expect(events.some((e) => e.type === "play-start" && e.play === "later")).toBe(false);
  });

  it("without a budget a failed task stops only its host; the play goes on", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  tasks:\n    - command: \"echo {{ host.name == 'c' ? 'FAIL' : 'fine' }}\"\n    - command: echo next\n"));
    const fleet = fakeFleet();
    const { result, events } = await runFake(project, fleet);
    expect(result.failedHosts).toEqual(["c"]);
    expect(fleet.commands.get("c")).toEqual([expect.stringContaining("FAIL")]);
    expect(fleet.commands.get("a")).toHaveLength(3);
    expect(events.find((e) => e.type === "play-start" && e.play === "later")).toMatchObject({ hosts: ["a", "b", "d"] });
    expect(result.recap["c"]).toEqual({ ok: 0, changed: 0, failed: 1, skipped: 0, unreachable: 0, ignored: 0 });
  });

  it("without a budget, a batch where every host failed aborts the run", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  serial: 1\n  tasks:\n    - command: echo hi\n"));
    const { result, events } = await runFake(project, fakeFleet({ unreachable: new Set(["a"]) }));
    expect(Object.keys(result.recap)).toEqual(["a"]);
    expect(events.find((e) => e.type === "play-end")).toMatchObject({ aborted: "every host of the batch failed" });
  });
});

describe("forks", () => {
  it("runs the hosts of a play in parallel up to --forks", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  tasks:\n    - command: echo hi\n"));
    const wide = fakeFleet({ delayMs: 30 });
    await runFake(project, wide);
    expect(wide.maxConcurrent).toBe(4);
    const narrow = fakeFleet({ delayMs: 30 });
    await runFake(project, narrow, { forks: 2 });
    expect(narrow.maxConcurrent).toBe(2);
  });
});

describe("stop (Ctrl-C)", () => {
  it("the running tasks finish, no other task, host or play starts; the handlers already notified run", async () => {
    const project = await loadTemp(
      playbook(`- name: one
  hosts: all
  tasks:
    - name: first
      command: echo first
      notify: h
    - name: slow
      command: echo SLOW
    - name: third
      command: echo third
  handlers:
    - name: h
      command: echo handler
`),
    );
    const stop = new AbortController();
    let slow = 0;
    // a and b take the two forks; the stop comes while both run "slow"; c and d wait for a fork.
    const fleet = fakeFleet({ delayMs: 20, onExec: (_host, text) => text.includes("SLOW") && ++slow === 2 && stop.abort() });
    const { result, events } = await runFake(project, fleet, { forks: 2, stop: stop.signal });
    expect(result.interrupted).toBe(true);
    expect(fleet.connected).toEqual(["a", "b"]);
    for (const host of ["a", "b"]) {
      const commands = fleet.commands.get(host)!.join("\n");
      expect(commands).toContain("echo SLOW");
      expect(commands).toContain("echo handler");
      expect(commands).not.toContain("echo third");
      expect(events).toContainEqual({ type: "host-interrupted", play: "one", host, next: "third", left: 1 });
      expect(events).toContainEqual({ type: "host-end", play: "one", host, status: "interrupted" });
    }
    for (const host of ["c", "d"]) expect(events).toContainEqual({ type: "host-interrupted", play: "one", host });
    expect(events.find((e) => e.type === "play-end")).toMatchObject({ aborted: expect.stringMatching(/^interrupted/) });
    expect(events.some((e) => e.type === "play-start" && e.play === "later")).toBe(false);
    expect(events.filter((e) => e.type === "stopping")).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: "run-end", interrupted: true, playsNotRun: ["later"] });
    expect(result.failedHosts).toEqual([]);
  });

  it("during a serial play: the hosts of the batches never started are named with the play's end", async () => {
    const project = await loadTemp(playbook("- name: rolling\n  hosts: all\n  serial: 2\n  tasks:\n    - command: echo SLOW\n"));
    const stop = new AbortController();
    const fleet = fakeFleet({ onExec: (_host, text) => text.includes("SLOW") && stop.abort() });
    const { events } = await runFake(project, fleet, { stop: stop.signal });
    expect(events.find((e) => e.type === "play-end")).toEqual({ type: "play-end", play: "rolling", aborted: expect.stringMatching(/^interrupted/), notReached: ["c", "d"] });
  });

  it("a host still connecting gives up at once: interrupted, not unreachable; the plays after are named as not run", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  tasks:\n    - command: echo SLOW\n"));
    const stop = new AbortController();
    const fleet = fakeFleet({ silent: new Set(["d"]), onExec: (_host, text) => text.includes("SLOW") && stop.abort() });
    const { result, events } = await runFake(project, fleet, { stop: stop.signal });
    expect(result.unreachableHosts).toEqual([]);
    expect(events).toContainEqual({ type: "host-interrupted", play: "one", host: "d" });
    expect(events).toContainEqual({ type: "host-end", play: "one", host: "d", status: "interrupted" });
    expect(events.at(-1)).toMatchObject({ type: "run-end", interrupted: true, playsNotRun: ["later"] });
  });

  it("no stop: not interrupted; a stop asked before a play: no play starts", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  tasks:\n    - command: echo one\n"));
    const stop = new AbortController();
    const { result, events } = await runFake(project, fakeFleet(), { stop: stop.signal });
    expect(result.interrupted).toBe(false);
    stop.abort();
    const again = await runFake(project, fakeFleet(), { stop: stop.signal });
    expect(again.result.interrupted).toBe(true);
    expect(again.events.filter((e) => e.type === "play-start")).toEqual([]);
    expect(events.filter((e) => e.type === "play-start")).toHaveLength(2);
  });
});

describe("sudo refusing", () => {
  it("fails the task and its host (a host's configuration, as in Ansible), not unreachable", async () => {
    const project = await loadTemp(playbook("- name: one\n  hosts: all\n  tasks:\n    - name: as root\n      command: \"echo {{ host.name == 'b' ? 'SUDO_REFUSES' : 'fine' }}\"\n"));
    const { result, events } = await runFake(project, fakeFleet());
    expect(result.failedHosts).toEqual(["b"]);
    expect(result.unreachableHosts).toEqual([]);
    expect(events).toContainEqual(
      expect.objectContaining({ type: "task", host: "b", status: "failed", summary: "sudo needs a password to become root\nSet become_password." }),
    );
  });
});

/** A change that notifies a handler, then a task that does `word` on host b (FAIL, LOSE_CONNECTION). */
function notifyThen(name: string, word: string): Record<string, string> {
  return playbook(`- name: one
  hosts: all
  tasks:
    - name: config
      command: echo config
      notify: restart thing
    - name: ${name}
      command: "echo {{ host.name == 'b' ? '${word}' : 'fine' }}"
  handlers:
    - name: restart thing
      command: echo restart
`);
}

describe("handlers a failure leaves behind", () => {
  it("are named in a warning for the host (recorded for the next apply); --force-handlers runs them", async () => {
    const project = await loadTemp(notifyThen("breaks", "FAIL"));
    const fleet = fakeFleet();
    const { events } = await runFake(project, fleet);
    expect(events.filter((e) => e.type === "warning")).toEqual([
      {
        type: "warning",
        host: "b",
        message: "handler 'restart thing' notified but not run because a task failed; recorded on the host: the next apply runs it (--force-handlers runs handlers even after a failure)",
      },
    ]);
    expect(fleet.commands.get("b")!.join("\n")).not.toContain("echo restart");
    expect(fleet.commands.get("a")!.join("\n")).toContain("echo restart");

    const forced = fakeFleet();
    const again = await runFake(project, forced, { forceHandlers: true });
    expect(again.events.filter((e) => e.type === "warning")).toEqual([]);
    expect(forced.commands.get("b")!.join("\n")).toContain("echo restart");
  });

  it("are named in a warning when the host is lost after the change that notified them", async () => {
    const project = await loadTemp(notifyThen("loses the host", "LOSE_CONNECTION"));
    const { events, result } = await runFake(project, fakeFleet());
    expect(result.unreachableHosts).toEqual(["b"]);
    expect(events.filter((e) => e.type === "warning")).toEqual([
      { type: "warning", host: "b", message: "handler 'restart thing' notified but not run because the host became unreachable; the next run will not notify it again" },
    ]);
  });
});
