// Task flow on the engine lab (root; FAILS without it): when over vars and facts, loops, register + a
// later when, changed_when / failed_when, ignore_errors, --limit, --tags / --skip-tags.
import { beforeEach, beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deployJson, engineLab, HOSTS, INVENTORY, onHost, onHosts, order, playbook, statuses } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("flow");
let lab: Lab;

/** Files under /tmp/eng-flow with their content, one `name: content` line each ("" when absent). */
async function files(host: string): Promise<string> {
  return onHost(lab, host, `cd /tmp/eng-flow 2>/dev/null && for f in *; do printf '%s: %s\\n' "$f" "$(cat "$f")"; done || true`);
}

beforeAll(async () => {
  lab = await engineLab();
});

beforeEach(async () => {
  await onHosts(lab, "rm -rf /tmp/eng-flow");
});

const FULL_RUN_E1 = {
  "base dir": "changed",
  "on debian": "changed",
  "not on debian": "skipped",
  // weight 1 on e1
  "heavy hosts": "skipped",
  "fruit (apple)": "changed",
  "fruit (banana)": "changed",
  "fruit (cherry)": "changed",
  "count fruit": "ok",
  "all fruit there": "changed",
  "no fruit missing": "skipped",
  "tolerated failure": "failed",
  "after the tolerated failure": "changed",
  "grep finds nothing": "ok",
  "fail one host": "ok",
  last: "changed",
};

describe("task flow", () => {
  it("applies when, loops, register, changed_when/failed_when and ignore_errors; a second apply changes nothing", async () => {
    const first = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(first.code).toBe(0);
    expect(statuses(first.doc, "e1")).toEqual(FULL_RUN_E1);
    expect(statuses(first.doc, "e2")).toEqual({ ...FULL_RUN_E1, "heavy hosts": "changed" });
    const tolerated = first.doc.tasks.find((t) => t.host === "e1" && t.task === "tolerated failure");
    expect(tolerated).toMatchObject({ ignored: true, summary: "rc=1" });
    // An ignored failure is not a failure of the host.
    expect(first.doc.recap["e1"]).toEqual({ ok: 3, changed: 8, failed: 0, skipped: 3, unreachable: 0, ignored: 1 });
    expect(await files("e1")).toBe(
      [
        "fruit-count: count 3",
        "fruit-item-apple: apple on e1",
        "fruit-item-banana: banana on e1",
        "fruit-item-cherry: cherry on e1",
        "last: done",
        "os: debian 12",
        "tolerated: rc=1 failed=true",
        "",
      ].join("\n"),
    );
    expect(await files("e3")).toContain("heavy: weight 3\n");

    const second = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(second.code).toBe(0);
    for (const host of HOSTS) expect(second.doc.recap[host]).toMatchObject({ changed: 0, failed: 0, ignored: 1 });
  });

  it("a loop over an empty list is skipped, and `item` follows the -e value", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", 'fruits=["kiwi"]']);
    expect(code).toBe(0);
    expect(statuses(doc, "e1")).toMatchObject({ "fruit (kiwi)": "changed", "all fruit there": "changed" });
    expect(await files("e1")).toContain("fruit-count: count 1\nfruit-item-kiwi: kiwi on e1\n");
    const empty = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "fruits=[]", "--tags", "loop"]);
    expect(statuses(empty.doc, "e1")).toMatchObject({ fruit: "skipped" });
    expect(empty.doc.tasks.find((t) => t.task === "fruit")?.summary).toBe("loop has no items");
  });

  it("failed_when fails one host: it stops there, the others finish; exit 2", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "-e", "fail_host=e2"]);
    expect(code).toBe(2);
    expect(statuses(doc, "e2")["fail one host"]).toBe("failed");
    expect(doc.tasks.find((t) => t.host === "e2" && t.task === "fail one host")?.summary).toBe("failed_when is true: echoed.stdout.trim() == fail_host");
    expect(order(doc, "e2")).not.toContain("last");
    expect(await files("e2")).not.toContain("last: done");
    for (const host of ["e1", "e3"]) expect(await files(host)).toContain("last: done");
    expect(doc.recap["e2"]).toMatchObject({ failed: 1 });
    expect(doc.recap["e1"]).toMatchObject({ failed: 0 });
  });

  it("--limit runs only the matching hosts and touches no other", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "back:!e3"]);
    expect(code).toBe(0);
    expect(new Set(doc.tasks.map((t) => t.host))).toEqual(new Set(["e2"]));
    expect(Object.keys(doc.recap)).toEqual(["e2"]);
    expect(await files("e2")).toContain("last: done");
    expect(await files("e1")).toBe("");
    expect(await files("e3")).toBe("");
  });

  it("--tags runs the tagged tasks (and `always`); --skip-tags leaves tasks out", async () => {
    const tagged = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "--tags", "facts,vars"]);
    expect(tagged.code).toBe(0);
    expect(order(tagged.doc, "e1")).toEqual(["base dir", "on debian", "not on debian", "heavy hosts"]);
    expect(await files("e1")).toBe("os: debian 12\n");

    const skipped = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", "--skip-tags", "loop,errors,always"]);
    expect(skipped.code).toBe(0);
    expect(order(skipped.doc, "e1")).toEqual(["on debian", "not on debian", "heavy hosts", "last"]);
    expect(await files("e1")).toBe("last: done\nos: debian 12\n");
  });

  it("plan over the same flow changes nothing and reads unknown command results as pending", async () => {
    const { code, doc } = await deployJson(["plan", INVENTORY, PLAYBOOK, "--limit", "e1"]);
    expect(code).toBe(0);
    expect(await files("e1")).toBe("");
    expect(await onHost(lab, "e1", "test -e /tmp/eng-flow && echo exists || echo absent")).toBe("absent\n");
    const byName = Object.fromEntries(doc.tasks.map((t) => [`${t.task}${t.item ? ` (${t.item})` : ""}`, t]));
    // `count fruit` is a command: plan cannot know what it prints, so tasks reading it are pending.
    expect(byName["all fruit there"]).toMatchObject({ status: "changed", pending: true, summary: "unknown until 'count fruit' runs" });
    expect(byName["fruit (apple)"]).toMatchObject({ status: "changed", pending: true });
  });
});
