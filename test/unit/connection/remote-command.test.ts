import { describe, expect, it } from "vitest";
import { BECOME_MARKER, finishResult, prepareCommand, seconds } from "../../../src/connection/remote-command.js";
import { BecomeError } from "../../../src/connection/types.js";

const nonce = () => "deploy-NONCE";

describe("prepareCommand", () => {
  it("runs the command through sh -c, quoted as one word", () => {
    expect(prepareCommand({ command: "echo 'hi' $HOME" }).line).toBe(`exec sh -c 'echo '\\''hi'\\'' $HOME'`);
  });

  it("wraps in timeout with a kill grace", () => {
    expect(prepareCommand({ command: "sleep 9", timeoutMs: 1500 }).line).toBe("exec timeout -k 5 1.5 sh -c 'sleep 9'");
    expect(seconds(250)).toBe("0.25");
    expect(seconds(0)).toBe("0.001");
  });

  it("uses sudo -n without a password, quoting the become user", () => {
    const p = prepareCommand({ command: "id", become: { user: "app user" } });
    expect(p.line).toMatch(/^exec sudo -n -u 'app user' -- sh -c '.*' sh sh -c id$/);
    expect(p.stdinPrefix).toBeUndefined();
  });

  it("with a password: sudo -S, and stdin starts with password, nonce, nonce", () => {
    const p = prepareCommand({ command: "id", become: { user: "root", password: "s3cret" }, timeoutMs: 2000 }, nonce);
    expect(p.line).toMatch(/^exec sudo -S -p '' -u root -- sh -c '.*' deploy-NONCE timeout -k 5 2 sh -c id$/);
    expect(p.line).not.toContain("s3cret");
    expect(p.stdinPrefix?.toString()).toBe("s3cret\ndeploy-NONCE\ndeploy-NONCE\n");
  });
});

describe("finishResult", () => {
  const raw = (over: Partial<Parameters<typeof finishResult>[0]> = {}) => ({
    exitCode: 0,
    stdout: Buffer.from("out"),
    stderr: Buffer.alloc(0),
    ...over,
  });

  it("strips what sudo printed before the marker", () => {
    const prepared = prepareCommand({ command: "x", become: { user: "root" } });
    const r = finishResult(raw({ stderr: Buffer.from(`sudo: unable to resolve host h\n${BECOME_MARKER}real error\n`) }), prepared, 5, "h");
    expect(r).toEqual({ exitCode: 0, stdout: "out", stderr: "real error\n" });
  });

  it("throws become-failed when the marker never came (sudo did not run the command)", () => {
    const prepared = prepareCommand({ command: "x", become: { user: "root" } });
    expect(() => finishResult(raw({ exitCode: 1, stderr: Buffer.from("sudo: a password is required\n") }), prepared, 5, "h")).toThrow(BecomeError);
    expect(() => finishResult(raw({ exitCode: 127, stderr: Buffer.from("sh: 1: exec: sudo: not found\n") }), prepared, 5, "h")).toThrow(
      "sudo is not installed on the host (become needs it)",
    );
  });

  it("marks timedOut only for timeout's exit status after the deadline, or when abandoned", () => {
    const prepared = prepareCommand({ command: "x", timeoutMs: 1000 });
    expect(finishResult(raw({ exitCode: 124 }), prepared, 1005, "h").timedOut).toBe(true);
    expect(finishResult(raw({ exitCode: 137 }), prepared, 6000, "h").timedOut).toBe(true);
    expect(finishResult(raw({ exitCode: 124 }), prepared, 10, "h").timedOut).toBeUndefined();
    expect(finishResult(raw({ exitCode: null, abandoned: true }), prepared, 20000, "h").timedOut).toBe(true);
    expect(finishResult(raw({ exitCode: 124 }), prepareCommand({ command: "x" }), 99999, "h").timedOut).toBeUndefined();
  });
});
