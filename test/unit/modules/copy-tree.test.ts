// A copied tree against odd host states, on this machine's shell in a temp directory (as root, like the
// other file module tests): entries of the wrong kind where the source has a file or directory, modes
// kept or set (setuid through chown), and files that cannot be changed.
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyModule } from "../../../src/modules/copy.js";
import { explainFailure } from "../../../src/modules/lib/tree-apply.js";
import type { TreeDetail } from "../../../src/modules/lib/tree.js";
import { check, context, converge, tempDir } from "./file-support.js";

function chattr(flag: string, file: string): void {
  execFileSync("chattr", [flag, file]);
}

describe("copy of a directory tree against odd host states", () => {
  let dir: string;
  let cleanup: () => void;
  let role: string;
  let dest: string;
  // Attributes set by a test, cleared before the temp directory is removed.
  let locked: string[];
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    locked = [];
    role = path.join(dir, "role");
    dest = path.join(dir, "tree");
    const files = path.join(role, "files", "tree");
    mkdirSync(path.join(files, "sub"), { recursive: true });
    writeFileSync(path.join(files, "a.txt"), "A\n");
    writeFileSync(path.join(files, "l.txt"), "L\n");
    writeFileSync(path.join(files, "sub", "b.txt"), "B\n");
    mkdirSync(path.join(role, "files", "bin"));
    writeFileSync(path.join(role, "files", "bin", "tool"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  });
  afterEach(() => {
    for (const file of locked) execFileSync("chattr", ["-i", "-a", file]);
    cleanup();
  });

  const lock = (flag: "+i" | "+a", file: string) => {
    chattr(flag, file);
    locked.push(file);
  };

  it("delete: a directory or link where the source has a file, a file where it has a directory: the plan says what goes", async () => {
    const ctx = context({ roleDir: role });
    mkdirSync(path.join(dest, "a.txt", "x"), { recursive: true });
    writeFileSync(path.join(dest, "a.txt", "x", "1"), "");
    writeFileSync(path.join(dest, "a.txt", "2"), "");
    symlinkSync("/etc/hosts", path.join(dest, "l.txt"));
    writeFileSync(path.join(dest, "sub"), "a file\n");

    const refused = await check(copyModule, { src: "tree", dest }, ctx);
    expect(refused.plan).toEqual({
      kind: "fail",
      message: `${dest}: sub is a file, not a directory; a.txt is a directory (3 entries below it), not a file; l.txt is a symbolic link, not a file (set delete: true to replace)`,
    });

    const { plan, applied } = await converge(copyModule, { src: "tree", dest, delete: true }, ctx);
    expect(plan.kind === "change" && plan.summary.split("\n")).toEqual([
      `${dest}: replace file sub with a directory, directory a.txt (3 entries below it) with a file, symbolic link l.txt with a file; create sub/b.txt`,
      `removed: ${dest}/sub (a file), replaced with a directory`,
      `removed: ${dest}/a.txt/ (3 entries below it), replaced with a file`,
      `removed: ${dest}/l.txt (a symbolic link), replaced with a file`,
    ]);
    expect(applied).toEqual({ changed: true });
    expect(readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("A\n");
    expect(readFileSync(path.join(dest, "l.txt"), "utf8")).toBe("L\n");
    expect(readFileSync(path.join(dest, "sub", "b.txt"), "utf8")).toBe("B\n");
    expect(readFileSync("/etc/hosts", "utf8")).not.toBe("L\n");
    expect((await check(copyModule, { src: "tree", dest, delete: true }, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("an existing file keeps its mode when the task sets none, rewritten or not; mode: sets it, and the plan says so", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "tree", dest }, ctx);
    chmodSync(path.join(dest, "a.txt"), 0o640);
    chmodSync(path.join(dest, "l.txt"), 0o640);
    writeFileSync(path.join(dest, "a.txt"), "drift\n");

    const kept = await converge(copyModule, { src: "tree", dest }, ctx);
    expect(kept.plan).toMatchObject({ kind: "change", summary: `${dest}: update a.txt` });
    expect(readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("A\n");
    expect(statSync(path.join(dest, "a.txt")).mode & 0o7777).toBe(0o640);
    expect(statSync(path.join(dest, "l.txt")).mode & 0o7777).toBe(0o640);

    writeFileSync(path.join(dest, "a.txt"), "drift\n");
    const set = await converge(copyModule, { src: "tree", dest, mode: "0644" }, ctx);
    expect(set.plan).toMatchObject({
      kind: "change",
      summary: [`${dest}: update a.txt; change mode of l.txt`, `${dest}/a.txt: mode 0640 -> 0644`, `${dest}/l.txt: mode 0640 -> 0644`].join("\n"),
    });
    for (const name of ["a.txt", "l.txt"]) expect(statSync(path.join(dest, name)).mode & 0o7777).toBe(0o644);
  });

  it("setuid survives the owner being set (chown clears it): new files with owner:, and a rewritten setuid file keeping its owner", async () => {
    const ctx = context({ roleDir: role });
    const bin = path.join(dir, "bin");
    const first = await converge(copyModule, { src: "bin", dest: bin, mode: "4755", owner: "nobody" }, ctx);
    expect(first.applied).toEqual({ changed: true });
    expect(statSync(path.join(bin, "tool"))).toMatchObject({ uid: 65534 });
    expect(statSync(path.join(bin, "tool")).mode & 0o7777).toBe(0o4755);
    expect((await check(copyModule, { src: "bin", dest: bin, mode: "4755", owner: "nobody" }, ctx)).plan).toEqual({ kind: "ok" });

    // A rewrite keeps the file's owner (chown --reference) and, the task setting no mode, its setuid mode.
    const tree = path.join(dir, "tree");
    await converge(copyModule, { src: "tree", dest: tree }, ctx);
    writeFileSync(path.join(tree, "a.txt"), "drift\n");
    chownSync(path.join(tree, "a.txt"), 65534, 65534);
    chmodSync(path.join(tree, "a.txt"), 0o4644);
    const rewrite = await converge(copyModule, { src: "tree", dest: tree }, ctx);
    expect(rewrite.plan).toMatchObject({ kind: "change", summary: `${tree}: update a.txt` });
    expect(statSync(path.join(tree, "a.txt"))).toMatchObject({ uid: 65534, gid: 65534 });
    expect(statSync(path.join(tree, "a.txt")).mode & 0o7777).toBe(0o4644);
    expect((await check(copyModule, { src: "tree", dest: tree }, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("an immutable file fails the task before its first change, in plan too, naming the file", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "tree", dest }, ctx);
    writeFileSync(path.join(dest, "a.txt"), "drift a\n");
    writeFileSync(path.join(dest, "sub", "b.txt"), "drift b\n");
    writeFileSync(path.join(dest, "extra"), "extra\n");
    lock("+i", path.join(dest, "sub", "b.txt"));

    const { plan, applied } = await converge(copyModule, { src: "tree", dest, delete: true }, ctx);
    expect(plan).toEqual({
      kind: "fail",
      message: `${dest}: cannot change sub/b.txt: not writable even for root: immutable (chattr +i) or on a read-only file system; nothing was changed`,
    });
    expect(applied).toBeUndefined();
    expect(readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("drift a\n");
    expect(existsSync(path.join(dest, "extra"))).toBe(true);
  });

  it("an immutable file inside an extra directory blocks its removal up front", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "tree", dest }, ctx);
    mkdirSync(path.join(dest, "old", "deep"), { recursive: true });
    writeFileSync(path.join(dest, "old", "deep", "keep"), "");
    lock("+i", path.join(dest, "old", "deep", "keep"));
    const { plan } = await check(copyModule, { src: "tree", dest, delete: true }, ctx);
    expect(plan).toMatchObject({ kind: "fail", message: expect.stringContaining(`${dest}: cannot change old/deep/keep: not writable`) });
  });

  it("an append-only file (chattr +a) fails the task before its first change, in plan too: a rename over it is refused", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "tree", dest }, ctx);
    writeFileSync(path.join(dest, "a.txt"), "drift a\n");
    writeFileSync(path.join(dest, "sub", "b.txt"), "drift b\n");
    writeFileSync(path.join(dest, "extra"), "extra\n");
    // Writable for root (it may be appended to), so the immutable check alone let it through.
    lock("+a", path.join(dest, "sub", "b.txt"));

    const { plan, applied } = await converge(copyModule, { src: "tree", dest, delete: true }, ctx);
    expect(plan).toEqual({
      kind: "fail",
      message: `${dest}: cannot change sub/b.txt: append-only (chattr +a): it may be appended to, not replaced, removed or have its owner or mode changed; nothing was changed`,
    });
    expect(applied).toBeUndefined();
    expect(readFileSync(path.join(dest, "a.txt"), "utf8")).toBe("drift a\n");
    expect(existsSync(path.join(dest, "extra"))).toBe(true);
  });

  it("an append-only directory: its entries cannot be replaced or removed, new files may still be added; owner changes are refused", async () => {
    const ctx = context({ roleDir: role });
    await converge(copyModule, { src: "tree", dest }, ctx);
    writeFileSync(path.join(dest, "sub", "old"), "");
    lock("+a", path.join(dest, "sub"));
    const removal = await check(copyModule, { src: "tree", dest, delete: true }, ctx);
    expect(removal.plan).toMatchObject({ kind: "fail", message: expect.stringContaining(`${dest}: cannot change sub: append-only (chattr +a)`) });
    // Without delete, a file added to it (and nothing else) is fine.
    const files = path.join(role, "files", "tree");
    writeFileSync(path.join(files, "sub", "new.txt"), "N\n");
    const added = await converge(copyModule, { src: "tree", dest }, ctx);
    expect(added.applied).toEqual({ changed: true });
    expect(readFileSync(path.join(dest, "sub", "new.txt"), "utf8")).toBe("N\n");
    expect((await check(copyModule, { src: "tree", dest, owner: "65534" }, ctx)).plan).toMatchObject({
      kind: "fail",
      message: expect.stringContaining("cannot change sub: append-only"),
    });
  });

  it("a write refused halfway names the source file and what was already changed", () => {
    const params = { dest: "/srv/t", delete: true };
    const detail: TreeDetail = { mkdirs: [], replaces: [], removes: ["extra"], writes: [{ rel: "a.txt", mode: "0644" }, { rel: "sub/b.txt", mode: "0644" }], attrFixes: [] };
    const stderr = "mv: cannot move '/srv/t/.deploy-tree.X/1' to '/srv/t/sub/b.txt': Operation not permitted";
    expect(explainFailure(params, detail, "staged\nwrote 0\nfailed 1\n", stderr)).toEqual({
      changed: true,
      failed: "/srv/t: cannot write sub/b.txt: Operation not permitted; already changed: wrote a.txt",
    });
  });

  it("explains the other failures: before anything changed, a removal cut short, preparing the files", () => {
    const params = { dest: "/srv/t", delete: true };
    const detail: TreeDetail = {
      mkdirs: ["new"],
      replaces: ["a.txt"],
      removes: ["old"],
      writes: [{ rel: "a.txt", mode: "0644" }],
      attrFixes: [],
    };
    expect(explainFailure(params, detail, "", "tar: Unexpected EOF in archive")).toEqual({
      changed: false,
      failed: "/srv/t: could not prepare the files to write: tar: Unexpected EOF in archive; nothing was changed",
    });
    expect(explainFailure(params, detail, "staged\n", "rm: cannot remove '/srv/t/a.txt/x': Operation not permitted")).toEqual({
      changed: true,
      failed: "/srv/t: could not remove a.txt: rm: cannot remove '/srv/t/a.txt/x': Operation not permitted; a.txt may be partly removed",
    });
    expect(explainFailure(params, detail, "staged\ndone 0\ndone 1\nwrote 0\n", "rm: cannot remove '/srv/t/old': Permission denied")).toEqual({
      changed: true,
      failed: "/srv/t: could not remove old: rm: cannot remove '/srv/t/old': Permission denied; already changed: removed a.txt, created directory new, wrote a.txt (old may be partly removed)",
    });
  });
});
