import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tarArchive } from "../../../src/modules/lib/tar.js";
import { tempDir } from "./file-support.js";

describe("tarArchive", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());

  it("is read by GNU tar: names, contents (empty, exactly one block, binary) and modes", () => {
    const binary = Buffer.from(Array.from({ length: 1500 }, (_, i) => i % 256));
    const members = [
      { name: "0", content: Buffer.from("hello\n"), mode: 0o644 },
      { name: "1", content: Buffer.alloc(0), mode: 0o600 },
      { name: "2", content: Buffer.alloc(512, 0x61), mode: 0o755 },
      { name: "3", content: binary, mode: 0o640 },
    ];
    const archive = path.join(dir, "a.tar");
    writeFileSync(archive, tarArchive(members));
    const listing = execFileSync("tar", ["-tvf", archive], { encoding: "utf8" });
    expect(listing.trim().split("\n").map((l) => l.split(/\s+/).pop())).toEqual(["0", "1", "2", "3"]);
    const out = path.join(dir, "out");
    mkdirSync(out);
    execFileSync("tar", ["-x", "-p", "-f", archive, "-C", out]);
    for (const member of members) {
      expect(readFileSync(path.join(out, member.name)).equals(member.content)).toBe(true);
      expect(statSync(path.join(out, member.name)).mode & 0o7777).toBe(member.mode);
    }
  });

  it("refuses a name tar would cut", () => {
    expect(() => tarArchive([{ name: "x".repeat(101), content: Buffer.alloc(1), mode: 0o644 }])).toThrow(/longer than 100 bytes/);
  });
});
