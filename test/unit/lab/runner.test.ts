// The lab's tool runner: an interrupted lab operation ends the tools it started.
import { describe, expect, it } from "vitest";
import { CommandFailed, runCommand, stopTools } from "../../../src/lab/runner.js";

describe("stopTools", () => {
  it("ends every tool still running (a SIGINT sent to deploy alone does not reach them)", async () => {
    const started = Date.now();
    const tools = [runCommand("sleep", ["30"]), runCommand("sleep", ["30"], { allowFailure: true })];
    await new Promise((r) => setTimeout(r, 100));
    stopTools();
    const [failed, ended] = await Promise.allSettled(tools);
    expect(failed).toMatchObject({ status: "rejected", reason: expect.any(CommandFailed) });
    expect(ended).toEqual({ status: "fulfilled", value: { code: null, stdout: "", stderr: "" } });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("leaves finished tools alone", async () => {
    expect(await runCommand("true", [])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(() => stopTools()).not.toThrow();
  });
});
