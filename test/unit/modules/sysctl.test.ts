import { lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  editSysctlFile,
  normalizeValue,
  parseSysctlProbe,
  procPath,
  sysctlApplyScript,
  sysctlModule,
  sysctlProbe,
  sysctlSchema,
  type SysctlChange,
  type SysctlParams,
} from "../../../src/modules/sysctl.js";
import { StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
let shell: StubShell | undefined;
afterEach(() => {
  shell?.cleanup();
  shell = undefined;
});

const FILE = "/etc/sysctl.d/99-deploy.conf";

function fileBlock(content: string): string {
  return `#deploy:b64 file\n${Buffer.from(content).toString("base64")}\n#deploy:end\n`;
}

function decide(params: Record<string, unknown>, live: string | undefined, file: string | undefined) {
  const output = `${live === undefined ? "#deploy:no-key\n" : `#deploy:live ${live}\n`}${file === undefined ? "#deploy:no-file\n" : fileBlock(file)}`;
  return sysctlModule.decide(sysctlSchema.parse(params), undefined, { exitCode: 0, output }, ctx);
}

describe("sysctl schema", () => {
  it("needs a value to be present, and a sane name", () => {
    expect(sysctlSchema.safeParse({ name: "net.ipv4.ip_forward" }).success).toBe(false);
    expect(sysctlSchema.safeParse({ name: "net.ipv4.ip_forward", state: "absent" }).success).toBe(true);
    expect(sysctlSchema.safeParse({ name: "-w kernel.x", value: 1 }).success).toBe(false);
    expect(sysctlSchema.safeParse({ name: "vm.swappiness", value: "1\nkernel.panic=1" }).success).toBe(false);
  });
});

describe("values and the file", () => {
  it.each([
    [true, "1"],
    [0, "0"],
    ["4096\t87380   6291456", "4096 87380 6291456"],
  ])("normalizes %j", (value, text) => {
    expect(normalizeValue(value)).toBe(text);
  });

  it.each([
    ["", "net.ipv4.ip_forward", "1", "net.ipv4.ip_forward = 1\n"],
    ["# mine\nvm.swappiness=10\n", "net.ipv4.ip_forward", "1", "# mine\nvm.swappiness=10\nnet.ipv4.ip_forward = 1\n"],
    ["net.ipv4.ip_forward=0\nvm.swappiness=10\nnet.ipv4.ip_forward = 0\n", "net.ipv4.ip_forward", "1", "net.ipv4.ip_forward = 1\nvm.swappiness=10\n"],
    ["net/ipv4/ip_forward=1\n", "net.ipv4.ip_forward", "1", "net/ipv4/ip_forward=1\n"],
    ["# net.ipv4.ip_forward = 0\n", "net.ipv4.ip_forward", "1", "# net.ipv4.ip_forward = 0\nnet.ipv4.ip_forward = 1\n"],
    ["vm.swappiness=10\nnet.ipv4.ip_forward = 1\n", "net.ipv4.ip_forward", undefined, "vm.swappiness=10\n"],
    ["net.ipv4.ip_forward = 1", "net.ipv4.ip_forward", undefined, ""],
    // CRLF files keep their endings: the rewritten line its own, a new one the file's.
    ["a = 1\r\nnet.ipv4.ip_forward = 0\r\n", "net.ipv4.ip_forward", "1", "a = 1\r\nnet.ipv4.ip_forward = 1\r\n"],
    ["a = 1\r\nb = 2\r\n", "net.ipv4.ip_forward", "1", "a = 1\r\nb = 2\r\nnet.ipv4.ip_forward = 1\r\n"],
    ["a = 1\r\nb = 2", "net.ipv4.ip_forward", "1", "a = 1\r\nb = 2\r\nnet.ipv4.ip_forward = 1\r\n"],
    ["net.ipv4.ip_forward = 1\r\n", "net.ipv4.ip_forward", "1", "net.ipv4.ip_forward = 1\r\n"],
  ])("edits %j for %s=%s", (before, name, value, after) => {
    expect(editSysctlFile(before, name, value)).toBe(after);
  });
});

describe("decide", () => {
  it("live value and file line both right: ok", () => {
    expect(decide({ name: "net.ipv4.ip_forward", value: 1 }, "1", "net.ipv4.ip_forward = 1\n")).toEqual({ kind: "ok" });
  });

  it("wrong live value, missing file: both change, with a diff", () => {
    expect(decide({ name: "net.ipv4.ip_forward", value: 1 }, "0", undefined)).toEqual({
      kind: "change",
      summary: `net.ipv4.ip_forward 0 -> 1, persist in ${FILE}`,
      diffs: [{ path: FILE, before: "", after: "net.ipv4.ip_forward = 1\n" }],
      detail: { content: "net.ipv4.ip_forward = 1\n", setLive: true },
    });
  });

  it("right live value but not persisted: only the file", () => {
    expect(decide({ name: "net.ipv4.ip_forward", value: "1" }, "1", "")).toMatchObject({ summary: `persist in ${FILE}`, detail: { setLive: false } });
  });

  it("reload false ignores the live value", () => {
    expect(decide({ name: "net.ipv4.ip_forward", value: 1, reload: false }, "0", "net.ipv4.ip_forward = 1\n")).toEqual({ kind: "ok" });
  });

  it("multi-value keys compare by words", () => {
    expect(decide({ name: "net.ipv4.tcp_rmem", value: "4096 87380 6291456" }, "4096 87380 6291456", "net.ipv4.tcp_rmem = 4096\t87380 6291456\n")).toEqual({ kind: "ok" });
  });

  it("absent removes the line only", () => {
    expect(decide({ name: "net.ipv4.ip_forward", state: "absent" }, "1", "net.ipv4.ip_forward = 1\nvm.swappiness = 5\n")).toMatchObject({
      summary: `remove net.ipv4.ip_forward from ${FILE}`,
      diffs: [{ before: "net.ipv4.ip_forward = 1\nvm.swappiness = 5\n", after: "vm.swappiness = 5\n" }],
    });
    expect(decide({ name: "net.ipv4.ip_forward", state: "absent" }, "1", undefined)).toEqual({ kind: "ok" });
  });

  it("an unknown kernel parameter fails", () => {
    expect(decide({ name: "net.ipv4.nope", value: 1 }, undefined, undefined)).toEqual({ kind: "fail", message: "the kernel has no parameter net.ipv4.nope" });
  });

  it("a file the probe could not read is never taken for a missing one", () => {
    expect(parseSysctlProbe("#deploy:live 1\n#deploy:b64 file\nsh: 1: base64: not found\n#deploy:end\n")).toEqual({
      live: "1",
      file: undefined,
      unreadable: "sh: 1: base64: not found",
    });
    expect(parseSysctlProbe("#deploy:live 1\n#deploy:file-unreadable\n").unreadable).toBe("permission denied (use become)");
    expect(parseSysctlProbe("#deploy:live 1\n#deploy:no-file\n")).toEqual({ live: "1", file: undefined });
    const plan = sysctlModule.decide(sysctlSchema.parse({ name: "vm.swappiness", value: 5 }), undefined, { exitCode: 0, output: "#deploy:live 1\n" }, ctx);
    expect(plan).toEqual({ kind: "fail", message: `cannot read ${FILE}: no output` });
  });

  it("a live value the host cannot set fails the plan, before anything is written", () => {
    const output = (flag: string) => `#deploy:live 1\n#deploy:${flag}\n#deploy:no-file\n`;
    const params = sysctlSchema.parse({ name: "kernel.panic", value: 10, sysctl_file: "/etc/sysctl.d/60-panic.conf" });
    expect(sysctlModule.decide(params, undefined, { exitCode: 0, output: output("live-readonly") }, ctx)).toEqual({
      kind: "fail",
      message: "cannot set kernel.panic 1 -> 10: /proc/sys is read-only on this host (a container?); reload: false only persists it for the next boot",
    });
    expect(sysctlModule.decide(params, undefined, { exitCode: 0, output: output("live-needs-root") }, ctx)).toMatchObject({
      kind: "fail",
      message: expect.stringContaining("writing /proc/sys needs root (use become)"),
    });
    // Only persisting, or the live value already right: nothing to write to /proc/sys, so no failure.
    const persistOnly = sysctlSchema.parse({ ...params, reload: false });
    expect(sysctlModule.decide(persistOnly, undefined, { exitCode: 0, output: output("live-readonly") }, ctx)).toMatchObject({ kind: "change", summary: "persist in /etc/sysctl.d/60-panic.conf" });
    const already = sysctlSchema.parse({ ...params, value: 1 });
    expect(sysctlModule.decide(already, undefined, { exitCode: 0, output: output("live-readonly") }, ctx)).toMatchObject({ kind: "change", summary: "persist in /etc/sysctl.d/60-panic.conf" });
  });

  it("a file that is not UTF-8 text is refused, never rewritten with replacement characters", () => {
    const latin1 = Buffer.from("# caf\xe9\r\nnet.ipv4.ip_forward = 0\r\n", "latin1");
    const output = `#deploy:live 0\n#deploy:b64 file\n${latin1.toString("base64")}\n#deploy:end\n`;
    expect(sysctlModule.decide(sysctlSchema.parse({ name: "net.ipv4.ip_forward", value: 1 }), undefined, { exitCode: 0, output }, ctx)).toEqual({
      kind: "fail",
      message: `${FILE} is not a text file (not UTF-8); sysctl would rewrite its bytes`,
    });
  });

  it("a link is written through, and the plan names both", () => {
    const output = `#deploy:live 0\n#deploy:link /etc/sysctl.conf\n${fileBlock("# Debian's\n")}`;
    const params = sysctlSchema.parse({ name: "net.ipv4.tcp_syncookies", value: 1, sysctl_file: "/etc/sysctl.d/99-sysctl.conf" });
    expect(sysctlModule.decide(params, undefined, { exitCode: 0, output }, ctx)).toEqual({
      kind: "change",
      summary: "net.ipv4.tcp_syncookies 0 -> 1, persist in /etc/sysctl.d/99-sysctl.conf -> /etc/sysctl.conf",
      diffs: [{ path: "/etc/sysctl.conf", before: "# Debian's\n", after: "# Debian's\nnet.ipv4.tcp_syncookies = 1\n" }],
      detail: { content: "# Debian's\nnet.ipv4.tcp_syncookies = 1\n", setLive: true, path: "/etc/sysctl.conf" },
    });
    expect(sysctlModule.decide(params, undefined, { exitCode: 0, output: "#deploy:live 0\n#deploy:link-broken\n" }, ctx)).toEqual({
      kind: "fail",
      message: "/etc/sysctl.d/99-sysctl.conf is a symbolic link to a path that does not resolve; fix or remove the link",
    });
  });

  it("keeps the file content exact, including a missing final newline", () => {
    expect(parseSysctlProbe(`#deploy:live 1\n${fileBlock("a=1\nb = 2")}`).file).toBe("a=1\nb = 2");
  });
});

describe("on a real shell (file and /proc/sys in a temp dir)", () => {
  /** A fake /proc/sys with one key, and plan -> apply -> plan through the module's own scripts. */
  function setup(live: string) {
    shell = new StubShell({});
    const proc = path.join(shell.dir, "proc");
    mkdirSync(path.join(proc, "net", "ipv4"), { recursive: true });
    writeFileSync(path.join(proc, "net", "ipv4", "ip_forward"), `${live}\n`);
    return { shell, proc, key: path.join(proc, "net", "ipv4", "ip_forward") };
  }

  async function check(params: SysctlParams, proc: string) {
    return sysctlModule.decide(params, undefined, await shell!.probe(sysctlProbe(params, proc)), ctx);
  }

  it("probe, apply (atomic write + live value), then probe again: ok", async () => {
    const { proc, key } = setup("0");
    const file = path.join(shell!.dir, "sysctl.d", "99 deploy's.conf");
    const params = sysctlSchema.parse({ name: "net.ipv4.ip_forward", value: 1, sysctl_file: file });
    const plan = await check(params, proc);
    expect(plan).toMatchObject({ kind: "change", summary: `net.ipv4.ip_forward 0 -> 1, persist in ${file}` });
    if (plan.kind !== "change") throw new Error("expected a change");
    const detail = plan.detail as SysctlChange;
    const result = await shell!.run(sysctlApplyScript(params, detail, proc), { stdin: detail.content });
    expect(result.exitCode).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("net.ipv4.ip_forward = 1\n");
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(readFileSync(key, "utf8")).toBe("1\n");
    expect(await check(params, proc)).toEqual({ kind: "ok" });
  });

  it("keeps the other lines of an existing file", async () => {
    const { proc } = setup("1");
    const file = path.join(shell!.dir, "custom.conf");
    writeFileSync(file, "# keep me\nvm.swappiness = 10\nnet.ipv4.ip_forward=0\n");
    const params = sysctlSchema.parse({ name: "net.ipv4.ip_forward", value: true, sysctl_file: file });
    const plan = await check(params, proc);
    expect(plan).toMatchObject({ summary: `persist in ${file}`, detail: { setLive: false } });
    if (plan.kind !== "change") throw new Error("expected a change");
    const detail = plan.detail as SysctlChange;
    await shell!.run(sysctlApplyScript(params, detail, proc), { stdin: detail.content });
    expect(readFileSync(file, "utf8")).toBe("# keep me\nvm.swappiness = 10\nnet.ipv4.ip_forward = 1\n");
  });

  it("the kernel refusing the live value leaves the file as it was", async () => {
    const { proc } = setup("0");
    const file = path.join(shell!.dir, "60-panic.conf");
    writeFileSync(file, "# before\n");
    const params = sysctlSchema.parse({ name: "kernel.panic", value: 10, sysctl_file: file });
    // No kernel/panic under the fake /proc/sys: the write fails as a read-only one would.
    const detail: SysctlChange = { content: "# before\nkernel.panic = 10\n", setLive: true };
    const result = await shell!.run(sysctlApplyScript(params, detail, proc), { stdin: detail.content });
    expect(result.exitCode).not.toBe(0);
    expect(readFileSync(file, "utf8")).toBe("# before\n");
  });

  it("writes through a link to the file it names; the link stays", async () => {
    shell = new StubShell({ readlink: 'exec /usr/bin/readlink "$@"' });
    const proc = path.join(shell.dir, "proc");
    mkdirSync(path.join(proc, "net", "ipv4"), { recursive: true });
    writeFileSync(path.join(proc, "net", "ipv4", "tcp_syncookies"), "0\n");
    mkdirSync(path.join(shell.dir, "etc", "sysctl.d"), { recursive: true });
    const target = path.join(shell.dir, "etc", "sysctl.conf");
    writeFileSync(target, "# Debian's\n");
    const link = path.join(shell.dir, "etc", "sysctl.d", "99-sysctl.conf");
    symlinkSync("../sysctl.conf", link);
    const params = sysctlSchema.parse({ name: "net.ipv4.tcp_syncookies", value: 1, sysctl_file: link });
    const plan = await check(params, proc);
    expect(plan).toMatchObject({ kind: "change", summary: `net.ipv4.tcp_syncookies 0 -> 1, persist in ${link} -> ${target}` });
    if (plan.kind !== "change") throw new Error("expected a change");
    const detail = plan.detail as SysctlChange;
    expect((await shell.run(sysctlApplyScript(params, detail, proc), { stdin: detail.content })).exitCode).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("# Debian's\nnet.ipv4.tcp_syncookies = 1\n");
    expect(await check(params, proc)).toEqual({ kind: "ok" });
  });

  it("maps names to /proc/sys paths and refuses to leave it", () => {
    expect(procPath("net.ipv4.conf.all.forwarding")).toBe("/proc/sys/net/ipv4/conf/all/forwarding");
    expect(procPath("net/ipv4/conf/eth0.1/forwarding")).toBe("/proc/sys/net/ipv4/conf/eth0.1/forwarding");
    expect(sysctlSchema.safeParse({ name: "net/../../etc/passwd", value: 1 }).success).toBe(false);
  });
});
