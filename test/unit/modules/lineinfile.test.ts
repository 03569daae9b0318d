import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseParams } from "../../../src/engine/module-step.js";
import { sha256 } from "../../../src/modules/lib/content.js";
import { editLines, type LineEdit } from "../../../src/modules/lib/lines.js";
import { lineinfileModule } from "../../../src/modules/lineinfile.js";
import type { Plan } from "../../../src/modules/types.js";
import { check, context, converge, probeOutput, tempDir } from "./file-support.js";

describe("the line edit", () => {
  const re = (s: string) => new RegExp(s);
  it.each<[string, string, LineEdit, string, string]>([
    ["append when missing", "a\nb\n", { state: "present", line: "c" }, "a\nb\nc\n", "add line at end"],
    ["append to a file without final newline", "a\nb", { state: "present", line: "c" }, "a\nb\nc\n", "add line at end"],
    ["into an empty file", "", { state: "present", line: "c" }, "c\n", "add line at end"],
    ["present anywhere is enough", "a\nc\nb\n", { state: "present", line: "c" }, "a\nc\nb\n", ""],
    ["replace the LAST regexp match", "port=1\nx\nport=2\n", { state: "present", line: "port=80", regexp: re("^port=") }, "port=1\nx\nport=80\n", "replace line 3"],
    ["regexp match already the line", "port=80\n", { state: "present", line: "port=80", regexp: re("^port=") }, "port=80\n", ""],
    ["regexp without match appends", "a\n", { state: "present", line: "port=80", regexp: re("^port=") }, "a\nport=80\n", "add line at end"],
    ["insertafter the last match", "[a]\nx\n[b]\ny\n", { state: "present", line: "k=v", insertafter: "^\\[" }, "[a]\nx\n[b]\nk=v\ny\n", "add line as line 4"],
    ["insertafter without match appends", "a\n", { state: "present", line: "k=v", insertafter: "^\\[" }, "a\nk=v\n", "add line at end"],
    ["insertbefore BOF", "a\n", { state: "present", line: "# top", insertbefore: "BOF" }, "# top\na\n", "add line at beginning"],
    ["insertbefore a match", "a\nend\n", { state: "present", line: "b", insertbefore: "^end$" }, "a\nb\nend\n", "add line as line 2"],
    ["absent by line", "a\nb\na\n", { state: "absent", line: "a" }, "b\n", "remove 2 lines"],
    ["absent by regexp", "#x\na\n#y\n", { state: "absent", regexp: re("^#") }, "a\n", "remove 2 lines"],
    ["absent when not there", "a\n", { state: "absent", line: "z" }, "a\n", ""],
    ["keeps a missing final newline when replacing", "a\nport=1", { state: "present", line: "port=2", regexp: re("^port") }, "a\nport=2", "replace line 2"],
    // CRLF files (sshd_config written on Windows): `$` and `.` see each line without its "\r".
    ["CRLF: regexp with $ replaces, keeping CRLF", "Port 22\r\nPermitRootLogin yes\r\n", { state: "present", line: "Port 2222", regexp: re("^Port .*$") }, "Port 2222\r\nPermitRootLogin yes\r\n", "replace line 1"],
    ["CRLF: the line is already there", "Port 22\r\nPermitRootLogin yes\r\n", { state: "present", line: "PermitRootLogin yes" }, "Port 22\r\nPermitRootLogin yes\r\n", ""],
    ["CRLF: a new line ends with CRLF", "a\r\nb\r\n", { state: "present", line: "c", insertbefore: "^b$" }, "a\r\nc\r\nb\r\n", "add line as line 2"],
    ["CRLF: appended after a last line without ending", "a\r\nb", { state: "present", line: "c" }, "a\r\nb\r\nc\r\n", "add line at end"],
    ["CRLF: absent by line and by regexp with $", "a\r\n#x\r\nb\r\n", { state: "absent", regexp: re("^#x$") }, "a\r\nb\r\n", "remove 1 line"],
    ["CRLF: a matching line already right", "Port 2222\r\n", { state: "present", line: "Port 2222", regexp: re("^Port .*$") }, "Port 2222\r\n", ""],
    ["LF file with one stray CRLF line: new lines are LF", "a\r\nb\nc\n", { state: "present", line: "d" }, "a\r\nb\nc\nd\n", "add line at end"],
  ])("%s", (_name, before, edit, after, what) => {
    const result = editLines(before, edit);
    expect(result.text).toBe(after);
    expect(result.what).toBe(what);
    expect(result.changed).toBe(before !== after);
  });
});

describe("lineinfile params", () => {
  it.each([
    [{ path: "/etc/x" }, /state present needs line/],
    [{ path: "/etc/x", state: "absent" }, /needs line or regexp/],
    [{ path: "/etc/x", line: "a\nb" }, /single line/],
    [{ path: "/etc/x", line: "a", regexp: "(" }, /not a valid JavaScript regular expression/],
    [{ path: "/etc/x", line: "a", insertafter: "EOF", insertbefore: "BOF" }, /not both/],
    [{ path: "/etc/x", line: "a", mode: 600 }, /the expression gave the number 600/],
  ])("rejects %j", (params, message) => {
    expect(() => parseParams(lineinfileModule, params)).toThrow(message);
  });
});

describe("lineinfile decide", () => {
  const ctx = context({ secrets: ["hunter22"] });
  function decide(params: Record<string, unknown>, output: string): Plan {
    const p = parseParams(lineinfileModule, { path: "/etc/app.conf", ...params });
    return lineinfileModule.decide(p, undefined, probeOutput(output), ctx);
  }
  const present = (content: string, mode = "644") =>
    `#deploy:stat regular file|${mode}|0|0|root|root|${content.length}\n#deploy:sha256 ${sha256(content)}\n#deploy:b64 current\n${Buffer.from(content).toString("base64")}\n#deploy:end\n`;

  it("ok when the line is there", () => {
    expect(decide({ line: "a=1" }, present("a=1\n"))).toEqual({ kind: "ok" });
  });
  it("a change with summary and diff", () => {
    const plan = decide({ line: "a=2", regexp: "^a=" }, present("x\na=1\n"));
    expect(plan).toMatchObject({ kind: "change", summary: "/etc/app.conf: replace line 2", diffs: [{ path: "/etc/app.conf", before: "x\na=1\n", after: "x\na=2\n" }] });
  });
  it("mode only", () => {
    expect(decide({ line: "a=1", mode: "0600" }, present("a=1\n"))).toMatchObject({ kind: "change", summary: "/etc/app.conf: mode 0644 -> 0600" });
  });
  it("redacts secrets in the diff", () => {
    const plan = decide({ line: "password=hunter22", regexp: "^password=" }, present("password=old\n"));
    expect(plan.kind === "change" && plan.diffs).toEqual([{ path: "/etc/app.conf", before: "password=old\n", after: "password=<redacted, new value>\n" }]);
  });
  it("a missing file blocks unless create", () => {
    expect(decide({ line: "a" }, "#deploy:absent\n")).toEqual({ kind: "blocked", reason: "file /etc/app.conf does not exist (create: true creates it)" });
    expect(decide({ line: "a", create: true }, "#deploy:absent\n")).toMatchObject({ kind: "change", summary: "create /etc/app.conf (2 B)" });
    expect(decide({ line: "a", create: true }, "#deploy:absent\n#deploy:noparent /etc\n")).toEqual({ kind: "blocked", reason: "directory /etc does not exist" });
    expect(decide({ line: "a", state: "absent" }, "#deploy:absent\n")).toEqual({ kind: "ok" });
  });
  it("refuses what it cannot edit", () => {
    expect(decide({ line: "a" }, `#deploy:stat regular file|644|0|0|root|root|999999\n#deploy:sha256 ${"0".repeat(64)}\n`)).toMatchObject({ kind: "fail", message: expect.stringContaining("larger than 256 KiB") });
    expect(decide({ line: "a" }, "#deploy:stat symbolic link|777|0|0|root|root|9\n")).toMatchObject({ kind: "fail", message: expect.stringContaining("symbolic link") });
    expect(decide({ line: "a" }, "#deploy:stat directory|755|0|0|root|root|9\n")).toMatchObject({ kind: "fail", message: "/etc/app.conf is a directory" });
  });
});

describe("lineinfile on a real shell, in a temp directory", () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = tempDir()));
  afterEach(() => cleanup());
  const ctx = context();

  it("edits, then is ok; hostile line and path arrive intact", async () => {
    const p = path.join(dir, `my'conf $(touch PWNED).cnf`);
    writeFileSync(p, "[mysqld]\nport=3306\n");
    const line = `bind-address = '0.0.0.0' $(id) \`x\``;
    const params = { path: p, line, insertafter: "^\\[mysqld\\]", backup: true };
    const first = await converge(lineinfileModule, params, ctx);
    expect(first.plan).toMatchObject({ kind: "change", summary: `${p}: add line as line 2` });
    expect(first.applied).toEqual({ changed: true });
    expect(readFileSync(p, "utf8")).toBe(`[mysqld]\n${line}\nport=3306\n`);
    expect(readdirSync(dir).filter((f) => f.endsWith(".bak"))).toHaveLength(1);
    expect((await check(lineinfileModule, params, ctx)).plan).toEqual({ kind: "ok" });
  });

  it("create makes the file with the mode asked", async () => {
    const p = path.join(dir, "new.conf");
    await converge(lineinfileModule, { path: p, line: "a=1", create: true, mode: "0640" }, ctx);
    expect(readFileSync(p, "utf8")).toBe("a=1\n");
    expect(statSync(p).mode & 0o7777).toBe(0o640);
  });

  it("refuses to overwrite a file that changed between check and apply", async () => {
    const p = path.join(dir, "race.conf");
    writeFileSync(p, "a\n");
    const { plan, prepared } = await check(lineinfileModule, { path: p, line: "b" }, ctx);
    writeFileSync(p, "edited by someone else\n");
    const applied = await lineinfileModule.apply(prepared.params, undefined, plan as Extract<Plan, { kind: "change" }>, ctx);
    expect(applied.failed).toMatch(/changed since it was checked/);
    expect(readFileSync(p, "utf8")).toBe("edited by someone else\n");
  });

  it("validate failure leaves the file", async () => {
    const p = path.join(dir, "v.conf");
    writeFileSync(p, "a\n");
    const result = await converge(lineinfileModule, { path: p, line: "broken", validate: "! grep -q broken %s || { echo 'line 2: broken' >&2; exit 1; }" }, ctx);
    expect(result.applied?.failed).toMatch(/validation failed.*line 2: broken/);
    expect(readFileSync(p, "utf8")).toBe("a\n");
  });
});
