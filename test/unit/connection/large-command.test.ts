// Commands sent on stdin instead of the command line: those over Linux's 128 KiB single-argument limit (a
// batched probe of many tasks), and those holding a secret (the process list and sudo's log show a command
// line).
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLocalConnection } from "../../../src/connection/local.js";
import { holdsSecret, LARGE_COMMAND_BYTES, prepareCommand } from "../../../src/connection/remote-command.js";
import { applyContext } from "../../../src/engine/task-context.js";
import { probeStep } from "../../../src/engine/module-step.js";
import type { PrepareContext } from "../../../src/modules/types.js";
import { shellModule, shellSchema } from "../../../src/modules/shell.js";
import { taskContext } from "../modules/stub-shell.js";

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

/** Command lines of every process of this machine that contain `text`. */
function processesShowing(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const line = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      if (line.includes(text)) found.push(line);
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

describe("commands holding a secret", () => {
  const SECRET = "pa'ss-Wd-9137";

  it("are found in the script text, also inside a single-quoted word", () => {
    const secrets = new Set([SECRET]);
    expect(holdsSecret(`printf %s ${SECRET}`, secrets)).toBe(true);
    expect(holdsSecret(`printf %s 'pa'\\''ss-Wd-9137'`, secrets)).toBe(true);
    expect(holdsSecret("printf %s other", secrets)).toBe(false);
    expect(holdsSecret("anything", new Set([""]))).toBe(false);
  });

  it("travel on stdin even when small", () => {
    const command = `printf '%s\\n' ${SECRET.replace("'", "")}`;
    const p = prepareCommand({ command, secrets: new Set([SECRET.replace("'", "")]), become: { user: "root" } });
    expect(p.line).not.toContain("ss-Wd-9137");
    expect(p.line).toMatch(/^exec sudo -n -u root -- sh -c /);
    expect(p.stdinPrefix?.toString()).toBe(command);
  });

  it("run locally with the caller's stdin, and no process shows the secret while they run", async () => {
    const secret = "ss-Wd-9137-local";
    const conn = createLocalConnection("local", { secrets: new Set([secret]) });
    const command = `: ${secret}; sleep 0.5; printf 'stdin: %s\\n' "$(cat)"`;
    const running = conn.exec(command, { stdin: "caller bytes" });
    await new Promise((r) => setTimeout(r, 200));
    const seen = processesShowing(secret);
    expect(await running).toMatchObject({ exitCode: 0, stdout: "stdin: caller bytes\n" });
    expect(seen).toEqual([]);
    // The same command on a connection that knows no secret is on a command line: the check above can see one.
    const plain = createLocalConnection("local").exec(command, { stdin: "x" });
    await new Promise((r) => setTimeout(r, 200));
    expect(processesShowing(secret).length).toBeGreaterThan(0);
    await plain;
  });

  it("a shell task's command and its unless check are in no process's arguments either", async () => {
    const secret = "ss-Wd-9137-shell";
    const conn = createLocalConnection("local", { secrets: new Set([secret]) });
    const contextFor = (secrets: string[]) =>
      applyContext(taskContext({}, secrets) as unknown as PrepareContext, conn, false, () => undefined);
    const params = shellSchema.parse({
      cmd: `: ${secret}; sleep 0.5; echo "inherited: \${deploy_cmd:-nothing}"`,
      unless: `: ${secret}; sleep 0.5; false`,
    });
    const running = shellModule.apply(params, undefined, { kind: "change", summary: "" }, contextFor([secret]));
    const checking = probeStep(conn, shellModule.probe(params, undefined, contextFor([secret])));
    await new Promise((r) => setTimeout(r, 250));
    const seen = processesShowing(secret);
    expect((await running).result).toMatchObject({ rc: 0, stdout: "inherited: nothing" });
    expect(shellModule.decide(params, undefined, await checking, contextFor([secret]))).toMatchObject({ kind: "change" });
    expect(seen).toEqual([]);
    // Control: the same task when nothing in it is a secret runs `sh -c CMD`, which the scan sees
    // (sent on stdin, as the connection still knows the secret: the inner shell's arguments are seen).
    const plain = shellModule.apply(params, undefined, { kind: "change", summary: "" }, contextFor([]));
    await new Promise((r) => setTimeout(r, 250));
    expect(processesShowing(secret).length).toBeGreaterThan(0);
    await plain;
  });
});
