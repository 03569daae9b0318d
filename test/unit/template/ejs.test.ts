import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TemplateError } from "../../../src/template/errors.js";
import { renderTemplateFile } from "../../../src/template/ejs.js";
import { checkNamedTemplates } from "../../../src/config/named-templates.js";

/** The load-time check, with every template named by a task. */
const checkTemplateFiles = (dir: string, templates: string[]) => checkNamedTemplates(dir, templates, new Set(templates));
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

describe("a template named by an expression, checked when it renders", () => {
  it("a Jinja statement or an EJS syntax error fails the render at its line, in the included file too", async () => {
    const dir = role({
      "jinja.ejs": "a\n  {% if web_port %}\n",
      "outer.ejs": "x\n<%- include('inner') %>\n",
      "inner.ejs": "y\n{% for h in hosts %}\n",
      "broken-outer.ejs": "<%- include('broken') %>\n",
      "broken.ejs": "a\n<%- app_port + %>\n",
      "printed.ejs": "<%- '{% if x %}' %>\n",
    });
    const jinja = await errorOf(renderTemplateFile(path.join(dir, "jinja.ejs"), scope));
    expect(jinja.message).toMatch(/jinja\.ejs:2: `\{% if web_port %\}` is a Jinja statement, which EJS writes out as text: deploy's templates are EJS/);
    const included = await errorOf(renderTemplateFile(path.join(dir, "outer.ejs"), scope));
    expect(included.message).toMatch(new RegExp(`^${path.join(dir, "inner.ejs")}:2: \`\\{% for h in hosts %\\}\` is a Jinja statement.*\\(included from ${path.join(dir, "outer.ejs")}:2\\)$`));
    const broken = await errorOf(renderTemplateFile(path.join(dir, "broken-outer.ejs"), scope));
    expect(broken.message).toBe(`${path.join(dir, "broken.ejs")}:2: invalid template: Unexpected token ')' (included from ${path.join(dir, "broken-outer.ejs")}:1)`);
    // EJS printing the text on purpose is no Jinja.
    expect(await renderTemplateFile(path.join(dir, "printed.ejs"), scope)).toBe("{% if x %}\n");
  });
});

describe("a number that is NaN written out", () => {
  it("fails at its line, naming the tag, with <%- and <%=, in an included file too", async () => {
    const dir = role({
      "raw.ejs": "a\nworkers <%- app_port * host.name %>;\n",
      "escaped.ejs": "<%= Number('x') %> <%- 1 %>\n",
      "outer.ejs": "<%- include('raw') %>\n",
    });
    expect((await errorOf(renderTemplateFile(path.join(dir, "raw.ejs"), scope))).message).toBe(
      `${path.join(dir, "raw.ejs")}:2: \`<%- app_port * host.name %>\` wrote NaN (arithmetic on a value that is not a number; a string repeated is \`s.repeat(n)\`): a config file never gets the text NaN from a number`,
    );
    expect((await errorOf(renderTemplateFile(path.join(dir, "escaped.ejs"), scope))).message).toMatch(/escaped\.ejs:1: one of `<%= Number\('x'\) %>`, `<%- 1 %>` wrote NaN/);
    expect((await errorOf(renderTemplateFile(path.join(dir, "outer.ejs"), scope))).message).toMatch(/raw\.ejs:2: `<%- app_port \* host\.name %>` wrote NaN .*\(included from .*outer\.ejs:1\)$/);
  });

  it("the text NaN the template writes, a string 'NaN' and numbers are written as they are", async () => {
    const dir = role({ "ok.ejs": "NaN <%- 'NaN' %> <%= `${0 / 0}` %> <%- app_port * 2 %> <%- Infinity %>\n" });
    expect(await renderTemplateFile(path.join(dir, "ok.ejs"), scope)).toBe("NaN NaN NaN 6000 Infinity\n");
  });
});
