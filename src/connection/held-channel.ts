// A channel whose command keeps running after it printed its ready line (Connection.hold): its output up to
// that line is the result; the channel then stays open, its stdin too (sshd closes that stdin when the
// session ends, which is how the command learns that deploy is gone), with a heartbeat written on it.
import type { ClientChannel } from "ssh2";
import type { RawResult } from "./remote-command.js";
import type { HoldOptions } from "./types.js";

export type HeldOutcome = { held: true; stdout: Buffer } | { held: false; raw: RawResult };

export interface HeldChannelEvents {
  /** Held (the ready line came), or the command ended first. */
  settle(outcome: HeldOutcome): void;
  /** The channel closed with no exit status before the ready line: the connection is going away. */
  fail(): void;
  /** The command ended after it was held. */
  ended(): void;
}

/** Where the ready line starts in `output` (at its start or after a newline), or -1. */
export function readyLineAt(output: Buffer, readyLine: string): number {
  if (output.subarray(0, Buffer.byteLength(readyLine) + 1).equals(Buffer.from(`${readyLine}\n`))) return 0;
  const at = output.indexOf(`\n${readyLine}\n`);
  return at < 0 ? -1 : at + 1;
}

export function holdChannel(stream: ClientChannel, stdin: Buffer | undefined, options: HoldOptions, events: HeldChannelEvents): void {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let held = false;
  let exitCode: number | null | undefined;
  let signal: string | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  // Both streams must be consumed or 'close' never fires; after the ready line, output is dropped.
  stream.on("data", (chunk: Buffer) => {
    if (held) return;
    stdout.push(chunk);
    const all = Buffer.concat(stdout);
    const at = readyLineAt(all, options.readyLine);
    if (at < 0) return;
    held = true;
    stdout.length = 0;
    if (options.heartbeat) {
      const { bytes, everyMs } = options.heartbeat;
      heartbeat = setInterval(() => stream.write(bytes), everyMs);
      heartbeat.unref();
    }
    events.settle({ held: true, stdout: all.subarray(0, at) });
  });
  stream.stderr.on("data", (chunk: Buffer) => {
    if (!held) stderr.push(chunk);
  });
  stream.on("exit", (code: number | null, sig?: string) => {
    exitCode = code;
    if (sig) signal = sig;
  });
  stream.on("error", () => undefined);
  stream.on("close", () => {
    if (heartbeat) clearInterval(heartbeat);
    // Deferred: when the whole connection is closing, its own close handler speaks first.
    if (held) return void setImmediate(() => events.ended());
    if (exitCode === undefined) return void setImmediate(() => events.fail());
    events.settle({
      held: false,
      raw: { exitCode, ...(signal !== undefined ? { signal } : {}), stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) },
    });
  });
  if (stdin) stream.write(stdin);
}
