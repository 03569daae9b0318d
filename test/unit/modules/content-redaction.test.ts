// A plan's file diffs with secrets in them: hidden, yet a secret that changes must show as a change.
import { describe, expect, it } from "vitest";
import { compareContent } from "../../../src/modules/lib/content.js";
import { unifiedDiff } from "../../../src/report/diff.js";

const SECRETS = new Set(["OldPassw0rd", "N3wPassw0rd", "keep-me-secret"]);

function shown(before: string, after: string): string {
  const { diff } = compareContent("/etc/app.json", Buffer.from(before), Buffer.from(after), SECRETS);
  return diff ? unifiedDiff(diff, { color: false }) : "";
}

describe("file diffs with secrets", () => {
  it("a rotated secret shows as a changed line, neither value printed", () => {
    const text = shown('{\n  "user": "app",\n  "password": "OldPassw0rd"\n}\n', '{\n  "user": "app",\n  "password": "N3wPassw0rd"\n}\n');
    expect(text).toContain("-<redacted>");
    expect(text).toContain('+  "password": "<redacted, new value>"');
    expect(text).not.toMatch(/OldPassw0rd|N3wPassw0rd/);
  });

  it("beside another change: both lines are shown", () => {
    const text = shown("token=keep-me-secret\nport=1\npassword=OldPassw0rd\n", "token=keep-me-secret\nport=2\npassword=N3wPassw0rd\n");
    expect(text).toContain("+port=2");
    expect(text).toContain("+password=<redacted, new value>");
    // A secret the file already held is not news.
    expect(text).not.toContain("+token=");
  });

  it("a new file: every secret is plainly redacted", () => {
    const text = shown("", "password=N3wPassw0rd\n");
    expect(text).toContain("+password=<redacted>");
  });
});
