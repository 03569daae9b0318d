// Common YAML mistakes that the `yaml` library accepts or words for programmers: each must become a located
// `file:line:col: path: message` a user understands, and never a Node process warning on stderr.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { parseExtraVars } from "../../../src/config/extra-vars.js";
import { Problems, formatProblem } from "../../../src/config/problems.js";
import { parseSource } from "../../../src/config/source.js";
import { projectProblems } from "./temp-project.js";

function parse(text: string) {
  const problems = new Problems();
  const source = parseSource("/p/f.yaml", Buffer.from(text), "a map", problems);
  return { source, lines: problems.sorted().map((p) => formatProblem(p, "/p")) };
}

async function extraVarsProblems(args: string[]): Promise<string[]> {
  const problems = new Problems();
  await parseExtraVars(args, { cwd: "/p", problems, secrets: new Set() });
  return problems.sorted().map((p) => formatProblem(p, "/p"));
}

// yaml's toJS warns through process.emitWarning; any call means a user would see "(node:NNN) Warning: ...".
let warnings: MockInstance<typeof process.emitWarning>;
beforeEach(() => {
  warnings = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
});
afterEach(() => {
  expect(warnings).not.toHaveBeenCalled();
  warnings.mockRestore();
});

describe("an unquoted {{ }} value", () => {
  it("is reported at the value with the quoted form to write, in play vars, a task and a when", async () => {
    expect(
      await projectProblems({
        "playbooks/site.yaml": `- hosts: all
  vars:
    p: {{ greeting }}
  tasks:
    - name: say
      command: {{ greeting }}
    - name: maybe
      command: echo hi
      when: {{greeting}}
`,
      }),
    ).toEqual([
      'playbooks/site.yaml:3:8: [0].vars.p: a value starting with {{ must be quoted: "{{ greeting }}"',
      'playbooks/site.yaml:6:16: [0].tasks[0].command: a value starting with {{ must be quoted: "{{ greeting }}"',
      'playbooks/site.yaml:9:13: [0].tasks[1].when: a value starting with {{ must be quoted: "{{greeting}}"',
    ]);
  });

  it("is reported in inventory vars and inside a list; the file's value is not used", () => {
    const { source, lines } = parse("vars:\n  ports: [{{ port }}, 80]\n  call: {{ f(a, b) }}\n");
    expect(source).toBeUndefined();
    expect(lines).toEqual([
      'f.yaml:2:11: vars.ports[0]: a value starting with {{ must be quoted: "{{ port }}"',
      'f.yaml:3:9: vars.call: a value starting with {{ must be quoted: "{{ f(a, b) }}"',
    ]);
  });

  it("suggests single quotes when the expression holds a double quote", () => {
    expect(parse('a: {{ x | default("y") }}\n').lines).toEqual([`f.yaml:1:4: a: a value starting with {{ must be quoted: '{{ x | default("y") }}'`]);
  });

  it("is named instead of the parser's syntax error when text follows it or it holds quotes", () => {
    expect(parse("a: {{ lookup('env', 'HOME') }}\n").lines).toEqual([`f.yaml:1:4: a value starting with {{ must be quoted: "{{ lookup('env', 'HOME') }}"`]);
    expect(parse("a:\n  - {{ dir }}/b  # where\n").lines).toEqual(['f.yaml:2:5: a value starting with {{ must be quoted: "{{ dir }}/b"']);
    expect(parse("a: x\nb: {{ x }} y\nc: 1\n").lines).toEqual(['f.yaml:2:4: a value starting with {{ must be quoted: "{{ x }} y"']);
  });

  it("is not suggested when the {{ is already inside quotes", () => {
    expect(parse("a: '{{ x }}' y\n").lines).toEqual(["f.yaml:1:14: Unexpected scalar at node end"]);
  });

  it("is reported in a -e JSON map at its column", async () => {
    expect(await extraVarsProblems(['{"a": {{x}} }'])).toEqual(['-e[1]:1:7: a: a value starting with {{ must be quoted: "{{x}}"']);
  });
});

describe("a map key that is a list or a map", () => {
  it("is reported at the key, with the path of its map", () => {
    expect(parse("vars:\n  ? [a, b]\n  : 1\n  ? { k: v }\n  : 2\n").lines).toEqual([
      "f.yaml:2:5: vars: a key must be a string or a number, not a list",
      "f.yaml:4:5: vars: a key must be a string or a number, not a map",
    ]);
  });

  it("is reported when an alias names a list, at the alias", () => {
    expect(parse("base: &b [1]\nother:\n  ? *b\n  : 2\n").lines).toEqual(["f.yaml:3:5: other: a key must be a string or a number, not a list"]);
  });

  it("is reported in a -e map", async () => {
    expect(await extraVarsProblems(["{[a]: 1}"])).toEqual(["-e[1]:1:2: a key must be a string or a number, not a list"]);
  });
});

describe("library wording", () => {
  it("a second YAML document is reported where it starts, with the count", () => {
    expect(parse("- a: 1\n---\n- b: 2\n---\n- c: 3\n").lines).toEqual(["f.yaml:2:1: only one YAML document is allowed, found 3 (the second starts here)"]);
  });

  it("a second document in -e is reported the same way", async () => {
    expect(await extraVarsProblems(["{a: 1}\n---\n{b: 2}"])).toEqual([
      "-e[1]:2:1: not a valid JSON/YAML map: only one YAML document is allowed, found 2 (the second starts here)",
    ]);
  });

  it("!secret on a list or a map says it applies to a scalar", () => {
    expect(parse("pw: !secret [x]\n").lines).toEqual(["f.yaml:1:5: !secret applies to a scalar value (a string or number), not a list"]);
    expect(parse("pw: !secret\n  a: 1\n").lines).toEqual(["f.yaml:1:5: !secret applies to a scalar value (a string or number), not a map"]);
  });

  it("an unknown tag is named as such", () => {
    expect(parse("pw: !vault abc\n").lines).toEqual(["f.yaml:1:5: Ansible's inline `!vault` value is not read: keep it in a vault file (`deploy vault encrypt`) listed in the inventory's `settings.vars_files` or given with `-e @file`"]);
  });
});

describe("a key named __proto__", () => {
  it("is reported where it is written, in a file and in -e, instead of vanishing from the map", async () => {
    expect(parse("vars:\n  __proto__: { polluted: 1 }\nhosts:\n  __proto__: { address: 10.0.0.9 }\n").lines).toEqual([
      "f.yaml:2:3: vars.__proto__: `__proto__` cannot be a name (JavaScript reserves it)",
      "f.yaml:4:3: hosts.__proto__: `__proto__` cannot be a name (JavaScript reserves it)",
    ]);
    expect(await extraVarsProblems(["__proto__=1", '{"__proto__": {"a": 1}}'])).toEqual([
      "-e[1]:1:1: __proto__: `__proto__` cannot be a name (JavaScript reserves it)",
      "-e[2]:1:1: __proto__: `__proto__` cannot be a name (JavaScript reserves it)",
    ]);
  });
});
