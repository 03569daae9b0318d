// Where the code cache may be read and written (src/cli/private-cache.ts): nowhere another user could
// put code that V8 would then run as us.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheDir, privateDir, readPrivate, writePrivate } from "../../../src/cli/private-cache.js";

const asRoot = process.getuid?.() === 0;
/** A uid that is not ours (for root's tests, which can chown). */
const OTHER = 4242;

let dir: string;
beforeEach(() => {
  // Under the system's temporary directory: root's, and sticky.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-private-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("the code cache's directory", () => {
  it("is made 0700 and is usable when it and every directory above are ours or root's, writable by no one else", () => {
    const cache = path.join(dir, "home", ".cache", "deploy");
    expect(privateDir(cache)).toBe(fs.realpathSync(cache));
    expect(fs.statSync(cache).mode & 0o777).toBe(0o700);
  });

  it("is refused when it, or a directory above it, is writable by others (not sticky)", () => {
    const cache = path.join(dir, "deploy");
    fs.mkdirSync(cache, { mode: 0o700 });
    fs.chmodSync(cache, 0o770);
    expect(privateDir(cache)).toBeUndefined();
    fs.chmodSync(cache, 0o700);
    fs.chmodSync(dir, 0o777);
    expect(privateDir(cache)).toBeUndefined();
    // Sticky, as /tmp: no one else may rename what is ours there.
    fs.chmodSync(dir, 0o1777);
    expect(privateDir(cache)).toBe(fs.realpathSync(cache));
  });

  it("through a link: the real directory is what is checked", () => {
    const real = path.join(dir, "real");
    fs.mkdirSync(real, { mode: 0o700 });
    fs.symlinkSync(real, path.join(dir, "link"));
    expect(privateDir(path.join(dir, "link"))).toBe(fs.realpathSync(real));
  });

  it.runIf(asRoot)("as root: refused when the directory or one above it is another user's (root running with a user's HOME)", () => {
    const home = path.join(dir, "alice");
    const cache = path.join(home, ".cache", "deploy");
    fs.mkdirSync(cache, { recursive: true, mode: 0o700 });
    fs.chownSync(home, OTHER, OTHER);
    expect(privateDir(cache)).toBeUndefined();
    fs.chownSync(home, 0, 0);
    fs.chownSync(cache, OTHER, OTHER);
    expect(privateDir(cache)).toBeUndefined();
  });

  it("is $XDG_CACHE_HOME/deploy when that is absolute, else ~/.cache/deploy, none without an absolute home", () => {
    expect(cacheDir({ XDG_CACHE_HOME: "/x/cache", HOME: "/home/a" })).toBe("/x/cache/deploy");
    expect(cacheDir({ XDG_CACHE_HOME: "relative", HOME: "/home/a" })).toBe("/home/a/.cache/deploy");
    expect(cacheDir({ HOME: "/home/a" })).toBe("/home/a/.cache/deploy");
    expect(cacheDir({ HOME: "relative" })).toBeUndefined();
    expect(cacheDir({})).toBeUndefined();
  });
});

describe("cache files", () => {
  it("are written as new files, then renamed; the bundle's other caches go, others' stay", () => {
    fs.writeFileSync(path.join(dir, "aaaa-old.run.v8"), "old");
    fs.writeFileSync(path.join(dir, "bbbb-other.run.v8"), "another install's");
    writePrivate(dir, "aaaa-new.run.v8", () => Buffer.from("code"), "aaaa-");
    expect(fs.readdirSync(dir).sort()).toEqual(["aaaa-new.run.v8", "bbbb-other.run.v8"]);
    expect(fs.statSync(path.join(dir, "aaaa-new.run.v8")).mode & 0o777).toBe(0o600);
    expect(readPrivate(dir, "aaaa-new.run.v8")?.toString()).toBe("code");
  });

  it("a link planted where the new file is written is not written through", () => {
    const victim = path.join(dir, "victim");
    fs.writeFileSync(victim, "precious");
    fs.symlinkSync(victim, path.join(dir, `.aaaa-new.run.v8.${process.pid}`));
    writePrivate(dir, "aaaa-new.run.v8", () => Buffer.from("code"), "aaaa-");
    expect(fs.readFileSync(victim, "utf8")).toBe("precious");
    expect(fs.existsSync(path.join(dir, "aaaa-new.run.v8"))).toBe(false);
  });

  it("are not read through a link, nor when others may write them", () => {
    fs.writeFileSync(path.join(dir, "target"), "code", { mode: 0o600 });
    fs.symlinkSync(path.join(dir, "target"), path.join(dir, "linked.v8"));
    expect(readPrivate(dir, "linked.v8")).toBeUndefined();
    fs.writeFileSync(path.join(dir, "open.v8"), "code");
    fs.chmodSync(path.join(dir, "open.v8"), 0o666);
    expect(readPrivate(dir, "open.v8")).toBeUndefined();
    expect(readPrivate(dir, "missing.v8")).toBeUndefined();
  });

  it.runIf(asRoot)("as root: not read when another user owns them", () => {
    fs.writeFileSync(path.join(dir, "theirs.v8"), "code", { mode: 0o600 });
    fs.chownSync(path.join(dir, "theirs.v8"), OTHER, OTHER);
    expect(readPrivate(dir, "theirs.v8")).toBeUndefined();
  });
});
