// Ansible habits that JavaScript would silently read otherwise (a `no` var true, `in` on a list false,
// `//` a comment, NaN written out) are refused; Jinja syntax and Ansible names get a hint (helper-25's sweep).
import { describe, expect, it } from "vitest";
import { evaluate, expressionSyntaxErrors, renderValue, testCondition } from "../../../src/template/expressions.js";
import { templateMessage } from "./template-error.js";

const scope = () => ({
  install_debug_tools: "no",
  enable_metrics: "off",
  extra_packages: [],
  packages: ["curl"],
  overrides: {},
  total: 9,
  mem_mb: 1500,
  a: "x",
  b: "y",
  name_list: "web",
  port: 0,
  nothing: null,
  tarball: "",
  host: { name: "sw5a", groups: ["web"] },
  groups: { web: ["sw5a", "sw5b"] },
  out: { rc: 0, stdout: "hi", stdout_lines: [] as string[], failed: false, changed: true },
  vars: {},
});

const message = templateMessage;

describe("a condition must be true or false", () => {
  it("refuses a var written no/off (a string in YAML 1.2), with the YAML and comparison fixes", () => {
    expect(message(() => testCondition("install_debug_tools", scope(), "pb/yn.yaml:8:7: when"))).toBe(
      'pb/yn.yaml:8:7: when: `install_debug_tools` gave the string "no": a condition must be true or false, and a non-empty string is true; ' +
        "YAML reads only an unquoted true or false as a boolean (yes/no/on/off are strings), and so does -e: write true or false (in the YAML, or `-e install_debug_tools=true`), or compare: `install_debug_tools === 'yes'`",
    );
    expect(message(() => testCondition("{{ enable_metrics }}", scope(), "w"))).toContain('`enable_metrics` gave the string "off"');
  });

  it("refuses a list or a map, empty or not, with `.length > 0`", () => {
    expect(message(() => testCondition("extra_packages", scope(), "w"))).toBe(
      "w: `extra_packages` gave a list (0 items): a condition must be true or false, and every list is true in JavaScript, an empty one too; write `extra_packages.length > 0`",
    );
    expect(message(() => testCondition("out.stdout_lines", scope(), "w"))).toContain("write `out.stdout_lines.length > 0`");
    // A list or map an expression computes is refused when empty, where it would read true by mistake.
    expect(message(() => testCondition("packages.filter(p => !p)", scope(), "w"))).toContain("write `(packages.filter(p => !p)).length > 0`");
    expect(message(() => testCondition("Object.assign({}, overrides)", scope(), "w"))).toContain("gave a map");
    expect(message(() => testCondition("overrides", scope(), "w"))).toContain("gave a map: a condition must be true or false");
    expect(message(() => testCondition("out.stdout.includes", scope(), "w"))).toContain("gave a function");

  });

  it("keeps what reads the same in Jinja: booleans, strings, numbers and null", () => {
    expect(testCondition("out.changed", scope(), "w")).toBe(true);
    expect(testCondition("tarball", scope(), "w")).toBe(false);
    expect(testCondition("a", scope(), "w")).toBe(true);
    expect(testCondition("port", scope(), "w")).toBe(false);
    expect(testCondition("nothing", scope(), "w")).toBe(false);
    expect(testCondition("extra_packages.length > 0", scope(), "w")).toBe(false);
    expect(testCondition(false, scope(), "w")).toBe(false);
  });
});

describe("`in` on a list or a string", () => {
  it("a list: `x in list` asks for a position, refused with `.includes()`", () => {
    expect(message(() => testCondition("host.name in groups.web", scope(), "w"))).toBe(
      "w: `in` tests the positions (0, 1, ...) of the list `groups.web`, not its items: write `groups.web.includes(x)` in `host.name in groups.web`",
    );
    expect(message(() => evaluate("'web' in host.groups", scope(), "w"))).toContain("write `host.groups.includes(x)`");
    // A number past the end is a member test too (`443 in ports`); one below the length reads as JavaScript's.
    expect(message(() => evaluate("2 in groups.web", scope(), "w"))).toContain("write `groups.web.includes(x)`");
    expect(testCondition("groups.web.includes(host.name) && 1 in groups.web && 'length' in groups.web", scope(), "w")).toBe(true);
    // Array methods ask the list for positions only: they keep working.
    expect(evaluate("groups.web.filter((h) => h != 'x').map((h) => h.toUpperCase()).concat([...packages]).flat()", scope(), "w")).toEqual(["SW5A", "SW5B", "curl"]);
  });

  it("a string: JavaScript's TypeError (which quotes the string) becomes the `.includes()` hint", () => {
    const text = message(() => renderValue("echo {{ 'eb' in name_list }}", scope(), "w"));
    expect(text).toBe(
      "w: `in` looks for a key of a map (or a position of a list), and a string has none: to look for text in a string write `text.includes('x')` in `'eb' in name_list`",
    );
  });
});

describe("`//` is not floor division", () => {
  it("is refused when the expression compiles (load time), with Math.floor", () => {
    expect(expressionSyntaxErrors('echo "{{ total // 2 }}"')).toEqual([
      "invalid expression `total // 2`: `//` is a comment in JavaScript, not floor division: it drops the rest of the line; write `Math.floor(a / b)` (a comment goes on a line of its own, or in `/* */`)",
    ]);
    expect(expressionSyntaxErrors("mem_mb // 1024 >= 2", true)).toHaveLength(1);
    expect(message(() => renderValue("{{ total // 2 }}", scope(), "w"))).toContain("write `Math.floor(a / b)`");
  });

  it("leaves `//` in strings, template literals and regular expressions alone", () => {
    expect(expressionSyntaxErrors("{{ 'http://' + a + \"//\" + `//${b}` }}")).toEqual([]);
    expect(renderValue("{{ 'http://x/a/b'.replace(/https?:\\/\\//, '') }}", scope(), "w")).toBe("x/a/b");
    expect(renderValue("{{ Math.floor(total / 2) }}", scope(), "w")).toBe(4);
  });
});

describe("NaN", () => {
  it("is refused like an undefined value, in text and as a whole value", () => {
    expect(message(() => renderValue("echo {{ a * 3 }}", scope(), "w"))).toBe(
      "w: `a * 3` is NaN (arithmetic on a value that is not a number; a string repeated is `s.repeat(n)`)",
    );
    expect(message(() => renderValue("{{ '%s-%s' % (a, b) }}", scope(), "w"))).toContain("Python's `'%s' % x` formatting is a template literal here");
    expect(message(() => testCondition("a * 3 > 1 || a * 3", scope(), "w"))).toContain("gave NaN");
    expect(message(() => testCondition("'%s' % a", scope(), "w"))).toContain("gave NaN (arithmetic on a value that is not a number): a condition must be true or false; Python's `'%s' % x`");
  });
});

describe("Jinja and Ansible names get a hint", () => {
  const hints: Array<[string, string]> = [
    ["out is defined", "`x is defined` is `'x' in vars` here"],
    ["out is not defined", "`x is not defined` is `!('x' in vars)` here"],
    ["not out.failed", "`not x` is `!x` here"],
    ["out.rc == 0 and out.stdout != ''", "`and` / `or` are `&&` / `||` here"],
    ["out.rc == 0 or out.failed", "`and` / `or` are `&&` / `||` here"],
    ["{% if out.failed %}true{% endif %}", "`{% %}` blocks do not exist"],
    ["out.stdout | length > 0", "`x | length` is `x.length`"],
    ["packages | join(',')", "`x | join(',')` is `x.join(',')`"],
    ["'web' in group_names", "`group_names` is Ansible's name; deploy's is `host.groups`"],
    ["inventory_hostname == 'sw5a'", "deploy's is `host.name`"],
    ["hostvars['sw5b'].ansible_host", "deploy's is `hosts` (a host's inventory vars: `hosts[name].vars`)"],
    ['ansible_os_family == "Debian"', "deploy's is `facts.os.family`, a list"],
    ["ansible_kernel", "`ansible_kernel` is Ansible's name; deploy's is under `facts`"],
    ["out.changed == True", "`True` is Ansible's name; deploy's is `true`"],
  ];
  it.each(hints)("%s", (expr, hint) => {
    expect(message(() => testCondition(expr, scope(), "w"))).toContain(hint);
  });

  it("at load time too, for syntax errors", () => {
    expect(expressionSyntaxErrors("out is defined", true)[0]).toContain("`x is defined` is `'x' in vars` here");
    expect(expressionSyntaxErrors("out is defined", true, true)).toEqual(["invalid expression in a secret value (not shown)"]);
  });

  it("an undefined name that is not Ansible's gets no hint", () => {
    expect(message(() => evaluate("app_prot + 1", scope(), "w"))).toBe("w: undefined variable `app_prot` in `app_prot + 1`");
  });
});
