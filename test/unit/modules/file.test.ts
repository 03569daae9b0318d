import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, readlinkSync, statSync, symlinkSync, writeFileSync, chmodSync, chownSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseParams } from "../../../src/engine/module-step.js";
import { fileModule } from "../../../src/modules/file.js";
import type { Plan } from "../../../src/modules/types.js";
import { check, context, converge, probeOutput, runSh, tempDir } from "./file-support.js";

const HOSTILE = `d'ir $(touch PWNED) "x"\nend`;

function stat(type: string, mode: string, user = "root", group = "root"): string {
  return `#deploy:stat ${type}|${mode}|0|0|${user}|${group}|0\n`;
}

describe("file params", () => {
  it.each([
    [{ path: "/x", state: "link" }, /state link needs src/],
    [{ path: "/x", src: "/y" }, /src applies to state link only/],
    [{ path: "/x", state: "link", src: "/y", mode: "0644" }, /a symbolic link has no mode/],
    [{ path: "/x", state: "absent", owner: "root" }, /takes no owner, group or mode/],
    [{ path: "/x", recurse: true, owner: "root" }, /recurse applies to state directory only/],
    [{ path: "/x", state: "directory", recurse: true }, /recurse needs owner or group/],
    [{ path: "/", state: "absent" }, /refusing to remove/],
    [{ path: "//", state: "absent" }, /refusing to remove/],
    [{ path: "/x", state: "fifo" }, /state/],
    [{ path: "/x", mode: 755 }, /the expression gave the number 755/],
  ])("rejects %j", (params, message) => {
    expect(() => parseParams(fileModule, params)).toThrow(message);
  });
});

describe("file decide (probe output in, plan out)", () => {
  const ctx = context();
  function decide(params: Record<string, unknown>, output: string): Plan {
    const p = parseParams(fileModule, { path: "/srv/app", ...params });
    return fileModule.decide(p, undefined, probeOutput(output), ctx);
  }
  const link = (target: string) => `${stat("symbolic link", "777")}#deploy:b64 target\n${Buffer.from(target).toString("base64")}\n#deploy:end\n`;

  it.each<[string, Record<string, unknown>, string, Plan | Record<string, unknown>]>([
    ["directory exists", { state: "directory", mode: "0755" }, stat("directory", "755"), { kind: "ok" }],
    ["directory missing", { state: "directory", mode: "0750", owner: "app" }, "#deploy:absent\n", { kind: "change", summary: "create directory /srv/app (owner app, mode 0750)" }],
    ["directory missing with missing parents (mkdir -p)", { state: "directory" }, "#deploy:absent\n#deploy:noparent /srv\n", { kind: "change", summary: "create directory /srv/app" }],
    ["directory wrong mode", { state: "directory", mode: "0755" }, stat("directory", "700"), { kind: "change", summary: "/srv/app: mode 0700 -> 0755" }],
    ["directory is a file", { state: "directory" }, stat("regular file", "644"), { kind: "fail", message: "/srv/app is a file, not a directory" }],
    ["directory under a file (the lookup's parent)", { state: "directory" }, "#deploy:absent\n#deploy:noparent /srv\n#deploy:parent-not-dir\n", { kind: "blocked", reason: "/srv is not a directory" }],
    ["directory under a file further up", { state: "directory" }, "#deploy:absent\n#deploy:noparent /srv\n#deploy:not-dir-above /\n", { kind: "blocked", reason: "/ is not a directory" }],
    ["directory is a link to one", { state: "directory" }, link("/opt/real"), { kind: "fail", message: "/srv/app is a symbolic link to /opt/real, not a directory" }],
    ["recurse finds differing entries", { state: "directory", owner: "app", recurse: true }, `${stat("directory", "755", "app")}#deploy:differing 3\n`, { kind: "change", summary: "owner/group of 3 entries below /srv/app" }],
    ["recurse converged", { state: "directory", owner: "app", recurse: true }, `${stat("directory", "755", "app")}#deploy:differing 0\n`, { kind: "ok" }],
    ["file missing", { state: "file" }, "#deploy:absent\n", { kind: "blocked", reason: "file /srv/app does not exist" }],
    ["file with missing directory", { state: "file" }, "#deploy:absent\n#deploy:noparent /srv\n", { kind: "blocked", reason: "directory /srv does not exist" }],
    ["file owner", { state: "file", owner: "www-data" }, stat("regular empty file", "644"), { kind: "change", summary: "/srv/app: owner root -> www-data" }],
    ["touch missing", { state: "touch", mode: "0600" }, "#deploy:absent\n", { kind: "change", summary: "create empty file /srv/app (mode 0600)" }],
    ["touch existing (no mtime churn)", { state: "touch" }, stat("regular file", "644"), { kind: "ok" }],
    ["absent already", { state: "absent" }, "#deploy:absent\n", { kind: "ok" }],
    ["absent file", { state: "absent" }, stat("regular file", "644"), { kind: "change", summary: "remove file /srv/app" }],
    ["absent directory", { state: "absent" }, `${stat("directory", "755")}#deploy:entries 12\n`, { kind: "change", summary: "remove directory /srv/app (12 entries below it)" }],
    ["link missing", { state: "link", src: "/opt/app-1.2" }, "#deploy:absent\n", { kind: "change", summary: "create link /srv/app -> /opt/app-1.2" }],
    ["link right", { state: "link", src: "/opt/app-1.2" }, link("/opt/app-1.2"), { kind: "ok" }],
    ["link retarget", { state: "link", src: "/opt/app-1.3" }, link("/opt/app-1.2"), { kind: "change", summary: "retarget link /srv/app: /opt/app-1.2 -> /opt/app-1.3" }],
    ["link over a directory", { state: "link", src: "/opt/x" }, stat("directory", "755"), { kind: "fail", message: "/srv/app is a directory, not a symbolic link" }],
    ["owner missing", { state: "directory", owner: "app" }, "#deploy:absent\n#deploy:nouser app\n", { kind: "blocked", reason: "user app does not exist" }],
    ["garbage", { state: "directory" }, "stat: cannot stat: Permission denied\n", { kind: "fail", message: "probe failed: stat: cannot stat: Permission denied" }],
  ])("%s", (_name, params, output, expected) => {
    expect(decide(params, output)).toMatchObject(expected);
  });
});

describe("file on a real shell, in a temp directory", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());
  const ctx = context();

  it("directory: create, ok, fix mode; hostile names stay one path", async () => {
    const p = path.join(dir, HOSTILE, "sub");
    const first = await converge(fileModule, { path: p, state: "directory", mode: "0750" }, ctx);
    expect(first.applied).toEqual({ changed: true });
    expect(statSync(p).isDirectory()).toBe(true);
    expect(statSync(p).mode & 0o7777).toBe(0o750);
    expect(existsSync(path.join(process.cwd(), "PWNED"))).toBe(false);
    expect((await check(fileModule, { path: p, state: "directory", mode: "0750" }, ctx)).plan).toEqual({ kind: "ok" });
    chmodSync(p, 0o700);
    expect((await converge(fileModule, { path: p, state: "directory", mode: "0750" }, ctx)).plan).toMatchObject({ summary: `${p}: mode 0700 -> 0750` });
    expect(statSync(p).mode & 0o7777).toBe(0o750);
  });

  it("recurse sets owner and group below the directory", async () => {
    const p = path.join(dir, "tree");
    mkdirSync(path.join(p, "a"), { recursive: true });
    writeFileSync(path.join(p, "a", "f"), "x");
    chownSync(path.join(p, "a", "f"), 1234, 1234);
    const params = { path: p, state: "directory", owner: "0", group: "0", recurse: true };
    const first = await converge(fileModule, params, ctx);
    expect(first.plan).toMatchObject({ kind: "change", summary: "owner/group of 1 entry below " + p });
    expect(statSync(path.join(p, "a", "f")).uid).toBe(0);
    expect((await check(fileModule, params, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("directory below a file, however far up: blocked in plan, not a mkdir failure in apply", async () => {
    writeFileSync(path.join(dir, "afile"), "x");
    for (const p of [path.join(dir, "afile", "sub"), path.join(dir, "afile", "a", "b")]) {
      expect((await check(fileModule, { path: p, state: "directory" }, ctx)).plan).toEqual({ kind: "blocked", reason: `${path.join(dir, "afile")} is not a directory` });
    }
    expect((await check(fileModule, { path: path.join(dir, "new", "a", "b"), state: "directory" }, ctx)).plan).toMatchObject({ kind: "change" });
  });

  it("an owner change keeps setuid/setgid bits that chown clears (file and recurse)", async () => {
    const tool = path.join(dir, "tool");
    writeFileSync(tool, "#!/bin/sh\n");
    chmodSync(tool, 0o4755);
    const first = await converge(fileModule, { path: tool, owner: "65534" }, ctx);
    expect(first.plan).toMatchObject({ kind: "change", summary: `${tool}: owner root -> 65534` });
    expect(statSync(tool).mode & 0o7777).toBe(0o4755);
    expect(statSync(tool).uid).toBe(65534);

    const tree = path.join(dir, "tree");
    mkdirSync(path.join(tree, "bin"), { recursive: true });
    const inside = [path.join(tree, "bin", "su do"), path.join(tree, "owned already")];
    for (const f of inside) writeFileSync(f, "x");
    chmodSync(inside[0]!, 0o4750);
    chownSync(inside[1]!, 65534, 0);
    chmodSync(inside[1]!, 0o2711);
    await converge(fileModule, { path: tree, state: "directory", owner: "65534", recurse: true }, ctx);
    expect(statSync(inside[0]!).uid).toBe(65534);
    expect(inside.map((f) => statSync(f).mode & 0o7777)).toEqual([0o4750, 0o2711]);
  });

  it("an owner change keeps file capabilities that chown clears (file and recurse); without getcap/setcap only a file that has none changes", async () => {
    const getcap = (file: string) => execFileSync("getcap", [file], { encoding: "utf8" }).trim();
    const tool = path.join(dir, "bind tool");
    writeFileSync(tool, "#!/bin/sh\n");
    chmodSync(tool, 0o755);
    execFileSync("setcap", ["cap_net_bind_service+ep", tool]);
    const first = await converge(fileModule, { path: tool, owner: "65534", group: "65534" }, ctx);
    expect(first.applied).toEqual({ changed: true });
    expect(statSync(tool).uid).toBe(65534);
    expect(getcap(tool)).toBe(`${tool} cap_net_bind_service=ep`);

    const tree = path.join(dir, "tree");
    mkdirSync(path.join(tree, "bin"), { recursive: true });
    const inside = path.join(tree, "bin", "ping er");
    writeFileSync(inside, "x");
    execFileSync("setcap", ["cap_net_raw+ep", inside]);
    await converge(fileModule, { path: tree, state: "directory", owner: "65534", recurse: true }, ctx);
    expect(statSync(inside).uid).toBe(65534);
    expect(getcap(inside)).toBe(`${inside} cap_net_raw=ep`);

    // A host without libcap2-bin: sbin (where getcap and setcap live) out of PATH.
    const noLibcap = context();
    noLibcap.run = (command, opts) => runSh(`PATH=/usr/bin:/bin\n${command.text}`, opts?.stdin);
    const refused = await converge(fileModule, { path: tool, owner: "0" }, noLibcap);
    expect(refused.applied).toEqual({
      changed: false,
      failed: `${tool}: ${tool} has file capabilities (security.capability) that chown would clear, and getcap/setcap (libcap2-bin) are not installed to put them back; nothing was changed`,
    });
    expect(statSync(tool).uid).toBe(65534);
    expect(getcap(tool)).toBe(`${tool} cap_net_bind_service=ep`);
    const plain = path.join(dir, "plain");
    writeFileSync(plain, "");
    expect((await converge(fileModule, { path: plain, owner: "65534" }, noLibcap)).applied).toEqual({ changed: true });
    expect((await converge(fileModule, { path: tree, state: "directory", owner: "0", recurse: true }, noLibcap)).applied).toMatchObject({
      changed: false,
      failed: expect.stringContaining(`a file below ${tree} has file capabilities`),
    });
    expect(statSync(inside).uid).toBe(65534);
  });

  it("link: create, ok, retarget", async () => {
    const p = path.join(dir, `cur rent$(x)`);
    expect((await converge(fileModule, { path: p, state: "link", src: "/opt/one two" }, ctx)).applied).toEqual({ changed: true });
    expect(readlinkSync(p)).toBe("/opt/one two");
    expect((await check(fileModule, { path: p, state: "link", src: "/opt/one two" }, ctx)).plan).toEqual({ kind: "ok" });
    await converge(fileModule, { path: p, state: "link", src: dir }, ctx);
    expect(readlinkSync(p)).toBe(dir);
    // Retargeting a link that points at a directory replaces the link, not something inside the directory.
    await converge(fileModule, { path: p, state: "link", src: "/opt/three" }, ctx);
    expect(readlinkSync(p)).toBe("/opt/three");
    expect(lstatSync(p).isSymbolicLink()).toBe(true);
  });

  it("touch and absent", async () => {
    const p = path.join(dir, "flag file");
    expect((await converge(fileModule, { path: p, state: "touch", mode: "0600" }, ctx)).applied).toEqual({ changed: true });
    expect(statSync(p).mode & 0o7777).toBe(0o600);
    expect((await check(fileModule, { path: p, state: "touch", mode: "0600" }, ctx)).plan).toEqual({ kind: "ok" });
    expect((await converge(fileModule, { path: p, state: "absent" }, ctx)).applied).toEqual({ changed: true });
    expect(existsSync(p)).toBe(false);
    expect((await check(fileModule, { path: p, state: "absent" }, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("absent: an immutable or append-only entry below fails the removal before rm starts, in plan too", async () => {
    const tree = path.join(dir, "old release");
    mkdirSync(path.join(tree, "logs"), { recursive: true });
    writeFileSync(path.join(tree, "a.txt"), "a");
    writeFileSync(path.join(tree, "logs", "app.log"), "x");
    execFileSync("chattr", ["+a", path.join(tree, "logs", "app.log")]);
    try {
      const { plan, applied } = await converge(fileModule, { path: tree, state: "absent" }, ctx);
      expect(plan).toEqual({
        kind: "fail",
        message: `cannot remove ${tree}: ${path.join(tree, "logs", "app.log")} is append-only (chattr +a); nothing was changed`,
      });
      expect(applied).toBeUndefined();
      // rm -rf would have taken a.txt before stopping at the log.
      expect(existsSync(path.join(tree, "a.txt"))).toBe(true);
      execFileSync("chattr", ["-a", path.join(tree, "logs", "app.log")]);
      execFileSync("chattr", ["+i", path.join(tree, "a.txt")]);
      expect((await check(fileModule, { path: path.join(tree, "a.txt"), state: "absent" }, ctx)).plan).toEqual({
        kind: "fail",
        message: `cannot remove ${path.join(tree, "a.txt")}: ${path.join(tree, "a.txt")} is immutable (chattr +i); nothing was changed`,
      });
    } finally {
      execFileSync("chattr", ["-a", "-i", path.join(tree, "logs", "app.log"), path.join(tree, "a.txt")]);
    }
    expect((await converge(fileModule, { path: tree, state: "absent" }, ctx)).applied).toEqual({ changed: true });
    expect(existsSync(tree)).toBe(false);
  });

  it("absent does not follow a link into its target", async () => {
    const target = path.join(dir, "keep");
    mkdirSync(target);
    writeFileSync(path.join(target, "f"), "x");
    const p = path.join(dir, "link");
    symlinkSync(target, p);
    await converge(fileModule, { path: p, state: "absent" }, ctx);
    expect(existsSync(p)).toBe(false);
    expect(existsSync(path.join(target, "f"))).toBe(true);
  });
});
