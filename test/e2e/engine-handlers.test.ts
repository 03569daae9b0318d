// Handlers on the engine lab (root; FAILS without it): notified only by changed tasks, once per host at
// the end of their play, in definition order, skipped on failed hosts unless --force-handlers, listed by plan;
// a handler's own notify runs the handlers it names (handler-chain.yaml).
import { beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import { deployJson, engineLab, INVENTORY, onHost, onHosts, order, playbook, statuses } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("handlers");
let lab: Lab;

const log = (host: string) => onHost(lab, host, "cat /tmp/eng-handlers/handlers.log 2>/dev/null || true");

beforeAll(async () => {
  lab = await engineLab();
  await onHosts(lab, "rm -rf /tmp/eng-handlers");
});

describe("handlers", () => {
  it("first apply: every notified handler runs once, after the play's tasks, in definition order", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(code).toBe(0);
    for (const host of ["e1", "e2", "e3"]) {
      expect(order(doc, host)).toEqual([
        "base dir",
        "config a",
        "config b",
        "unchanged dir",
        "fail here",
        // `first handler` was notified by two tasks, `second handler` before it: definition order wins.
        "handler first handler",
        "handler second handler",
        "handler listener",
        "after the handlers",
      ]);
      // `third handler` was notified only by a task that did not change anything.
      expect(await log(host)).toBe("first\nsecond\nlistener\nnext-play\n");
    }
    expect(doc.tasks.filter((t) => t.handler).every((t) => t.status === "changed")).toBe(true);
  });

  it("second apply: nothing changed, so no handler runs", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK]);
    expect(code).toBe(0);
    expect(doc.tasks.filter((t) => t.handler)).toEqual([]);
    for (const host of ["e1", "e2", "e3"]) {
      expect(doc.recap[host]).toMatchObject({ changed: 0, failed: 0 });
      expect(await log(host)).toBe("first\nsecond\nlistener\nnext-play\n");
    }
  });

  it("plan lists the handlers a change would notify, and runs none", async () => {
    const { code, doc } = await deployJson(["plan", INVENTORY, PLAYBOOK, "-e", "version=2"]);
    expect(code).toBe(0);
    expect(statuses(doc, "e1")).toEqual({
      "base dir": "ok",
      "config a": "changed",
      "config b": "ok",
      "unchanged dir": "ok",
      "fail here": "skipped",
      "handler first handler": "changed",
      "handler second handler": "changed",
      "after the handlers": "ok",
    });
    expect(doc.tasks.find((t) => t.task === "config a")?.diff).toContain("-a=1\n+a=2");
    expect(await onHost(lab, "e1", "cat /tmp/eng-handlers/a.conf")).toBe("a=1\n");
    expect(await log("e1")).toBe("first\nsecond\nlistener\nnext-play\n");
  });

  it("a host that failed after a notifying change runs no handler; the others do", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "-e", "version=2", "-e", 'fail_on=["e2"]']);
    expect(code).toBe(2);
    expect(statuses(doc, "e2")).toMatchObject({ "config a": "changed", "fail here": "failed" });
    expect(order(doc, "e2").filter((t) => t.startsWith("handler"))).toEqual([]);
    // A failed host takes no further part in the run: not in the next play either.
    expect(order(doc, "e2")).not.toContain("after the handlers");
    expect(await log("e2")).toBe("first\nsecond\nlistener\nnext-play\n");
    for (const host of ["e1", "e3"]) {
      expect(order(doc, host).filter((t) => t.startsWith("handler"))).toEqual(["handler first handler", "handler second handler"]);
      expect(await log(host)).toBe("first\nsecond\nlistener\nnext-play\nfirst\nsecond\n");
    }
    expect(doc.recap["e2"]).toMatchObject({ failed: 1 });
  });

  it("--force-handlers runs them on the failed host too", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, PLAYBOOK, "-e", "version=3", "-e", 'fail_on=["e2"]', "--force-handlers", "--limit", "e2"]);
    expect(code).toBe(2);
    expect(order(doc, "e2")).toEqual([
      "base dir",
      "config a",
      "config b",
      "unchanged dir",
      "fail here",
      "handler first handler",
      "handler second handler",
    ]);
    expect(statuses(doc, "e2")).toMatchObject({ "fail here": "failed", "handler first handler": "changed", "handler second handler": "changed" });
    expect(await log("e2")).toBe("first\nsecond\nlistener\nnext-play\nfirst\nsecond\n");
  });
});

describe("handlers notified by a handler", () => {
  const CHAIN = playbook("handler-chain");
  const chainLog = (host: string) => onHost(lab, host, "cat /tmp/eng-handler-chain/chain.log 2>/dev/null || true");

  beforeAll(async () => {
    await onHosts(lab, "rm -rf /tmp/eng-handler-chain");
  });

  it("run: one defined after the notifier in the same round, one defined before it in the next", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, CHAIN]);
    expect(code).toBe(0);
    for (const host of ["e1", "e2", "e3"]) {
      expect(order(doc, host)).toEqual(["chain dir", "app config", "handler restart app", "handler reload proxy", "handler check config"]);
      expect(await chainLog(host)).toBe("restart\nreload\ncheck\n");
    }
  });

  it("plan lists the whole chain a change would notify, and runs none of it", async () => {
    const { code, doc } = await deployJson(["plan", INVENTORY, CHAIN, "-e", "version=2", "--limit", "e1"]);
    expect(code).toBe(0);
    expect(order(doc, "e1")).toEqual(["chain dir", "app config", "handler restart app", "handler reload proxy", "handler check config"]);
    expect(await chainLog("e1")).toBe("restart\nreload\ncheck\n");
  });

  it("a second apply changes nothing, so no handler runs", async () => {
    const { code, doc } = await deployJson(["apply", INVENTORY, CHAIN]);
    expect(code).toBe(0);
    expect(doc.tasks.filter((t) => t.handler)).toEqual([]);
    expect(await chainLog("e1")).toBe("restart\nreload\ncheck\n");
  });
});
