import { describe, expect, it } from "vitest";
import { ExpressionEngine, evaluate, renderValue, testCondition } from "../../../src/template/expressions.js";
import { templateErrorOf } from "./template-error.js";

const scope = () => ({
  app_port: 3000,
  mysql: { port: 3306, users: [{ name: "app" }, { name: "repl" }] },
  host: { name: "web-01", address: "10.0.0.11", port: 22, groups: ["app"], vars: { weight: 10 } },
  groups: { all: ["web-01", "web-02"], app: ["web-01", "web-02"] },
  hosts: { "web-01": { address: "10.0.0.11" }, "web-02": { address: "10.0.0.12" } },
  facts: { os: { id: "debian", version: "12" } },
  vars: { app_port: 3000, empty: "" },
  empty: "",
});

const errorOf = templateErrorOf;

describe("evaluate: strict names at any depth", () => {
  it("evaluates JavaScript over the scope", () => {
    expect(evaluate("app_port + 1", scope(), "t")).toBe(3001);
    expect(evaluate("facts.os.id == 'debian' && Number(facts.os.version) >= 12", scope(), "t")).toBe(true);
    expect(evaluate("groups.app.map(h => hosts[h].address).join(',')", scope(), "t")).toBe("10.0.0.11,10.0.0.12");
    expect(evaluate("mysql.users.filter(u => u.name != 'repl').length", scope(), "t")).toBe(1);
    expect(evaluate("Math.max(...groups.all.map(h => h.length))", scope(), "t")).toBe(6);
    expect(evaluate("JSON.stringify(mysql)", scope(), "t")).toBe('{"port":3306,"users":[{"name":"app"},{"name":"repl"}]}');
    expect(evaluate("empty", scope(), "t")).toBe("");
  });

  it("an undefined top-level name is an error naming it", () => {
    const error = errorOf(() => evaluate("app_prot + 1", scope(), "site.yaml:3:5: when"));
    expect(error.message).toBe("site.yaml:3:5: when: undefined variable `app_prot` in `app_prot + 1`");
    expect(error.variable).toBe("app_prot");
  });

  it("an undefined nested property is an error naming the whole path", () => {
    expect(errorOf(() => evaluate("host.nmae", scope(), "w")).message).toBe("w: undefined variable `host.nmae` in `host.nmae`");
    expect(errorOf(() => evaluate("mysql.portt", scope(), "w")).variable).toBe("mysql.portt");
    expect(errorOf(() => evaluate("mysql.users[1].nmae", scope(), "w")).variable).toBe("mysql.users[1].nmae");
    expect(errorOf(() => evaluate("mysql.users[5].name", scope(), "w")).variable).toBe("mysql.users[5]");
    expect(errorOf(() => evaluate("hosts['web-03'].address", scope(), "w")).variable).toBe('hosts["web-03"]');
    expect(errorOf(() => evaluate("groups.app.map(h => hosts[h].adress)", scope(), "w")).variable).toBe('hosts["web-01"].adress');
  });

  it("presence tests with `in` work and do not throw", () => {
    expect(evaluate("'app_port' in vars", scope(), "t")).toBe(true);
    expect(evaluate("'nope' in vars", scope(), "t")).toBe(false);
    expect(evaluate("'weight' in host.vars ? host.vars.weight : 1", scope(), "t")).toBe(10);
    expect(evaluate("'port' in mysql && !('socket' in mysql)", scope(), "t")).toBe(true);
  });

  it("results are plain values (no strict proxies leak into module parameters)", () => {
    const value = evaluate("mysql", scope(), "t") as Record<string, unknown>;
    expect(value["socket"]).toBeUndefined();
    const list = evaluate("[mysql.users[0], host]", scope(), "t") as Array<Record<string, unknown>>;
    expect(list[0]?.["missing"]).toBeUndefined();
    expect(list[1]?.["missing"]).toBeUndefined();
  });

  it("syntax errors and runtime errors are TemplateErrors without stack noise", () => {
    expect(errorOf(() => evaluate("app_port +", scope(), "w")).message).toMatch(/^w: invalid expression `app_port \+`: /);
    expect(errorOf(() => evaluate("app_port = 1", scope(), "w")).message).toMatch(/cannot assign/);
    expect(errorOf(() => evaluate("mysql.users.nope()", scope(), "w")).message).toBe("w: undefined variable `mysql.users.nope` in `mysql.users.nope()`");
    expect(errorOf(() => evaluate("  ", scope(), "w")).message).toBe("w: empty expression");
    expect(errorOf(() => evaluate("(() => { throw {a: 1} })()", scope(), "w")).message).toBe('w: threw {"a":1} in `(() => { throw {a: 1} })()`');
  });

  it("compiles each expression source once", () => {
    const engine = new ExpressionEngine();
    const first = engine.compile("app_port + 1");
    expect(engine.compile("app_port + 1")).toBe(first);
    expect(engine.evaluate("app_port + 1", { app_port: 1 }, "t")).toBe(2);
    expect(engine.evaluate("app_port + 1", { app_port: 41 }, "t")).toBe(42);
  });
});

describe("renderValue", () => {
  it("a whole `{{ expr }}` yields the raw value; mixed text interpolates", () => {
    expect(renderValue("{{ app_port }}", scope(), "t")).toBe(3000);
    expect(renderValue("{{ groups.app }}", scope(), "t")).toEqual(["web-01", "web-02"]);
    expect(renderValue("port {{ app_port }} on {{ host.name }}", scope(), "t")).toBe("port 3000 on web-01");
    expect(renderValue("{{ groups.app }} and {{ mysql.port }}", scope(), "t")).toBe('["web-01","web-02"] and 3306');
    expect(renderValue("no expressions", scope(), "t")).toBe("no expressions");
    // Text around the expression, even only a newline or spaces, makes the result text.
    expect(renderValue("{{ app_port }}\n", scope(), "t")).toBe("3000\n");
    expect(renderValue(" {{ host.name }} ", scope(), "t")).toBe(" web-01 ");
  });

  it("walks lists and maps, leaving other values alone", () => {
    expect(renderValue({ a: ["{{ app_port }}", 1, true, null], b: { c: "{{ host.address }}:{{ app_port }}" } }, scope(), "t")).toEqual({
      a: [3000, 1, true, null],
      b: { c: "10.0.0.11:3000" },
    });
  });

  it("never renders an undefined name as an empty string", () => {
    expect(errorOf(() => renderValue("listen {{ host.nmae }}", scope(), "w")).variable).toBe("host.nmae");
    expect(errorOf(() => renderValue({ deep: ["{{ mysql.portt }}"] }, scope(), "w")).variable).toBe("mysql.portt");
    expect(errorOf(() => renderValue("{{ mysql.users.find(u => u.name == 'x') }}", scope(), "w")).message).toMatch(/has no value \(undefined\)/);
  });
});

describe("testCondition", () => {
  it("takes booleans, bare expressions and a single {{ }}", () => {
    expect(testCondition(true, scope(), "t")).toBe(true);
    expect(testCondition("false", scope(), "t")).toBe(false);
    expect(testCondition("facts.os.id == 'debian'", scope(), "t")).toBe(true);
    expect(testCondition("{{ app_port > 5000 }}", scope(), "t")).toBe(false);
    expect(errorOf(() => testCondition("facts.os.idd == 'debian'", scope(), "w")).variable).toBe("facts.os.idd");
  });
});
