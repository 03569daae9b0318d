// The atomic-write script run by this machine's /bin/sh in a temp directory: what it does to the unusual
// targets a host may hold (a link to a directory, a setuid file, a write that fails after the backup).
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { atomicWriteScript, type AtomicWriteOptions } from "../../../src/connection/atomic-write.js";
import { quote } from "../../../src/util/shell.js";
import { runSh, tempDir } from "../modules/file-support.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function write(dest: string, content: string, options: AtomicWriteOptions = {}, prefix = "") {
  return runSh(`${prefix}${atomicWriteScript(dest, Buffer.byteLength(content), options).text}`, content);
}

describe("atomic write onto unusual targets", () => {
  it("replaces a symbolic link to a directory with the file, leaving nothing in the directory", async () => {
    const target = path.join(dir, "real dir");
    mkdirSync(target);
    const dest = path.join(dir, "link");
    symlinkSync(target, dest);
    for (let run = 0; run < 2; run++) expect((await write(dest, "new\n")).exitCode).toBe(0);
    expect(lstatSync(dest).isFile()).toBe(true);
    expect(readFileSync(dest, "utf8")).toBe("new\n");
    expect(readdirSync(target)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(["link", "real dir"]);
  });

  it("keeps setuid and setgid when an owner is set: chmod comes after chown, which clears them", async () => {
    const dest = path.join(dir, "tool");
    const ids = { owner: String(process.getuid?.() ?? 0), group: String(process.getgid?.() ?? 0) };
    expect((await write(dest, "#!/bin/sh\n", { mode: "4755", ...ids })).exitCode).toBe(0);
    expect(statSync(dest).mode & 0o7777).toBe(0o4755);
    expect((await write(dest, "#!/bin/sh\necho 2\n", { mode: "6750", ...ids })).exitCode).toBe(0);
    expect(statSync(dest).mode & 0o7777).toBe(0o6750);
  });

  it("backup: a link to a directory is kept as the link it was", async () => {
    const target = path.join(dir, "d");
    mkdirSync(target);
    const dest = path.join(dir, "link");
    symlinkSync(target, dest);
    const r = await write(dest, "new\n", { backup: true });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    const backups = readdirSync(dir).filter((f) => f.endsWith(".bak"));
    expect(backups).toHaveLength(1);
    expect(lstatSync(path.join(dir, backups[0]!)).isSymbolicLink()).toBe(true);
  });

  it("backup: writes within the same second each keep their own backup, named so that they sort by time", async () => {
    const dest = path.join(dir, "motd");
    writeFileSync(dest, "v0\n");
    // A clock stuck in one second whose nanoseconds advance every other reading: the third backup's first
    // name is the second's, which must not be reused.
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, "date"),
      '#!/bin/sh\nc=$(($(cat "$0.n" 2>/dev/null || echo 0) + 1)); echo $c > "$0.n"\nexec /bin/date -d "@1800000000.$((100000000 + c / 2))" "$@"\n',
    );
    chmodSync(path.join(bin, "date"), 0o755);
    for (const version of ["v1\n", "v2\n", "v3\n"]) {
      expect((await write(dest, version, { backup: true }, `PATH=${quote(bin)}:$PATH\n`)).exitCode).toBe(0);
    }
    const backups = readdirSync(dir).filter((f) => f.endsWith(".bak")).sort();
    expect(backups).toHaveLength(3);
    for (const name of backups) expect(name).toMatch(/^motd\.20270115T080000\.\d{9}Z\.bak$/);
    expect(backups.map((name) => readFileSync(path.join(dir, name), "utf8"))).toEqual(["v0\n", "v1\n", "v2\n"]);
  });

  it("backup: a write that fails after the backup was taken removes it again (and the staged file)", async () => {
    const dest = path.join(dir, "immutable");
    writeFileSync(dest, "old\n");
    // An immutable file (chattr +i) refuses the rename; a stand-in mv fails the same way on any filesystem.
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(path.join(bin, "mv"), "#!/bin/sh\necho \"mv: cannot move: Operation not permitted\" >&2\nexit 1\n");
    chmodSync(path.join(bin, "mv"), 0o755);
    for (let run = 0; run < 2; run++) {
      const r = await write(dest, "new\n", { backup: true }, `PATH=${quote(bin)}:$PATH\n`);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/Operation not permitted/);
    }
    expect(readdirSync(dir).sort()).toEqual(["bin", "immutable"]);
    expect(readFileSync(dest, "utf8")).toBe("old\n");
    // The same script with a working mv keeps its backup.
    expect((await write(dest, "new\n", { backup: true })).exitCode).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith(".bak"))).toHaveLength(1);
  });
});
