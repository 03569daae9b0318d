// Speculative probing on the engine lab (root; FAILS without it): a converged play with a registered result
// and a `when` on it still costs one round trip of probes, and a template rendered from a registered
// result always sees this run's latest value, never the one it was speculatively prepared with.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Lab } from "./support/lab.js";
import { deployJson, engineLab, INVENTORY, onHost, onHosts, playbook, statuses } from "../fixtures/engine/harness.js";

const PLAYBOOK = playbook("speculation");
let lab: Lab;

beforeAll(async () => {
  lab = await engineLab();
});

beforeEach(async () => {
  await onHosts(lab, "rm -rf /tmp/eng-spec");
});

describe("speculative probes and registered results", () => {
  it("renders a template from the latest registered result; a converged play is one probe round trip", async () => {
    const first = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1"]);
    expect(first.code).toBe(0);
    expect(statuses(first.doc, "e1")).toEqual({
      "base dir": "changed",
      marker: "changed",
      "note when the marker changed": "changed",
      readme: "changed",
      tail: "changed",
      "marker again": "ok",
      "registered into a template": "changed",
    });
    // Prepared while `marker.changed` was true (first play), applied after `marker again` made it false.
    expect((await onHost(lab, "e1", "cat /tmp/eng-spec/registered")).trim()).toBe("marker changed: false");

    const again = await deployJson(["apply", INVENTORY, PLAYBOOK, "--limit", "e1"]);
    expect(again.code).toBe(0);
    expect(statuses(again.doc, "e1")).toEqual({
      "base dir": "ok",
      marker: "ok",
      "note when the marker changed": "skipped",
      readme: "ok",
      tail: "skipped",
      "marker again": "ok",
      "registered into a template": "ok",
    });
    // Facts, then one round trip per play, though `marker` is registered and read by `when` and a template.
    expect(again.doc.stats.roundTrips["e1"]).toBe(3);
  });
});
