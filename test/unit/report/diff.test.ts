import { describe, expect, it } from "vitest";
import { unifiedDiff } from "../../../src/report/diff.js";

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
});
