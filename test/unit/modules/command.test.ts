import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commandModule, commandSchema } from "../../../src/modules/command.js";
import { shellModule, shellSchema } from "../../../src/modules/shell.js";
import { splitCommand } from "../../../src/modules/system/shlex.js";
import { HOSTILE, StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

describe("splitCommand", () => {
  it.each([
    ["echo hello world", ["echo", "hello", "world"]],
    ["  echo   spaced\tout  ", ["echo", "spaced", "out"]],
    ["echo 'single quoted $HOME'", ["echo", "single quoted $HOME"]],
    ['echo "double \\"quoted\\" \\$x \\n"', ["echo", 'double "quoted" $x \\n']],
    ["echo a\\ b c", ["echo", "a b", "c"]],
    ["echo ''", ["echo", ""]],
    ["echo x''y\"\"z", ["echo", "xyz"]],
    ["echo $(whoami); ls | wc", ["echo", "$(whoami);", "ls", "|", "wc"]],
  ])("%s", (line, words) => {
    expect(splitCommand(line)).toEqual(words);
  });

  it.each([["echo 'open"], ['echo "open'], ["echo trailing\\"]])("rejects %s", (line) => {
    expect(() => splitCommand(line)).toThrow();
  });
});

describe("command/shell schemas", () => {
  it("accepts the string shorthand shape and argv", () => {
    expect(commandSchema.parse({ cmd: "echo hi" }).cmd).toBe("echo hi");
    expect(commandSchema.parse({ argv: ["echo", "hi"] }).argv).toEqual(["echo", "hi"]);
    expect(shellSchema.parse({ cmd: "echo hi | wc -l" }).executable).toBe("/bin/sh");
  });

  it("rejects a bad command line with the reason", () => {
    const result = commandSchema.safeParse({ cmd: "echo 'open" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("unterminated single quote");
    expect(result.error?.issues[0]?.path).toEqual(["cmd"]);
  });

  it("needs exactly one of cmd and argv, and no unknown keys", () => {
    expect(commandSchema.safeParse({}).success).toBe(false);
    expect(commandSchema.safeParse({ cmd: "a", argv: ["a"] }).success).toBe(false);
    expect(commandSchema.safeParse({ cmd: "a", creats: "/x" }).success).toBe(false);
  });
});

describe("decide", () => {
  it("without guards: no probe, always a change naming the command", () => {
    const params = commandSchema.parse({ cmd: "systemctl daemon-reload" });
    expect(commandModule.probe(params, undefined, ctx)).toBeUndefined();
    expect(commandModule.decide(params, undefined, undefined, ctx)).toEqual({ kind: "change", summary: "run: systemctl daemon-reload" });
    expect(commandModule.alwaysRuns).toBe(true);
  });

  it.each([
    [{ creates: "/x" }, "#deploy:creates-exists\n", { kind: "ok", summary: "/x exists" }],
    [{ removes: "/x" }, "#deploy:removes-missing\n", { kind: "ok", summary: "/x does not exist" }],
    [{ unless: "test -f /x" }, "#deploy:unless-ok\n", { kind: "ok", summary: "unless command succeeded" }],
    [{ creates: "/x" }, "", { kind: "change", summary: "run: make" }],
    [{ creates: "/x" }, "some noise on stderr\n", { kind: "change", summary: "run: make" }],
    [{ creates: "x", chdir: "/srv/app" }, "#deploy:no-chdir\n", { kind: "blocked", reason: "directory /srv/app does not exist" }],
  ])("guards %j with probe output %j", (guards, output, plan) => {
    const params = shellSchema.parse({ cmd: "make", ...guards });
    expect(shellModule.probe(params, undefined, ctx)).toBeDefined();
    expect(shellModule.decide(params, undefined, { exitCode: 0, output }, ctx)).toEqual(plan);
  });

  it("redacts secrets in the summary and keeps it on one line", () => {
    const params = shellSchema.parse({ cmd: "mysql -pS3cret -e 'select 1'\necho done" });
    const plan = shellModule.decide(params, undefined, undefined, taskContext({}, ["S3cret"]));
    expect(plan).toEqual({ kind: "change", summary: "run: mysql -p******** -e 'select 1' ⏎ echo done" });
  });
});

describe("guard probe on a real shell", () => {
  it("checks creates/removes/unless with hostile paths without running anything in them", async () => {
    shell = new StubShell({});
    const hostile = path.join(shell.dir, "a b; $(touch pwned) `touch pwned` 'q\"");
    writeFileSync(hostile, "");
    const exists = shellSchema.parse({ cmd: "true", creates: hostile });
    expect(shellModule.decide(exists, undefined, await shell.probe(shellModule.probe(exists, undefined, ctx)), ctx).kind).toBe("ok");
    const missing = shellSchema.parse({ cmd: "true", creates: `${hostile}-nope`, removes: hostile });
    expect(shellModule.decide(missing, undefined, await shell.probe(shellModule.probe(missing, undefined, ctx)), ctx).kind).toBe("change");
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("creates/removes take glob patterns (*, ?, [...]): a match is any existing path; the rest stays literal", async () => {
    shell = new StubShell({});
    const dir = path.join(shell.dir, "out $(touch pwned) 'q\"");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "report-7.done"), "");
    const guard = async (params: Record<string, unknown>) => {
      const parsed = shellSchema.parse({ cmd: "make", ...params });
      return shellModule.decide(parsed, undefined, await shell!.probe(shellModule.probe(parsed, undefined, ctx)), ctx);
    };
    expect(await guard({ creates: `${dir}/*.done` })).toEqual({ kind: "ok", summary: `a path matches ${dir}/*.done` });
    expect(await guard({ creates: `${dir}/report-?.done` })).toMatchObject({ kind: "ok" });
    expect(await guard({ creates: `${dir}/report-[0-9].done` })).toMatchObject({ kind: "ok" });
    expect(await guard({ creates: `${dir}/report-[!0-9].done` })).toMatchObject({ kind: "change" });
    expect(await guard({ creates: `${dir}/*.missing` })).toMatchObject({ kind: "change" });
    expect(await guard({ removes: `${dir}/*.missing` })).toEqual({ kind: "ok", summary: `no path matches ${dir}/*.missing` });
    expect(await guard({ removes: `${dir}/*.done` })).toMatchObject({ kind: "change" });
    // Relative to chdir; the quotes and $(...) of the directory's name are literal, and a bracket's
    // members too (a quote inside one is a member, not the end of a word).
    expect(await guard({ chdir: dir, creates: "report-['\"7].done" })).toMatchObject({ kind: "ok" });
    expect(await guard({ chdir: dir, creates: "*" })).toMatchObject({ kind: "ok" });
    // A `[` without its `]` is a literal character, as in Python's glob.
    writeFileSync(path.join(dir, "a[b"), "");
    expect(await guard({ chdir: dir, creates: "a[b" })).toEqual({ kind: "ok", summary: "a[b exists" });
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("resolves relative guards from chdir and runs unless through sh", async () => {
    shell = new StubShell({});
    mkdirSync(path.join(shell.dir, "app dir"));
    writeFileSync(path.join(shell.dir, "app dir", "built"), "");
    const params = shellSchema.parse({ cmd: "make", chdir: path.join(shell.dir, "app dir"), creates: "built" });
    expect(shellModule.decide(params, undefined, await shell.probe(shellModule.probe(params, undefined, ctx)), ctx).kind).toBe("ok");
    const unlessFails = shellSchema.parse({ cmd: "make", unless: "test -e nothing-here || exit 3" });
    expect(shellModule.decide(unlessFails, undefined, await shell.probe(shellModule.probe(unlessFails, undefined, ctx)), ctx).kind).toBe("change");
    const unlessOk = shellSchema.parse({ cmd: "make", unless: "echo '#deploy:creates-exists'; true" });
    // What unless prints cannot pass for a probe line: only its exit status counts.
    expect(shellModule.decide(unlessOk, undefined, await shell.probe(shellModule.probe(unlessOk, undefined, ctx)), ctx)).toEqual({
      kind: "ok",
      summary: "unless command succeeded",
    });
  });
});

describe("apply", () => {
  it("command passes every word literally, with no shell expansion", async () => {
    shell = new StubShell({ "show-args": "exit 0" });
    const argv = ["show-args", ...HOSTILE, "$HOME"];
    const params = commandSchema.parse({ argv });
    const result = await commandModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result).toMatchObject({ changed: true, result: { rc: 0 } });
    expect(shell.calls()).toEqual([{ tool: "show-args", args: argv.slice(1) }]);
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("command splits cmd into words without expanding them", async () => {
    shell = new StubShell({ "show-args": "exit 0" });
    const params = commandSchema.parse({ cmd: `show-args "two words" '$(touch pwned)' a\\;b $HOME` });
    await commandModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(shell.calls()).toEqual([{ tool: "show-args", args: ["two words", "$(touch pwned)", "a;b", "$HOME"] }]);
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("shell runs the line through sh, in chdir, with stdin, and registers rc/stdout/stderr", async () => {
    shell = new StubShell({});
    mkdirSync(path.join(shell.dir, "work dir"));
    const params = shellSchema.parse({
      cmd: "pwd; tr a-z A-Z; echo oops >&2",
      chdir: path.join(shell.dir, "work dir"),
      stdin: "hello\n",
    });
    const result = await shellModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.failed).toBeUndefined();
    expect(result.result).toMatchObject({
      rc: 0,
      stdout: `${path.join(shell.dir, "work dir")}\nHELLO`,
      stdout_lines: [path.join(shell.dir, "work dir"), "HELLO"],
      stderr: "oops",
      cmd: params.cmd,
    });
  });

  it("a command waiting for input gets end-of-file instead of hanging", async () => {
    shell = new StubShell({});
    const params = shellSchema.parse({ cmd: "cat; echo done" });
    const result = await shellModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.result).toMatchObject({ rc: 0, stdout: "done" });
  });

  it("a non-zero exit fails the task with the rc and the end of stderr", async () => {
    shell = new StubShell({});
    const params = shellSchema.parse({ cmd: "echo first >&2; echo 'no such table' >&2; exit 3" });
    const result = await shellModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.failed).toBe("rc=3: first / no such table");
    expect(result.result).toMatchObject({ rc: 3, stderr: "first\nno such table" });
  });

  it("a missing program fails with rc 127", async () => {
    shell = new StubShell({});
    const params = commandSchema.parse({ cmd: "no-such-program --flag" });
    const result = await commandModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.result).toMatchObject({ rc: 127 });
    expect(result.failed).toMatch(/^rc=127: .*no-such-program/);
  });

  it("passes the timeout to the connection and reports it", async () => {
    shell = new StubShell({});
    const params = shellSchema.parse({ cmd: "sleep 5", timeout: 0.3 });
    const result = await shellModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.failed).toBe("timed out after 0.3s");
  });
});
