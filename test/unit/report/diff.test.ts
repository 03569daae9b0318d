import { createPatch } from "diff";
import { describe, expect, it } from "vitest";
import { DIFF_LIMIT, unifiedDiff } from "../../../src/report/diff.js";

describe("unifiedDiff", () => {
  it("prints headers and one hunk with context, like diff -u", () => {
    const before = "a\nb\nc\nd\ne\nf\ng\n";
    const after = "a\nb\nc\nD\ne\nf\ng\n";
    expect(unifiedDiff({ path: "/etc/x", before, after }, { color: false })).toBe(
      ["--- /etc/x (before)", "+++ /etc/x (after)", "@@ -1,7 +1,7 @@", " a", " b", " c", "-d", "+D", " e", " f", " g", ""].join("\n"),
    );
  });

  it("a new file is all additions from line 0", () => {
    expect(unifiedDiff({ path: "/x", before: "", after: "one\n" }, { color: false })).toBe("--- /x (before)\n+++ /x (after)\n@@ -0,0 +1 @@\n+one\n");
  });

  it("marks a missing final newline", () => {
    expect(unifiedDiff({ path: "/x", before: "a\n", after: "a" }, { color: false })).toContain("\\ No newline at end of file");
  });

  it("shows a changed line's carriage return as ^M, so a change of line endings alone is visible", () => {
    expect(unifiedDiff({ path: "/x", before: "Port 22\r\nb\r\n", after: "Port 22\nb\r\n" }, { color: false })).toBe(
      "--- /x (before)\n+++ /x (after)\n@@ -1,2 +1,2 @@\n-Port 22^M\n+Port 22\n b\r\n",
    );
  });

  it("is empty for equal texts", () => {
    expect(unifiedDiff({ path: "/x", before: "a\n", after: "a\n" }, { color: true })).toBe("");
  });

  it("colours removals red and additions green only when asked", () => {
    const coloured = unifiedDiff({ path: "/x", before: "a\n", after: "b\n" }, { color: true });
    expect(coloured).toContain("\x1b[31m-a\x1b[0m");
    expect(coloured).toContain("\x1b[32m+b\x1b[0m");
    expect(unifiedDiff({ path: "/x", before: "a\n", after: "b\n" }, { color: false })).not.toContain("\x1b[");
  });

  it("hides what a change of secret removes: the old value is no secret anyone redacts", () => {
    const before = "user=app\npassword=OLDsecretVALUE1\nport=1\n\n\n\n\n-----BEGIN KEY-----\nAAAA\nBBBB\n-----END KEY-----\n# end\n";
    const after = "user=app\npassword=<redacted>\nport=1\n\n\n\n\n<redacted>\n# end\n";
    const shown = unifiedDiff({ path: "/etc/app.conf", before, after }, { color: false });
    expect(shown).not.toMatch(/OLDsecret|AAAA|BBBB|BEGIN/);
    expect(shown).toContain("-<redacted>\n+password=<redacted>\n");
    // A change elsewhere in the file keeps its diff.
    expect(unifiedDiff({ path: "/x", before: "password=<redacted>\nport=1\n", after: "password=<redacted>\nport=2\n" }, { color: false })).toContain("-port=1\n+port=2\n");
  });

  it("with a limit: the head of a long diff, then one line counting the rest and saying where it is whole", () => {
    // A wholly rewritten file of 6,000 lines (the 169 KB case): 12,003 lines of diff.
    const before = Array.from({ length: 6000 }, (_, i) => `old line ${i}`).join("\n") + "\n";
    const after = Array.from({ length: 6000 }, (_, i) => `new line ${i}`).join("\n") + "\n";
    const whole = unifiedDiff({ path: "/srv/big.txt", before, after }, { color: false }).trimEnd().split("\n");
    expect(whole).toHaveLength(12003);
    const shown = unifiedDiff({ path: "/srv/big.txt", before, after }, { color: false, limit: DIFF_LIMIT }).trimEnd().split("\n");
    expect(shown).toHaveLength(DIFF_LIMIT.lines + 1);
    expect(shown.slice(0, -1)).toEqual(whole.slice(0, DIFF_LIMIT.lines));
    expect(shown.at(-1)).toBe(`... ${12003 - DIFF_LIMIT.lines} more lines of this diff not shown (--json has every diff whole)`);
    // A diff within the limit is printed whole.
    expect(unifiedDiff({ path: "/x", before: "a\n", after: "b\n" }, { color: false, limit: DIFF_LIMIT })).toBe("--- /x (before)\n+++ /x (after)\n@@ -1 +1 @@\n-a\n+b\n");
  });

  it("with a limit, a diff of few but huge lines (a minified file) is cut by size; the file is always named", () => {
    const line = "x".repeat(40 * 1024);
    const shown = unifiedDiff({ path: "/srv/app.min.js", before: `${line}a\n`, after: `${line}b\n` }, { color: false, limit: DIFF_LIMIT });
    expect(shown.split("\n").slice(0, 3)).toEqual(["--- /srv/app.min.js (before)", "+++ /srv/app.min.js (after)", "@@ -1 +1 @@"]);
    expect(shown.length).toBeLessThan(DIFF_LIMIT.bytes);
    expect(shown).toContain("... 1 more line of this diff not shown");
    const tiny = unifiedDiff({ path: "/y", before: "a\n", after: "b\n" }, { color: true, limit: { lines: 1, bytes: 1 } });
    expect(tiny).toContain("--- /y (before)");
    expect(tiny).toContain("+++ /y (after)");
    expect(tiny).toContain("\x1b[33m... 3 more lines of this diff not shown");
  });

  it("a change too large to search for the fewest edits is shown as the whole file replaced, as jsdiff prints it, at once", () => {
    const text = (word: string, n: number, eol = true) => Array.from({ length: n }, (_, i) => `${word} ${i}`).join("\n") + (eol ? "\n" : "");
    const cases: Array<[string, string]> = [
      [text("old", 700), text("new", 650, false)],
      [text("old", 700, false), text("new", 650)],
      ["", text("new", 1100)],
      [text("old", 1100), ""],
    ];
    for (const [before, after] of cases) {
      const ours = unifiedDiff({ path: "/x", before, after }, { color: false }).split("\n").slice(2);
      expect(ours).toEqual(createPatch("/x", before, after).split("\n").slice(4));
    }
    // A rewritten 6,000-line file: 5.5 s of the one thread all hosts share when searched for the shortest diff.
    const started = Date.now();
    unifiedDiff({ path: "/srv/big.txt", before: text("old", 6000), after: text("new", 6000) }, { color: false });
    expect(Date.now() - started).toBeLessThan(1500);
  });
});
