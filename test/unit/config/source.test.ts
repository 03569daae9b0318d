import { describe, expect, it } from "vitest";
import { Problems, formatProblem } from "../../../src/config/problems.js";
import { locate } from "../../../src/config/locate.js";
import { parseSource } from "../../../src/config/source.js";

function parse(text: string | Buffer) {
  const problems = new Problems();
  const source = parseSource("/p/f.yaml", Buffer.isBuffer(text) ? text : Buffer.from(text), "a map", problems);
  return { source, lines: problems.sorted().map((p) => formatProblem(p, "/p")) };
}

describe("YAML sources", () => {
  it("reports an empty file (or only comments) at 1:1", () => {
    expect(parse("").lines).toEqual(["f.yaml:1:1: file is empty: expected a map"]);
    expect(parse("# nothing here\n\n").lines).toEqual(["f.yaml:1:1: file is empty: expected a map"]);
  });

  it("reports binary garbage with the position of the first bad byte", () => {
    const { source, lines } = parse(Buffer.from([0x61, 0x3a, 0x20, 0x31, 0x0a, 0x62, 0x00, 0xff, 0xfe]));
    expect(source).toBeUndefined();
    expect(lines).toEqual(["f.yaml:2:2: not a YAML text file (binary data at byte 6)"]);
  });

  it("reports a NUL byte in otherwise valid UTF-8", () => {
    expect(parse("a: 1\nb: x\u0000y\n").lines).toEqual(["f.yaml:2:5: not a YAML text file (binary data at byte 9)"]);
  });

  it("reports tabs used as indentation at their line", () => {
    expect(parse("hosts:\n  a: 1\n\tb: 2\n").lines).toEqual(["f.yaml:3:1: Tabs are not allowed as indentation"]);
  });

  it("reports duplicate keys at the second occurrence", () => {
    expect(parse("hosts:\n  web-01: {}\n  web-01: {}\n").lines).toEqual(["f.yaml:3:3: hosts.web-01: duplicate key `web-01` (first defined on line 2)"]);
  });

  it("resolves anchors, aliases and merge keys", () => {
    const { source, lines } = parse("base: &b { port: 22, user: x }\nweb:\n  <<: *b\n  user: y\nlist: [*b]\n");
    expect(lines).toEqual([]);
    expect(source?.value).toEqual({ base: { port: 22, user: "x" }, web: { port: 22, user: "y" }, list: [{ port: 22, user: "x" }] });
  });

  it("reports an alias to an undefined anchor at the alias", () => {
    const { lines } = parse("a: 1\nb: *nope\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^f\.yaml:2:4: .*nope/);
  });

  it("locates values, keys, and the parent of a missing key; merged keys point into the anchor", () => {
    const { source } = parse("base: &b\n  port: 22\nhosts:\n  web-01:\n    <<: *b\n    address: 1.2.3.4\n");
    expect(source).toBeDefined();
    const s = source!;
    expect(locate(s, ["hosts", "web-01", "address"])).toEqual({ file: "/p/f.yaml", line: 6, col: 14 });
    expect(locate(s, ["hosts", "web-01", "address"], "key")).toEqual({ file: "/p/f.yaml", line: 6, col: 5 });
    expect(locate(s, ["hosts", "web-01", "user"])).toEqual({ file: "/p/f.yaml", line: 4, col: 3 });
    expect(locate(s, ["hosts", "web-01", "port"])).toEqual({ file: "/p/f.yaml", line: 2, col: 9 });
  });
});

describe("invalid UTF-8", () => {
  it("points at the first byte that is not UTF-8", () => {
    expect(parse(Buffer.from([0x61, 0x3a, 0x20, 0xc3, 0x28, 0x0a])).lines).toEqual(["f.yaml:1:4: not a YAML text file (binary data at byte 3)"]);
    // A replacement character written in the text is text: the bad byte is the one after it.
    const withReplacementChar = Buffer.concat([Buffer.from("a: \uFFFD\nb: "), Buffer.from([0xff, 0x0a])]);
    expect(parse(withReplacementChar).lines).toEqual(["f.yaml:2:4: not a YAML text file (binary data at byte 10)"]);
  });
});

describe("duplicate keys", () => {
  it("reports every duplicate with its path, inside lists too", () => {
    expect(parse("- name: a\n  name: b\n- x: 1\n  y: { z: 1, z: 2 }\n").lines).toEqual([
      "f.yaml:2:3: [0].name: duplicate key `name` (first defined on line 1)",
      "f.yaml:4:14: [1].y.z: duplicate key `z` (first defined on line 4)",
    ]);
  });
});
