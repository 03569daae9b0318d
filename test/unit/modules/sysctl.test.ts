import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
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

  it("maps names to /proc/sys paths and refuses to leave it", () => {
    expect(procPath("net.ipv4.conf.all.forwarding")).toBe("/proc/sys/net/ipv4/conf/all/forwarding");
    expect(procPath("net/ipv4/conf/eth0.1/forwarding")).toBe("/proc/sys/net/ipv4/conf/eth0.1/forwarding");
    expect(sysctlSchema.safeParse({ name: "net/../../etc/passwd", value: 1 }).success).toBe(false);
  });
});
