// A held channel (Connection.hold) on a stand-in for ssh2's channel: held at the ready line with a heartbeat
// after it; a command that ends first gives its result; a close without exit status is the connection's.
import { EventEmitter } from "node:events";
import type { ClientChannel } from "ssh2";
import { afterEach, describe, expect, it, vi } from "vitest";
import { holdChannel, type HeldOutcome } from "../../../src/connection/held-channel.js";

class FakeChannel extends EventEmitter {
  readonly stderr = new EventEmitter();
  readonly written: string[] = [];
  write(data: string | Buffer): boolean {
    this.written.push(String(data));
    return true;
  }
}

function watch(channel: FakeChannel, stdin?: string) {
  const seen: { outcome?: HeldOutcome; failed: boolean; ended: boolean } = { failed: false, ended: false };
  holdChannel(channel as unknown as ClientChannel, stdin === undefined ? undefined : Buffer.from(stdin), { readyLine: "READY", heartbeat: { bytes: ".", everyMs: 1000 } }, {
    settle: (outcome) => (seen.outcome = outcome),
    fail: () => (seen.failed = true),
    ended: () => (seen.ended = true),
  });
  return seen;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("holdChannel", () => {
  it("is held at the ready line (split over chunks) with what came before it; then heartbeats; its end after that is told", async () => {
    vi.useFakeTimers();
    const channel = new FakeChannel();
    const seen = watch(channel, "prefix");
    expect(channel.written).toEqual(["prefix"]);
    channel.emit("data", Buffer.from("facts\nREA"));
    expect(seen.outcome).toBeUndefined();
    channel.emit("data", Buffer.from("DY\n"));
    expect(seen.outcome).toEqual({ held: true, stdout: Buffer.from("facts\n") });
    vi.advanceTimersByTime(2500);
    expect(channel.written).toEqual(["prefix", ".", "."]);
    channel.emit("close");
    vi.advanceTimersByTime(5000);
    await vi.runAllTimersAsync();
    expect(seen.ended).toBe(true);
    expect(channel.written).toHaveLength(3);
  });

  it("a command that ends before its ready line gives its result, stdout and stderr", () => {
    const channel = new FakeChannel();
    const seen = watch(channel);
    channel.emit("data", Buffer.from("@@deploy-lock busy\n"));
    channel.stderr.emit("data", Buffer.from("oops"));
    channel.emit("exit", 0);
    channel.emit("close");
    expect(seen.outcome).toEqual({ held: false, raw: { exitCode: 0, stdout: Buffer.from("@@deploy-lock busy\n"), stderr: Buffer.from("oops") } });
    expect(seen.ended).toBe(false);
  });

  it("closed with no exit status before the ready line: the connection is going away", async () => {
    const channel = new FakeChannel();
    const seen = watch(channel);
    channel.emit("close");
    await new Promise((r) => setImmediate(r));
    expect(seen).toMatchObject({ failed: true, ended: false });
    expect(seen.outcome).toBeUndefined();
  });
});
