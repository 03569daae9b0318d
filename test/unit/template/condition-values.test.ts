// Valid JavaScript a deploy user writes must keep working beside the Ansible-habit checks (helper-37's review,
// helper-41's fixes): a RegExp match and an "is there one" undefined as conditions, `//` and `/* */` comments,
// hints that look at code only, and the yes/no message said for where the value came from.
import { describe, expect, it } from "vitest";
import { expressionScope } from "../../../src/config/vars.js";
import { evaluate, expressionSyntaxErrors, testCondition } from "../../../src/template/expressions.js";
import { scanSource } from "../../../src/template/js-scan.js";
import { templateMessage } from "./template-error.js";

const scope = () =>
  expressionScope({
    vars: { packages: ["curl"], extra_packages: [], cfg: null, settings: { tls: true }, enabled: "yes", total: 9, base: "http://x", s: "it's" },
    registered: { r: { rc: 0, stdout: "N", stdout_lines: ["N"], changed: false, failed: false }, padded: { stdout: " yes\n" } },
    host: { name: "local", address: "127.0.0.1", port: 22, groups: ["web"], vars: {} },
    facts: undefined,
    groups: { all: ["local", "other"], web: ["local"] },
    hosts: {},
  });

const message = templateMessage;

describe("a RegExp match as a condition", () => {
  it("is true where it matches and false where it gives null (match, match with /g, exec)", () => {
    expect(testCondition("host.name.match(/^lo/)", scope(), "w")).toBe(true);
    expect(testCondition("host.name.match(/^web/)", scope(), "w")).toBe(false);
    expect(testCondition("r.stdout.match(/N/g)", scope(), "w")).toBe(true);
    expect(testCondition("/^(?<first>l)/.exec(host.name)", scope(), "w")).toBe(true);
    expect(testCondition("{{ /^x/.exec(host.name) }}", scope(), "w")).toBe(false);
  });

  it("a list or map an expression computes is refused only when empty; a var holding one always", () => {
    expect(testCondition("packages.filter(p => p === 'curl')", scope(), "w")).toBe(true);
    expect(message(() => testCondition("packages.filter(p => p === 'vim')", scope(), "w"))).toContain("gave a list (0 items)");
    expect(message(() => testCondition("packages", scope(), "w"))).toContain("`packages` gave a list (1 item)");
    expect(message(() => testCondition("r.stdout_lines", scope(), "w"))).toContain("write `r.stdout_lines.length > 0`");
    expect(message(() => testCondition("settings", scope(), "w"))).toContain("`settings` gave a map");
  });
});

describe("undefined from a call or an optional chain", () => {
  it("is false, as in JavaScript: `find` found none, `?.` had nothing to read", () => {
    expect(testCondition("groups.all.find(h => h === 'nope')", scope(), "w")).toBe(false);
    expect(testCondition("groups.all.find(h => h === 'other')", scope(), "w")).toBe(true);
    expect(testCondition("cfg?.enabled", scope(), "w")).toBe(false);
  });

  it("a name whose value is undefined is refused with the test to write", () => {
    const withUndefined = { ...scope(), item: undefined };
    expect(message(() => testCondition("item", withUndefined, "w"))).toBe("w: `item` has no value (undefined): a condition must be true or false; write `item !== undefined`");
  });
});

describe("JavaScript comments are not floor division", () => {
  it("a trailing `//` comment, a comment on a line of its own and a `/* */` comment are allowed", () => {
    const conditions = [
      "host.name === 'local' // only the local host\n  && total > 1",
      "// only the local host\nhost.name === 'local'",
      "/* see http://docs */ host.name === 'local'",
      "host.name === 'local' /* a // b */",
      "host.name === 'local' //\n",
      "host.name === 'local' // todo",
      "host.name === 'local' // FIXME:",
      "host.name === 'local' // TODO(ana)\n  && total > 1",
      "host.name === 'local' // xxx",
    ];
    for (const condition of conditions) {
      expect(expressionSyntaxErrors(condition, true), condition).toEqual([]);
      expect(testCondition(condition, scope(), "w"), condition).toBe(true);
    }
  });

  it("a regular expression holding a quote does not make the scanner read a string", () => {
    const condition = "/'/.test(s) && base === 'http://x'";
    expect(expressionSyntaxErrors(condition, true)).toEqual([]);
    expect(testCondition(condition, scope(), "w")).toBe(true);
    expect(expressionSyntaxErrors("{{ `${base}//${'//'}` + /[/]/.source }}")).toEqual([]);
  });

  it("`//` with an operand before it and code after it on its line is floor division", () => {
    for (const expr of ["total // 2", "a//b", "a // b", "total // step", "total // 2 >= 4", "f(total) // (1 + 1)", "'9' // 2", "x // legacy", "x // todos"]) {
      expect(expressionSyntaxErrors(expr, true), expr).toEqual([expect.stringContaining("not floor division")]);
    }
    expect(expressionSyntaxErrors("total\n  // 2", true)).toEqual([]);
  });

  it("the scan blanks strings, regular expressions, template text and comments, and keeps code", () => {
    expect(scanSource("a + 'x y' + /re/g + `t${b}u` // c").code).toBe("a + '   ' + /     + ` ${b} `     ");
  });
});

describe("hints look at the code only", () => {
  it("`and` in a string is no Jinja `and`; `n % 2` is no Python formatting", () => {
    expect(message(() => testCondition("host.name === 'a and b' || nope", scope(), "w"))).toBe("w: undefined variable `nope` in `host.name === 'a and b' || nope`");
    expect(message(() => testCondition("host.name.length % 2 === nope", scope(), "w"))).toBe("w: undefined variable `nope` in `host.name.length % 2 === nope`");
    expect(message(() => testCondition("host.name === 'x' // not and or\n|| nope", scope(), "w"))).not.toContain("here");
    expect(message(() => testCondition("'%s' % nope", scope(), "w"))).toContain("Python's `'%s' % x`");
    expect(message(() => testCondition("host.name == 'x' and nope", scope(), "w"))).toContain("`and` / `or` are `&&` / `||` here");
  });
});

describe("a yes/no string as a condition", () => {
  it("from command output: compare it (it is text, never a boolean)", () => {
    expect(message(() => testCondition("r.stdout", scope(), "w"))).toBe(
      'w: `r.stdout` gave the string "N": a condition must be true or false, and a non-empty string is true; ' +
        "a command's output is text, never a boolean: compare: `r.stdout === 'Y'`",
    );
    expect(message(() => testCondition("padded.stdout", scope(), "w"))).toContain("compare: `padded.stdout.trim() === 'yes'`");
  });

  it("from a var: names the YAML and -e both", () => {
    expect(message(() => testCondition("enabled", scope(), "w"))).toContain(
      "YAML reads only an unquoted true or false as a boolean (yes/no/on/off are strings), and so does -e: write true or false (in the YAML, or `-e enabled=true`), or compare: `enabled === 'yes'`",
    );
  });
});

it("evaluate keeps its value for a match (only conditions judge truthiness)", () => {
  expect(evaluate("host.name.match(/^(lo)/)[1]", scope(), "w")).toBe("lo");
});
