// A handler notified by a run that then failed is not lost (engine/pending-handlers.ts), on the engine lab
// (root; FAILS without it): the failing run records it on the host, the next apply runs it though nothing
// else changes and says why, the one after changes nothing and has nothing owed, at the round trips of a
// converged host. The same when the handler itself failed.
import { beforeAll, describe, expect, it } from "vitest";
import type { Lab } from "../e2e/support/lab.js";
import type { JsonReport } from "../../src/report/json.js";
import { deployJson, engineLab, INVENTORY, onHost, order, playbook } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("pending-handlers");
const BASE = "/tmp/eng-pending";
const RECORD = "/var/lib/deploy/pending-handlers";
let lab: Lab;
/** Round trips of a no-op apply on e1 before any record existed. */
let convergedRoundTrips = 0;

const apply = (...extra: string[]) => deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1", ...extra]);
const reloads = () => onHost(lab, "e1", `cat ${BASE}/reload.log 2>/dev/null || true`);
const record = () => onHost(lab, "e1", `cat ${RECORD} 2>/dev/null || echo none`);
const warnings = (doc: JsonReport) => doc.warnings.map((w) => w.message);
const OWED = "handler 'reload site': notified by an earlier run that did not finish; it runs at the end of play 'Pending handlers'";

beforeAll(async () => {
  lab = await engineLab();
  await onHost(lab, "e1", `rm -rf ${BASE} ${RECORD}`);
  expect((await apply()).code).toBe(0);
  const converged = await apply();
  expect(converged.doc.recap["e1"]).toMatchObject({ changed: 0 });
  convergedRoundTrips = converged.doc.stats.roundTrips["e1"]!;
  await onHost(lab, "e1", `: > ${BASE}/reload.log`);
});

describe("a handler owed by a run that did not finish", () => {
  it("a later task fails after the change: the run fails and records the handler on the host (root's, 0644)", async () => {
    await onHost(lab, "e1", `touch ${BASE}/break-task`);
    const { code, doc } = await apply("-e", "version=2");
    expect(code).toBe(2);
    expect(order(doc, "e1")).toEqual(["pending dir", "site config", "later check"]);
    expect(warnings(doc)).toEqual(["handler 'reload site' notified but not run because a task failed; recorded on the host: the next apply runs it (--force-handlers runs handlers even after a failure)"]);
    expect(await reloads()).toBe("");
    expect(await record()).toBe('{"handler":"reload site","playbook":"playbooks/pending-handlers.yaml","play":"Pending handlers"}\n');
    expect(await onHost(lab, "e1", `stat -c '%U %a' ${RECORD}`)).toBe("root 644\n");
  });

  it("plan, with the task fixed, shows the handler as a change to come and why", async () => {
    await onHost(lab, "e1", `rm -f ${BASE}/break-task`);
    const { code, doc } = await deployJson(["plan", INVENTORY, PLAYBOOK, "--limit", "e1", "-e", "version=2"]);
    expect(code).toBe(0);
    expect(doc.tasks.filter((t) => t.handler).map((t) => [t.task, t.status])).toEqual([["reload site", "changed"]]);
    expect(warnings(doc)).toEqual([OWED]);
    expect(await record()).not.toBe("none\n");
  });

  it("the next apply runs it though nothing else changes, says why, and clears the record", async () => {
    const { code, doc } = await apply("-e", "version=2");
    expect(code).toBe(0);
    expect(order(doc, "e1")).toEqual(["pending dir", "site config", "later check", "handler reload site"]);
    expect(doc.tasks.find((t) => t.task === "site config")?.status).toBe("ok");
    expect(warnings(doc)).toEqual([OWED]);
    expect(await reloads()).toBe("v=2\n");
    expect(await record()).toBe("none\n");
    // A converged run's round trips, the handler's, and the record's removal.
    expect(doc.stats.roundTrips["e1"]).toBe(convergedRoundTrips + 2);
  });

  it("the apply after it changes nothing, owes nothing, and costs a converged run's round trips", async () => {
    const { code, doc } = await apply("-e", "version=2");
    expect(code).toBe(0);
    expect(doc.recap["e1"]).toMatchObject({ changed: 0, failed: 0 });
    expect(doc.tasks.filter((t) => t.handler)).toEqual([]);
    expect(warnings(doc)).toEqual([]);
    expect(doc.stats.roundTrips["e1"]).toBe(convergedRoundTrips);
    expect(await reloads()).toBe("v=2\n");
  });

  it("the handler itself fails: recorded; once it can run, the next apply runs it, then nothing is owed", async () => {
    await onHost(lab, "e1", `touch ${BASE}/break-handler`);
    const failed = await apply("-e", "version=3");
    expect(failed.code).toBe(2);
    expect(failed.doc.tasks.find((t) => t.handler)).toMatchObject({ task: "reload site", status: "failed" });
    expect(await record()).toContain('"handler":"reload site"');

    await onHost(lab, "e1", `rm -f ${BASE}/break-handler`);
    const fixed = await apply("-e", "version=3");
    expect(fixed.code).toBe(0);
    expect(fixed.doc.tasks.find((t) => t.handler)).toMatchObject({ task: "reload site", status: "changed" });
    expect(warnings(fixed.doc)).toEqual([OWED]);
    expect(await reloads()).toBe("v=2\nv=3\n");
    expect(await record()).toBe("none\n");

    const after = await apply("-e", "version=3");
    expect(after.doc.recap["e1"]).toMatchObject({ changed: 0 });
    expect(after.doc.tasks.filter((t) => t.handler)).toEqual([]);
  });
});
