import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../../../src/template/errors.js";
import { checkTemplateFiles, renderTemplateFile } from "../../../src/template/ejs.js";
import { tempProject } from "../config/temp-project.js";

const scope = {
  app_port: 3000,
  backends: [
    { name: "web-01", address: "10.0.0.11" },
    { name: "web-02", address: "10.0.0.12" },
  ],
  host: { name: "web-01", vars: { weight: 10 } },
  settings: { tls: { enabled: false } },
  vars: { app_port: 3000 },
};

function role(files: Record<string, string>): string {
  const dir = tempProject(Object.fromEntries(Object.entries(files).map(([k, v]) => [`roles/r/templates/${k}`, v])));
  return path.join(dir, "roles/r/templates");
}

async function errorOf(promise: Promise<unknown>): Promise<TemplateError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error("expected a TemplateError");
}

describe("renderTemplateFile", () => {
  it("renders raw output, loops over arrays, `in` tests and JSON", async () => {
    const dir = role({
      "haproxy.cfg.ejs": `frontend www
<% backends.forEach((b, i) => { -%>
  server <%- b.name %> <%- b.address %>:<%- app_port %> check
<% }) -%>
<% if ('weight' in host.vars) { -%>
weight <%- host.vars.weight %>
<% } -%>
<% if (!('cert' in settings.tls)) { -%>
no cert
<% } -%>
json <%- JSON.stringify(settings) %>
names <%- backends.map(b => b.name).join(" ") %>
`,
    });
    expect(await renderTemplateFile(path.join(dir, "haproxy.cfg.ejs"), scope)).toBe(`frontend www
  server web-01 10.0.0.11:3000 check
  server web-02 10.0.0.12:3000 check
weight 10
no cert
json {"tls":{"enabled":false}}
names web-01 web-02
`);
  });

  it("an undefined top-level name is an error with file, line and variable", async () => {
    const dir = role({ "a.ejs": "line one\nport <%- app_prot %>\n" });
    const error = await errorOf(renderTemplateFile(path.join(dir, "a.ejs"), scope));
    expect(error.message).toBe(`${path.join(dir, "a.ejs")}:2: undefined variable \`app_prot\``);
    expect(error.line).toBe(2);
    expect(error.variable).toBe("app_prot");
    expect(error.message).not.toMatch(/\n|at /);
  });

  it("an Ansible name gets deploy's, `in` on a list or a string the `.includes()` hint (helper-29)", async () => {
    const dir = role({ "a.ejs": "server_name <%- inventory_hostname %>;\n", "b.ejs": "<%- 'web-01' in backends %>\n", "c.ejs": "<%- 'x' in host.name %>\n" });
    expect((await errorOf(renderTemplateFile(path.join(dir, "a.ejs"), scope))).message).toBe(
      `${path.join(dir, "a.ejs")}:1: undefined variable \`inventory_hostname\`; \`inventory_hostname\` is Ansible's name; deploy's is \`host.name\``,
    );
    expect((await errorOf(renderTemplateFile(path.join(dir, "b.ejs"), scope))).message).toContain("of the list `backends`, not its items: write `backends.includes(x)`");
    expect((await errorOf(renderTemplateFile(path.join(dir, "c.ejs"), scope))).message).toContain("to look for text in a string write `text.includes('x')`");
  });

  it("an undefined nested name at any depth is an error, never an empty string", async () => {
    const dir = role({
      "b.ejs": "<%- host.nmae %>\n",
      "c.ejs": "ok\nok\n<%- settings.tls.cert.path %>\n",
      "d.ejs": "<% backends.forEach(b => { %><%- b.adress %><% }) %>\n",
    });
    const b = await errorOf(renderTemplateFile(path.join(dir, "b.ejs"), scope));
    expect([b.line, b.variable]).toEqual([1, "host.nmae"]);
    const c = await errorOf(renderTemplateFile(path.join(dir, "c.ejs"), scope));
    expect([c.line, c.variable]).toEqual([3, "settings.tls.cert"]);
    const d = await errorOf(renderTemplateFile(path.join(dir, "d.ejs"), scope));
    expect(d.variable).toBe("backends[0].adress");
  });

  it("includes stay inside templates/", async () => {
    const dir = role({ "main.ejs": "<%- include('part.ejs') %>", "part.ejs": "port <%- app_port %>", "evil.ejs": "<%- include('../../../../../etc/hostname') %>" });
    expect(await renderTemplateFile(path.join(dir, "main.ejs"), scope)).toBe("port 3000");
    const error = await errorOf(renderTemplateFile(path.join(dir, "evil.ejs"), scope));
    expect(error.message).toMatch(/points outside/);
    // A link inside templates/ to a file elsewhere is refused the same way.
    symlinkSync("/etc/hostname", path.join(dir, "linked.ejs"));
    writeFileSync(path.join(dir, "via-link.ejs"), "<%- include('linked.ejs') %>");
    expect((await errorOf(renderTemplateFile(path.join(dir, "via-link.ejs"), scope))).message).toMatch(/include 'linked\.ejs' is a symbolic link to \/etc\/hostname, outside/);
  });

  it("a missing template and a syntax error are TemplateErrors", async () => {
    const dir = role({ "bad.ejs": "<%- app_port" });
    expect((await errorOf(renderTemplateFile(path.join(dir, "none.ejs"), scope))).message).toMatch(/none\.ejs: template not found$/);
    expect((await errorOf(renderTemplateFile(path.join(dir, "bad.ejs"), scope))).message).toMatch(/bad\.ejs:1: invalid template: a `<%` without its closing `%>`$/);
  });
});

describe("a template that does not compile", () => {
  it("is reported at the line of the mistake, in words, not ejs's 'while compiling ejs' at line 1", async () => {
    const dir = role({
      "expr.ejs": "a\n<%- app_port + %>\nb\n",
      "loop.ejs": "a\nb\n<% for (const x of backends) { %>\n<%= x ) %>\n<% } %>\n",
      "brace.ejs": "line1\n<% if (app_port) { %>\nhello\n",
      "tag.ejs": "a\n<%= app_port %>\n<% unclosed\n",
      "fine.ejs": "<%= app_port %>\n",
    });
    mkdirSync(path.join(dir, "dir.ejs"));
    const roleDir = path.dirname(dir);
    const found = await checkTemplateFiles(roleDir, ["expr.ejs", "loop.ejs", "brace.ejs", "tag.ejs", "fine.ejs", "dir.ejs"]);
    expect(found.map((f) => `${path.basename(f.location.file)}:${f.location.line}: ${f.message}`)).toEqual([
      "expr.ejs:2: invalid EJS template: Unexpected token ')'",
      "loop.ejs:4: invalid EJS template: Unexpected token ')'",
      "brace.ejs:4: invalid EJS template: a `{` or `(` opened in a <% %> block is never closed",
      "tag.ejs:3: invalid EJS template: a `<%` without its closing `%>`",
      "dir.ejs:1: the template is a directory",
    ]);
    const runtime = await errorOf(renderTemplateFile(path.join(dir, "loop.ejs"), scope));
    expect(runtime.message).toBe(`${path.join(dir, "loop.ejs")}:4: invalid template: Unexpected token ')'`);
  });
});

describe("includes named in a template", () => {
  it("a missing one or one outside templates/ is reported at load time, at its line", async () => {
    const dir = role({
      "main.ejs": "a\n<%- include('nope.ejs') %>\n<%- include(\"../../../../etc/passwd\") %>\n<%- include('part') %>\n",
      "part.ejs": "part\n",
    });
    const found = await checkTemplateFiles(path.dirname(dir), ["main.ejs", "part.ejs"]);
    expect(found.map((f) => `${path.basename(f.location.file)}:${f.location.line}: ${f.message}`)).toEqual([
      "main.ejs:2: include 'nope.ejs' not found",
      "main.ejs:3: include '../../../../etc/passwd.ejs' points outside templates/",
    ]);
  });
});

describe("a template that throws something that is not an Error", () => {
  it("says what it threw, at its line, never [object Object]", async () => {
    const dir = role({ "obj.ejs": "line1\n<% throw {code: 42} %>\n", "str.ejs": "<% throw 'plain' %>\n" });
    expect((await errorOf(renderTemplateFile(path.join(dir, "obj.ejs"), scope))).message).toBe(`${path.join(dir, "obj.ejs")}:2: threw {"code":42}`);
    expect((await errorOf(renderTemplateFile(path.join(dir, "str.ejs"), scope))).message).toBe(`${path.join(dir, "str.ejs")}: threw "plain"`);
  });
});

describe("an error inside an included template", () => {
  it("is located in the included template, and says where it was included from", async () => {
    const dir = role({ "outer.ejs": "a\n<%- include('inner.ejs') %>\n", "inner.ejs": "x\ny <%= nope %>\n" });
    const error = await errorOf(renderTemplateFile(path.join(dir, "outer.ejs"), scope));
    expect(error.message).toBe(`${path.join(dir, "inner.ejs")}:2: undefined variable \`nope\` (included from ${path.join(dir, "outer.ejs")}:2)`);
  });
});
