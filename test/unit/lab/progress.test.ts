import { describe, expect, it } from "vitest";
import { interruptedUp, newProgress, type UpProgress } from "../../../src/lab/progress.js";

const commands = { up: "deploy lab up inventory/lab.yaml", down: "deploy lab down inventory/lab.yaml" };
const at = (progress: Partial<UpProgress>) => interruptedUp({ ...newProgress(), ...progress }, commands);

describe("an interrupted lab up", () => {
  it("says nothing was started before the hosts were", () => {
    expect(at({})).toEqual(["stopped before any host was started."]);
    expect(at({ step: "image" })).toEqual([
      "stopped while building the base image (a partial build is never used: the next up builds it again).",
      "No host was started.",
    ]);
  });

  it("lists the hosts it leaves running, what they still miss, and what finishes or stops them", () => {
    expect(at({ step: "booting", started: ["web-01", "web-02"] })).toEqual([
      "stopped while the hosts were booting.",
      "Left running: web-01, web-02 (not yet seen to finish booting: web-01, web-02; their host keys are not in known_hosts yet).",
      "`deploy lab up inventory/lab.yaml` finishes them; `deploy lab down inventory/lab.yaml` stops them.",
    ]);
    expect(at({ step: "settling", started: ["web-01", "web-02"], settled: ["web-02"], knownHostsWritten: true })).toEqual([
      "stopped while checking that the hosts finished booting.",
      "Left running: web-01, web-02 (not yet seen to finish booting: web-01).",
      "`deploy lab up inventory/lab.yaml` finishes them; `deploy lab down inventory/lab.yaml` stops them.",
    ]);
    expect(at({ step: "starting", started: ["web-01"] })[1]).toBe(
      "Being started (some may run now): web-01 (not yet seen to finish booting: web-01; their host keys are not in known_hosts yet).",
    );
  });

  it("during a reset's down, says up brings the hosts back", () => {
    expect(at({ step: "stopping" })).toEqual([
      "stopped while stopping the hosts to reset.",
      "Some hosts may be stopped: `deploy lab up inventory/lab.yaml` starts them again.",
    ]);
  });
});
