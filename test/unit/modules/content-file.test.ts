// A file rewritten by a content module (copy here; template, lineinfile and sysctl write the same way)
// on a real shell: what a rewrite keeps, and what the plan said it would do.
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { copyModule } from "../../../src/modules/copy.js";
import { check, context, converge, tempDir } from "./file-support.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());
const ctx = context();

describe("content files on a real shell", () => {
  it("a rewrite keeps a setuid file's mode; mode 4755 converges in one apply", async () => {
    const kept = path.join(dir, "kept");
    writeFileSync(kept, "old\n");
    chmodSync(kept, 0o4755);
    expect((await converge(copyModule, { dest: kept, content: "new\n" }, ctx)).applied).toEqual({ changed: true });
    expect(statSync(kept).mode & 0o7777).toBe(0o4755);

    const wanted = path.join(dir, "wanted");
    writeFileSync(wanted, "old\n");
    chmodSync(wanted, 0o755);
    const params = { dest: wanted, content: "new\n", mode: "4755" };
    expect((await converge(copyModule, params, ctx)).plan).toMatchObject({ summary: `update ${wanted} (mode 0755 -> 4755)` });
    expect(statSync(wanted).mode & 0o7777).toBe(0o4755);
    expect((await check(copyModule, params, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("a symbolic link to a directory is replaced by the file, as the plan says; the second run is ok", async () => {
    const target = path.join(dir, "real");
    mkdirSync(target);
    const dest = path.join(dir, "conf");
    symlinkSync(target, dest);
    const params = { dest, content: "new\n" };
    expect((await converge(copyModule, params, ctx)).plan).toMatchObject({ summary: `replace symbolic link ${dest} with a file (4 B)` });
    expect(lstatSync(dest).isFile()).toBe(true);
    expect((await check(copyModule, params, ctx)).plan).toEqual({ kind: "ok" });
    expect(readdirSync(target)).toEqual([]);
  });
});
