// Commands over Linux's 128 KiB single-argument limit (a batched probe of many tasks): sent on stdin.
import { describe, expect, it } from "vitest";
import { createLocalConnection } from "../../../src/connection/local.js";
import { LARGE_COMMAND_BYTES, prepareCommand } from "../../../src/connection/remote-command.js";

/** A command of about `kib` KiB that prints its own size marker and what it reads on stdin. */
function bigCommand(kib: number): string {
  // A quoted word, so the size is real script text the shell must parse (like a probe's paths and hashes).
  return `: '${"x".repeat(kib * 1024)}'\nprintf 'size ok\\n'\nprintf 'stdin: %s\\n' "$(cat)"\nexit 3`;
}

describe("large commands", () => {
  it("keeps small commands on the command line", () => {
    const p = prepareCommand({ command: "echo hi" });
    expect(p.line).toBe("exec sh -c 'echo hi'");
    expect(p.stdinPrefix).toBeUndefined();
  });

  it("moves a command past the limit to stdin, with a short line that reads exactly its byte count", () => {
    const command = bigCommand(300);
    const p = prepareCommand({ command, timeoutMs: 5000 });
    expect(Buffer.byteLength(p.line)).toBeLessThan(1024);
    expect(p.line).toContain(`head -c ${Buffer.byteLength(command)}`);
    expect(p.line).toMatch(/^exec timeout -k 5 5 sh -c /);
    expect(p.stdinPrefix?.toString()).toBe(command);
  });

  it("puts the sudo password lines before the command text", () => {
    const command = bigCommand(200);
    const p = prepareCommand({ command, become: { user: "root", password: "pw" } }, () => "NONCE");
    expect(Buffer.byteLength(p.line)).toBeLessThan(LARGE_COMMAND_BYTES);
    expect(p.stdinPrefix?.toString()).toBe(`pw\nNONCE\nNONCE\n${command}`);
  });

  it("runs a 300 KiB command locally: exit status, stdout, and the caller's stdin reach the command", async () => {
    const conn = createLocalConnection("local");
    const withStdin = await conn.exec(bigCommand(300), { stdin: "caller bytes" });
    expect(withStdin).toMatchObject({ exitCode: 3, stdout: "size ok\nstdin: caller bytes\n" });
    // Without stdin the command sees an empty stdin, never its own text.
    const without = await conn.exec(bigCommand(300));
    expect(without).toMatchObject({ exitCode: 3, stdout: "size ok\nstdin: \n" });
    // Multi-byte text: the byte count, not the character count, is what head reads.
    const unicode = await conn.exec(`: '${"é".repeat(100 * 1024)}'\necho done`);
    expect(unicode).toMatchObject({ exitCode: 0, stdout: "done\n" });
  });
});
