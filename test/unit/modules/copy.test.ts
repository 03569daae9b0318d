import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseParams } from "../../../src/engine/module-step.js";
import { buildProbeBatch } from "../../../src/engine/probe-batch.js";
import { copyModule } from "../../../src/modules/copy.js";
import { sha256 } from "../../../src/modules/lib/content.js";
import type { Plan } from "../../../src/modules/types.js";
import { check, context, converge, probeOutput, tempDir } from "./file-support.js";

const HOSTILE = `we'ird $(touch PWNED) "name"\n.conf`;

function stat(mode: string, size: number, user = "root", group = "root", type = "regular file"): string {
  return `#deploy:stat ${type}|${mode}|0|0|${user}|${group}|${size}\n`;
}
function b64(name: string, content: string): string {
  return `#deploy:b64 ${name}\n${Buffer.from(content).toString("base64")}\n#deploy:end\n`;
}

describe("copy params", () => {
  it.each([
    [{ dest: "/etc/x", content: "a", mode: 644 }, /mode must be a string such as "0644", but the expression gave the number 644/],
    [{ dest: "/etc/x", content: "a", mode: "0999" }, /octal digits/],
    [{ dest: "/etc/x", content: "a", src: "x" }, /exactly one of content or src/],
    [{ dest: "/etc/x" }, /exactly one of content or src/],
    [{ dest: "etc/x", content: "a" }, /absolute path/],
    [{ dest: "/etc/../x", content: "a" }, /'\.\.'/],
    [{ dest: "/etc/x", content: "a", delete: true }, /delete applies to a directory src only/],
    [{ dest: "/etc/x", content: "a", owner: "bad name" }, /owner must be/],
    [{ dest: "/etc/x", content: "a", colour: "red" }, /Unrecognized key/],
  ])("rejects %j", (params, message) => {
    expect(() => parseParams(copyModule, params)).toThrow(message);
  });

  it("accepts modes with and without the leading zero, and setgid modes", () => {
    for (const mode of ["644", "0644", "2755", "02755"]) {
      expect(parseParams(copyModule, { dest: "/x", content: "", mode })).toMatchObject({ mode });
    }
  });
});

describe("copy decide (probe output in, plan out)", () => {
  const content = "port=80\n";
  const hash = sha256(content);
  const ctx = context({ secrets: ["s3cr3t-pw"] });

  async function decide(params: Record<string, unknown>, output: string): Promise<Plan> {
    const p = parseParams(copyModule, { dest: "/etc/app.conf", content, ...params });
    const prepared = await copyModule.prepare!(p, ctx);
    return copyModule.decide(p, prepared, probeOutput(output), ctx);
  }

  it.each<[string, Record<string, unknown>, string, Partial<Plan> & { kind: Plan["kind"] }]>([
    ["same content and attributes", {}, `${stat("644", 8)}#deploy:sha256 ${hash}\n`, { kind: "ok" }],
    ["mode only", { mode: "0600" }, `${stat("644", 8)}#deploy:sha256 ${hash}\n`, { kind: "change", summary: "/etc/app.conf: mode 0644 -> 0600" }],
    [
      "owner and group by name",
      { owner: "www-data", group: "adm" },
      `${stat("644", 8)}#deploy:sha256 ${hash}\n`,
      { kind: "change", summary: "/etc/app.conf: owner root -> www-data, group root -> adm" },
    ],
    ["numeric owner matching the uid", { owner: "0" }, `${stat("644", 8, "root")}#deploy:sha256 ${hash}\n`, { kind: "ok" }],
    ["absent file", { mode: "0640" }, "#deploy:absent\n", { kind: "change", summary: "create /etc/app.conf (8 B, mode 0640)" }],
    ["missing directory", {}, "#deploy:absent\n#deploy:noparent /etc\n", { kind: "blocked", reason: "directory /etc does not exist" }],
    ["missing user", { owner: "app" }, `${stat("644", 8)}#deploy:sha256 ${hash}\n#deploy:nouser app\n`, { kind: "blocked", reason: "user app does not exist" }],
    ["missing group", { group: "app" }, "#deploy:absent\n#deploy:nogroup app\n", { kind: "blocked", reason: "group app does not exist" }],
    ["a directory in the way", {}, stat("755", 4096, "root", "root", "directory"), { kind: "fail", message: "/etc/app.conf is a directory" }],
    ["unreadable", {}, `${stat("600", 8)}sha256sum: standard input: Permission denied\n`, { kind: "fail" }],
    ["probe that printed nothing useful", {}, "sh: 1: stat: not found\n", { kind: "fail", message: "probe failed: sh: 1: stat: not found" }],
    ["a symlink", {}, stat("777", 10, "root", "root", "symbolic link"), { kind: "change", summary: "replace symbolic link /etc/app.conf with a file (8 B)" }],
  ])("%s", async (_name, params, output, expected) => {
    const plan = await decide(params, output);
    expect(plan).toMatchObject(expected);
    if (plan.kind === "change" && "mode" in params && output.includes(hash)) expect(plan.diffs).toBeUndefined();
  });

  it("shows a diff of the differing content", async () => {
    const plan = await decide({}, `${stat("644", 8)}#deploy:sha256 ${"0".repeat(64)}\n${b64("current", "port=81\n")}`);
    expect(plan).toMatchObject({ kind: "change", summary: "update /etc/app.conf" });
    expect(plan.kind === "change" && plan.diffs).toEqual([{ path: "/etc/app.conf", before: "port=81\n", after: "port=80\n" }]);
  });

  it("a new file's diff has an empty before", async () => {
    const plan = await decide({}, "#deploy:absent\n");
    expect(plan.kind === "change" && plan.diffs).toEqual([{ path: "/etc/app.conf", before: "", after: content }]);
  });

  it("says so instead of a diff when the host's file was too large to print", async () => {
    const plan = await decide({}, `${stat("644", 999999)}#deploy:sha256 ${"0".repeat(64)}\n`);
    expect(plan).toMatchObject({ kind: "change", summary: "update /etc/app.conf (larger than 256 KiB, no diff)" });
    expect(plan.kind === "change" && plan.diffs).toBeUndefined();
  });

  it("says so instead of a diff for binary content", async () => {
    const plan = await decide({}, `${stat("644", 4)}#deploy:sha256 ${"0".repeat(64)}\n#deploy:b64 current\n${Buffer.from([0, 1, 2, 255]).toString("base64")}\n#deploy:end\n`);
    expect(plan).toMatchObject({ kind: "change", summary: "update /etc/app.conf (binary content, no diff)" });
  });

  it("redacts secret values on both sides of the diff", async () => {
    const p = parseParams(copyModule, { dest: "/etc/app.conf", content: "password=s3cr3t-pw\n" });
    const prepared = await copyModule.prepare!(p, ctx);
    const plan = copyModule.decide(p, prepared, probeOutput(`${stat("644", 8)}#deploy:sha256 ${"0".repeat(64)}\n${b64("current", "password=old-s3cr3t-pw-x\n")}`), ctx);
    expect(plan.kind === "change" && plan.diffs).toEqual([
      { path: "/etc/app.conf", before: "password=old-<redacted>-x\n", after: "password=<redacted>\n" },
    ]);
  });

  it("a file the login user may not read: says permission denied and suggests become", async () => {
    expect(await decide({}, stat("640", 900, "root", "shadow"))).toEqual({
      kind: "fail",
      message: "cannot read /etc/app.conf: permission denied? (owner root, mode 0640: use become)",
    });
  });

  it("the probe embeds the expected hash and the path as one quoted word", async () => {
    const p = parseParams(copyModule, { dest: `/tmp/${HOSTILE}`, content });
    const prepared = await copyModule.prepare!(p, ctx);
    const probe = buildProbeBatch([copyModule.probe(p, prepared, ctx)!]).script.text;
    expect(probe).toContain(hash);
    expect(probe).toContain(`'/tmp/we'\\''ird $(touch PWNED) "name"\n.conf'`);
  });
});

describe("copy on a real shell, in a temp directory", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it("creates, then is ok, then shows and applies a diff; hostile names stay one path", async () => {
    const ctx = context();
    const dest = path.join(dir, HOSTILE);
    const first = await converge(copyModule, { dest, content: "a\nb\n", mode: "0640" }, ctx);
    expect(first.plan).toMatchObject({ kind: "change" });
    expect(first.applied).toEqual({ changed: true });
    expect(readFileSync(dest, "utf8")).toBe("a\nb\n");
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir)).toEqual([HOSTILE]);
    expect(existsSync(path.join(process.cwd(), "PWNED"))).toBe(false);

    expect((await check(copyModule, { dest, content: "a\nb\n", mode: "0640" }, ctx)).plan).toEqual({ kind: "ok" });

    writeFileSync(dest, "a\nX\n");
    const drift = await check(copyModule, { dest, content: "a\nb\n", mode: "0640" }, ctx);
    expect(drift.plan).toMatchObject({ kind: "change", summary: `update ${dest}`, diffs: [{ path: dest, before: "a\nX\n", after: "a\nb\n" }] });
  });

  it("a mode-only change does not rewrite the file", async () => {
    const ctx = context();
    const dest = path.join(dir, "app.conf");
    writeFileSync(dest, "same\n");
    chmodSync(dest, 0o600);
    const inode = statSync(dest).ino;
    const result = await converge(copyModule, { dest, content: "same\n", mode: "0644" }, ctx);
    expect(result.plan).toMatchObject({ kind: "change", summary: `${dest}: mode 0600 -> 0644` });
    expect(statSync(dest).ino).toBe(inode);
    expect(statSync(dest).mode & 0o7777).toBe(0o644);
  });

  it("a rewrite keeps the existing mode when the task sets none", async () => {
    const ctx = context();
    const dest = path.join(dir, "secret.conf");
    writeFileSync(dest, "old\n");
    chmodSync(dest, 0o600);
    await converge(copyModule, { dest, content: "new\n" }, ctx);
    expect(readFileSync(dest, "utf8")).toBe("new\n");
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
  });

  it("validate failure leaves the old file and fails with the validator's message; backup keeps the old version", async () => {
    const ctx = context();
    const dest = path.join(dir, "app.conf");
    writeFileSync(dest, "good\n");
    const bad = await converge(copyModule, { dest, content: "bad\n", validate: "grep -q good %s || { echo 'syntax error near bad' >&2; exit 1; }" }, ctx);
    expect(bad.applied?.failed).toMatch(/validation failed, .*app\.conf left unchanged: syntax error near bad/);
    expect(readFileSync(dest, "utf8")).toBe("good\n");
    expect(readdirSync(dir)).toEqual(["app.conf"]);

    const ok = await converge(copyModule, { dest, content: "good too\n", validate: "grep -q good %s", backup: true }, ctx);
    expect(ok.applied).toEqual({ changed: true });
    expect(readFileSync(dest, "utf8")).toBe("good too\n");
    const backups = readdirSync(dir).filter((f) => f.endsWith(".bak"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(path.join(dir, backups[0]!), "utf8")).toBe("good\n");
  });

  it("validate: %s inside a shell the command starts is the staged file too (a bad config never replaces the good one)", async () => {
    const ctx = context();
    const dest = path.join(dir, "inner.conf");
    writeFileSync(dest, "setting=good\n");
    const bad = await converge(copyModule, { dest, content: "setting=BAD\n", validate: "sh -c '! grep -q BAD %s'" }, ctx);
    expect(bad.applied?.failed).toMatch(/validation failed/);
    expect(readFileSync(dest, "utf8")).toBe("setting=good\n");
    const ok = await converge(copyModule, { dest, content: "setting=fine\n", validate: "sh -c 'grep -q fine %s'" }, ctx);
    expect(ok.applied).toEqual({ changed: true });
    expect(readFileSync(dest, "utf8")).toBe("setting=fine\n");
  });

  it("a missing parent directory blocks the task", async () => {
    const { plan } = await check(copyModule, { dest: path.join(dir, "nope", "x.conf"), content: "x" }, context());
    expect(plan).toEqual({ kind: "blocked", reason: `directory ${path.join(dir, "nope")} does not exist` });
  });

  it("copies a role file, keeping its executable bit", async () => {
    const role = path.join(dir, "role");
    mkdirSync(path.join(role, "files"), { recursive: true });
    writeFileSync(path.join(role, "files", "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    const ctx = context({ roleDir: role });
    const dest = path.join(dir, "run.sh");
    expect((await converge(copyModule, { src: "run.sh", dest }, ctx)).applied).toEqual({ changed: true });
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect((await check(copyModule, { src: "run.sh", dest }, ctx)).plan).toEqual({ kind: "ok" });
  });
});

describe("copy of a directory tree", () => {
  let dir: string;
  let cleanup: () => void;
  let role: string;
  let dest: string;
  const odd = `odd name $(touch PWNED) 'q'.txt`;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    role = path.join(dir, "role");
    dest = path.join(dir, "site");
    const files = path.join(role, "files", "site");
    mkdirSync(path.join(files, "js"), { recursive: true });
    writeFileSync(path.join(files, "index.html"), "<h1>hi</h1>\n");
    writeFileSync(path.join(files, "js", "app.js"), "console.log(1)\n");
    writeFileSync(path.join(files, odd), "odd\n");
    writeFileSync(path.join(files, "tool"), "#!/bin/sh\n", { mode: 0o755 });
  });
  afterEach(() => cleanup());

  it("creates the tree, is ok after, and rewrites only what differs; delete removes extras", async () => {
    const ctx = context({ roleDir: role });
    const first = await converge(copyModule, { src: "site", dest }, ctx);
    expect(first.plan).toMatchObject({ kind: "change" });
    expect(first.plan.kind === "change" && first.plan.summary).toContain("create directory");
    expect(first.applied).toEqual({ changed: true });
    expect(readFileSync(path.join(dest, "js", "app.js"), "utf8")).toBe("console.log(1)\n");
    expect(readFileSync(path.join(dest, odd), "utf8")).toBe("odd\n");
    expect(statSync(path.join(dest, "tool")).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dest, "index.html")).mode & 0o777).toBe(0o644);
    expect(existsSync(path.join(process.cwd(), "PWNED"))).toBe(false);

    expect((await check(copyModule, { src: "site", dest }, ctx)).plan).toEqual({ kind: "ok" });

    const untouched = statSync(path.join(dest, "index.html")).ino;
    writeFileSync(path.join(dest, "js", "app.js"), "console.log(2)\n");
    writeFileSync(path.join(dest, "extra.txt"), "extra\n");
    mkdirSync(path.join(dest, "old", "deep"), { recursive: true });

    // Without delete, extras stay and are not mentioned.
    const keep = await check(copyModule, { src: "site", dest }, ctx);
    expect(keep.plan).toMatchObject({
      kind: "change",
      summary: `${dest}: update js/app.js`,
      diffs: [{ path: path.join(dest, "js", "app.js"), before: "console.log(2)\n", after: "console.log(1)\n" }],
    });

    const del = await converge(copyModule, { src: "site", dest, delete: true }, ctx);
    expect(del.plan).toMatchObject({
      kind: "change",
      summary: [`${dest}: update js/app.js; remove extra.txt, old`, `removed: ${dest}/extra.txt`, `removed: ${dest}/old/`].join("\n"),
    });
    expect(del.applied).toEqual({ changed: true });
    expect(readdirSync(dest).sort()).toEqual(["index.html", "js", odd, "tool"].sort());
    expect(readFileSync(path.join(dest, "js", "app.js"), "utf8")).toBe("console.log(1)\n");
    expect(statSync(path.join(dest, "index.html")).ino).toBe(untouched);
    expect((await check(copyModule, { src: "site", dest, delete: true }, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("writes all the files of a tree in ONE exec; an updated file keeps its owner, owner: sets it on all", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "site", dest }, ctx);
    expect(ctx.recorded.commands).toHaveLength(1);
    // Someone else owns a file that then drifts: the rewrite keeps that owner (as a single-file copy does).
    chownSync(path.join(dest, "js", "app.js"), 65534, 65534);
    writeFileSync(path.join(dest, "js", "app.js"), "drift\n");
    writeFileSync(path.join(dest, "index.html"), "drift\n");
    const fixed = await converge(copyModule, { src: "site", dest }, ctx);
    expect(fixed.applied).toEqual({ changed: true });
    expect(readFileSync(path.join(dest, "js", "app.js"), "utf8")).toBe("console.log(1)\n");
    expect(statSync(path.join(dest, "js", "app.js"))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(path.join(dest, "index.html"))).toMatchObject({ uid: 0, gid: 0 });
    // No staging directory is left behind.
    expect(readdirSync(dest).filter((name) => name.startsWith(".deploy"))).toEqual([]);

    const owned = await converge(copyModule, { src: "site", dest: path.join(dir, "owned"), owner: "nobody", group: "nogroup" }, ctx);
    expect(owned.applied).toEqual({ changed: true });
    for (const rel of ["", "js", "js/app.js", "tool", odd]) {
      expect(statSync(path.join(dir, "owned", rel))).toMatchObject({ uid: 65534, gid: 65534 });
    }
    expect(statSync(path.join(dir, "owned", "tool")).mode & 0o777).toBe(0o755);
  });

  it("fixes a file's mode without rewriting it", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "site", dest, mode: "0644" }, ctx);
    chmodSync(path.join(dest, "index.html"), 0o600);
    const inode = statSync(path.join(dest, "index.html")).ino;
    const fix = await converge(copyModule, { src: "site", dest, mode: "0644" }, ctx);
    expect(fix.plan).toMatchObject({ kind: "change", summary: `${dest}: change mode of index.html\n${dest}/index.html: mode 0600 -> 0644` });
    expect(statSync(path.join(dest, "index.html")).ino).toBe(inode);
    expect(statSync(path.join(dest, "index.html")).mode & 0o777).toBe(0o644);
  });

  it("shows diffs of new files only for a few of them (a whole node_modules would flood the report)", async () => {
    const ctx = context({ roleDir: role });
    const few = await check(copyModule, { src: "site", dest }, ctx);
    expect(few.plan.kind === "change" && few.plan.diffs?.map((d) => d.path).sort()).toEqual(
      ["index.html", path.join("js", "app.js"), odd, "tool"].map((f) => path.join(dest, f)).sort(),
    );
    const many = path.join(role, "files", "many");
    mkdirSync(many);
    for (let i = 0; i < 12; i++) writeFileSync(path.join(many, `f${i}.txt`), `content ${i}\n`);
    const manyDest = path.join(dir, "many");
    const first = await converge(copyModule, { src: "many", dest: manyDest }, ctx);
    expect(first.plan).toMatchObject({ kind: "change", summary: expect.stringContaining("(no diffs for this many new files)") });
    expect(first.plan.kind === "change" && first.plan.diffs).toBeUndefined();
    // A changed file of the same tree still gets its diff.
    writeFileSync(path.join(manyDest, "f3.txt"), "drift\n");
    const drift = await check(copyModule, { src: "many", dest: manyDest }, ctx);
    expect(drift.plan).toMatchObject({ diffs: [{ path: path.join(manyDest, "f3.txt"), before: "drift\n", after: "content 3\n" }] });
  });

  it("a tree too large to embed its checksums is hashed on the host instead, and stays small as a command", async () => {
    const big = path.join(role, "files", "big");
    mkdirSync(big);
    for (let i = 0; i < 900; i++) writeFileSync(path.join(big, `file-number-${String(i).padStart(4, "0")}.txt`), `content ${i}\n`);
    const ctx = context({ roleDir: role });
    const bigDest = path.join(dir, "big");
    expect((await converge(copyModule, { src: "big", dest: bigDest }, ctx)).applied).toEqual({ changed: true });
    const again = await check(copyModule, { src: "big", dest: bigDest }, ctx);
    expect(again.plan).toEqual({ kind: "ok" });
    expect(again.probe.length).toBeLessThan(4096);
    writeFileSync(path.join(bigDest, "file-number-0005.txt"), "drift\n");
    const drift = await converge(copyModule, { src: "big", dest: bigDest }, ctx);
    expect(drift.plan).toMatchObject({
      kind: "change",
      summary: `${bigDest}: update file-number-0005.txt (no diffs for trees this large)\nfile differs: ${bigDest}/file-number-0005.txt`,
    });
    expect(readFileSync(path.join(bigDest, "file-number-0005.txt"), "utf8")).toBe("content 5\n");
  });

  it("the plan names every file no diff shows, one per line under the summary: binary, new binary, removed, mode only", async () => {
    const ctx = context({ roleDir: role });
    const files = path.join(role, "files", "site");
    writeFileSync(path.join(files, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]));
    await converge(copyModule, { src: "site", dest, delete: true }, ctx);
    writeFileSync(path.join(dest, "logo.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9]));
    writeFileSync(path.join(dest, "stray.txt"), "stray\n");
    mkdirSync(path.join(dest, "cache", "deep"), { recursive: true });
    chmodSync(path.join(dest, "tool"), 0o644);
    writeFileSync(path.join(dest, "js", "app.js"), "drift\n");
    chmodSync(path.join(dest, "js", "app.js"), 0o600);
    writeFileSync(path.join(files, "icon.ico"), Buffer.from([0, 0, 1, 0]));
    writeFileSync(path.join(files, "empty"), "");

    const { plan } = await check(copyModule, { src: "site", dest, delete: true }, ctx);
    expect(plan.kind === "change" && plan.summary.split("\n")).toEqual([
      `${dest}: create empty, icon.ico; update js/app.js, logo.png; remove cache, stray.txt; change mode of tool`,
      // A file with no diff to print: an empty one is named as a binary one is.
      `new file: ${dest}/empty`,
      `new binary file: ${dest}/icon.ico`,
      // A text file's diff names it; its rewrite keeps its mode 0600 (the task sets none).
      `binary file differs: ${dest}/logo.png`,
      `${dest}/tool: mode 0644 -> 0755`,
      `removed: ${dest}/cache/`,
      `removed: ${dest}/stray.txt`,
    ]);
    expect(plan.kind === "change" && plan.diffs?.map((d) => d.path)).toEqual([`${dest}/js/app.js`]);
  });

  it("many new files: the first are named, the rest counted", async () => {
    const many = path.join(role, "files", "many");
    mkdirSync(many);
    for (let i = 0; i < 25; i++) writeFileSync(path.join(many, `f${String(i).padStart(2, "0")}.txt`), `content ${i}\n`);
    const { plan } = await check(copyModule, { src: "many", dest: path.join(dir, "many") }, context({ roleDir: role }));
    const lines = plan.kind === "change" ? plan.summary.split("\n") : [];
    expect(lines.slice(1, 3)).toEqual([`new file: ${dir}/many/f00.txt`, `new file: ${dir}/many/f01.txt`]);
    expect(lines.filter((l) => l.startsWith("new file: "))).toHaveLength(20);
    expect(lines.at(-1)).toBe("... and 5 more new files");
  });

  it("a symbolic link loop in the source is an error, not a hang", async () => {
    symlinkSync("..", path.join(role, "files", "site", "js", "up"));
    await expect(check(copyModule, { src: "site", dest }, context({ roleDir: role }))).rejects.toThrow(/symbolic link loop/);
  });

  it("a file where the tree has a directory fails unless delete is set", async () => {
    const ctx = context({ roleDir: role });
    mkdirSync(dest);
    writeFileSync(path.join(dest, "js"), "not a dir\n");
    expect((await check(copyModule, { src: "site", dest }, ctx)).plan).toMatchObject({ kind: "fail", message: expect.stringContaining("js is a file, not a directory") });
    const fixed = await converge(copyModule, { src: "site", dest, delete: true }, ctx);
    expect(fixed.applied).toEqual({ changed: true });
    expect(readFileSync(path.join(dest, "js", "app.js"), "utf8")).toBe("console.log(1)\n");
  });
});
