import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseParams } from "../../../src/engine/module-step.js";
import { templateModule } from "../../../src/modules/template.js";
import { check, context, converge, tempDir } from "./file-support.js";

describe("template params", () => {
  it.each([
    [{ dest: "/etc/x" }, /src/],
    [{ src: "x.ejs", dest: "/etc/x", mode: 420 }, /the expression gave the number 420/],
    [{ src: "x.ejs", dest: "/etc/x", content: "x" }, /Unrecognized key/],
  ])("rejects %j", (params, message) => {
    expect(() => parseParams(templateModule, params)).toThrow(message);
  });
});

describe("template on a real shell, in a temp directory", () => {
  let dir: string;
  let cleanup: () => void;
  let role: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    role = path.join(dir, "role");
    mkdirSync(path.join(role, "templates"), { recursive: true });
    writeFileSync(path.join(role, "templates", "app.conf.ejs"), "listen <%- port %>;\npassword <%- password %>;\n");
  });
  afterEach(() => cleanup());

  it("renders with the host's vars, then is ok, and shows a redacted diff when vars change", async () => {
    const dest = path.join(dir, "app.conf");
    const ctx = context({ roleDir: role, vars: { port: 80, password: "pa55word!" }, secrets: ["pa55word!"] });
    const params = { src: "app.conf.ejs", dest, mode: "0600" };
    const first = await converge(templateModule, params, ctx);
    expect(first.plan).toMatchObject({
      kind: "change",
      summary: `create ${dest} (31 B, mode 0600)`,
      diffs: [{ path: dest, before: "", after: "listen 80;\npassword <redacted>;\n" }],
    });
    expect(readFileSync(dest, "utf8")).toBe("listen 80;\npassword pa55word!;\n");
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
    expect((await check(templateModule, params, ctx)).plan).toEqual({ kind: "ok" });

    const ctx2 = context({ roleDir: role, vars: { port: 8080, password: "pa55word!" }, secrets: ["pa55word!"] });
    expect((await check(templateModule, params, ctx2)).plan).toMatchObject({
      kind: "change",
      summary: `update ${dest}`,
      diffs: [{ path: dest, before: "listen 80;\npassword <redacted>;\n", after: "listen 8080;\npassword <redacted>;\n" }],
    });
  });

  it("a render error fails in prepare, before the host is touched", async () => {
    const ctx = context({ roleDir: role, vars: { port: 80 } });
    await expect(check(templateModule, { src: "app.conf.ejs", dest: path.join(dir, "x") }, ctx)).rejects.toThrow(/undefined variable password/);
  });

  it("validate failure leaves the old file in place", async () => {
    const dest = path.join(dir, "app.conf");
    writeFileSync(dest, "old\n");
    const ctx = context({ roleDir: role, vars: { port: 80, password: "x" } });
    const result = await converge(templateModule, { src: "app.conf.ejs", dest, validate: "grep -q 'listen 443' %s" }, ctx);
    expect(result.applied?.failed).toMatch(/validation failed/);
    expect(readFileSync(dest, "utf8")).toBe("old\n");
  });
});
