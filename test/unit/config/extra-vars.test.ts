// `-e 'a=1 b=2'` sets both vars, as ansible-playbook does: the pairs of one -e are split on spaces, quotes
// group a value's words. It used to set `a` to the string "1 b=2".
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseExtraVars } from "../../../src/config/extra-vars.js";
import { keyValueWords } from "../../../src/config/key-value.js";
import { Problems, formatProblem } from "../../../src/config/problems.js";

async function parse(args: string[]) {
  const problems = new Problems();
  const secrets = new Set<string>();
  const vars = await parseExtraVars(args, { cwd: "/p", problems, secrets });
  return { vars, secrets, lines: problems.sorted().map((p) => formatProblem(p, "/p")) };
}

describe("-e key=value pairs", () => {
  it.each<[string, Record<string, unknown>]>([
    ["a=1 b=2", { a: 1, b: 2 }],
    ['msg="hello world" n=2', { msg: "hello world", n: 2 }],
    ["msg='it is' other=x", { msg: "it is", other: "x" }],
    ['say="a \\"quoted\\" word"', { say: 'a "quoted" word' }],
    ['n="2" flag="true" v=1.10 flag2=true', { n: "2", flag: "true", v: "1.10", flag2: true }],
    ["list=[1, 2] map={\"k\": \"v w\"}", { list: [1, 2], map: { k: "v w" } }],
    ["greeting={{ 'hi ' + name }} b=2", { greeting: "{{ 'hi ' + name }}", b: 2 }],
    ["  a=1   b=2  ", { a: 1, b: 2 }],
    ["a=x a=y", { a: "y" }],
    ["empty= b=2", { empty: "", b: 2 }],
    ["path=C:\\dir", { path: "C:\\dir" }],
    ["text=a=b", { text: "a=b" }],
    // Quotes inside a value group its words and stay, as Ansible's unquote leaves them: only a pair
    // wrapping the whole value goes.
    ['opts=--label="a b" n=1', { opts: '--label="a b"', n: 1 }],
    ["msg='it''s'", { msg: "it''s" }],
    ["sql=x='1' y=\"2\"", { sql: "x='1'", y: "2" }],
    ['name="O\'Brien"', { name: "O'Brien" }],
    ['a="x" b="[1]"', { a: "x", b: "[1]" }],
  ])("%s", async (arg, vars) => {
    const r = await parse([arg]);
    expect(r.lines).toEqual([]);
    expect(r.vars).toEqual(vars);
  });

  it("a word without `=` is refused where it stands, with the quoting to write", async () => {
    expect((await parse(["msg=hello world"])).lines).toEqual([
      "-e[1]:1:11: expected another key=value, got `world`: the pairs of one -e are separated by spaces, so a value with spaces is quoted: -e 'msg=\"hello world\"'",
    ]);
    expect((await parse(["a=1", "hello"])).lines).toEqual(["-e[2]:1:1: expected key=value, @file.yaml or a JSON map, got `hello`"]);
    expect((await parse(["a=1 =2"])).lines).toEqual(["-e[1]:1:5: expected key=value, @file.yaml or a JSON map, got `=2`"]);
    expect((await parse(["a=1 9b=2"])).lines).toEqual(["-e[1]:1:5: 9b: a var name uses letters, digits and '_' and does not start with a digit"]);
    expect((await parse(["a=1 host=x"])).lines[0]).toMatch(/^-e\[1\]:1:5: host: `host` is a reserved name/);
  });

  it("an unclosed quote or bracket is refused at it", async () => {
    expect((await parse(['a=1 msg="open'])).lines).toEqual(["-e[1]:1:9: unclosed double quote (write `msg='\"open'` for a value holding a \")"]);
    expect((await parse(["name=O'Brien"])).lines).toEqual(["-e[1]:1:7: unclosed single quote (write `name=\"O'Brien\"` for a value holding a ')"]);
    // The way to write it quotes the word, so not beside a secret.
    expect((await parse(["name=O'Brien pw=!secret Hunter2"])).lines).toEqual(["-e[1]:1:7: unclosed single quote"]);
    expect((await parse(["re=[a-z b=2"])).lines).toEqual(['-e[1]:1:4: `[` without its closing `]` (a value holding one alone is quoted: k="[...")']);
  });

  it("`!secret` takes the rest of the argument, verbatim, and a message about its -e never quotes a word", async () => {
    const r = await parse(["user=app pw=!secret p'a ss\"w=rd "]);
    expect(r.lines).toEqual([]);
    expect(r.vars).toEqual({ user: "app", pw: "p'a ss\"w=rd" });
    expect([...r.secrets]).toEqual(["p'a ss\"w=rd"]);
    // A quoted tag is the literal text.
    expect((await parse(['note="!secret x" n=1'])).vars).toEqual({ note: "!secret x", n: 1 });
    // `pw= !secret Hunter2`: a space after `=` splits the tag from its key; no word of it is shown.
    const spaced = await parse(["pw= !secret Hunter2"]);
    expect(spaced.lines.join("\n")).not.toContain("Hunter2");
    expect(spaced.lines).toEqual(["-e[1]:1:5: expected another key=value: the pairs of one -e are separated by spaces, so a value with spaces is quoted: -e 'msg=\"hello world\"'", "-e[1]:1:13: expected another key=value: the pairs of one -e are separated by spaces, so a value with spaces is quoted: -e 'msg=\"hello world\"'"]);
    expect((await parse(["a=1 pw=!secret"])).lines).toEqual(["-e[1]:1:5: pw: `!secret` needs a value: -e 'pw=!secret VALUE'"]);
  });
});

describe("keyValueWords", () => {
  it("keeps a word's place, its key, and whether its value was quoted", () => {
    expect(keyValueWords(`a=1 b="x y" c`)).toEqual([
      { at: 0, key: "a", value: "1", quoted: false },
      { at: 4, key: "b", value: "x y", quoted: true },
      { at: 12, value: "c", quoted: false },
    ]);
    expect(keyValueWords(`o=--l="x y"`)).toEqual([{ at: 0, key: "o", value: '--l="x y"', quoted: false }]);
  });
});

// `-e ansible_user=admin` was an ordinary var: the run logged in as before and said nothing. Refused as the
// inventory refuses the name, with the inventory key that does it (deploy has no per-run login).
describe("-e with a var that changes nothing", () => {
  it("Ansible's connection vars and the sudo password, in every -e form, never showing a secret", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "deploy-extra-ansible-"));
    writeFileSync(path.join(dir, "sudo.yaml"), "become_password: hunter2\n");
    const problems = new Problems();
    await parseExtraVars(["ansible_user=admin n=1", '{"ansible_port": 2222}', "@sudo.yaml", "ansible_become_pass=!secret s3cret"], { cwd: dir, problems, secrets: new Set() });
    const lines = problems.sorted().map((p) => formatProblem(p, dir));
    expect(lines).toEqual([
      "-e[1]:1:1: ansible_user: `ansible_user` given with -e does nothing: the login is the host's `user:` in the inventory's hosts:, which no -e sets (without one: ~/.ssh/config's `User` for the address, else your own user); a YAML anchor (`<<: *defaults`) shares it between hosts",
      "-e[2]:1:1: ansible_port: `ansible_port` given with -e does nothing: the SSH port is the host's `port:` in the inventory's hosts:, which no -e sets; a YAML anchor (`<<: *defaults`) shares it between hosts",
      "-e[3]:1:1: become_password: `become_password` given with -e does nothing: the sudo password is read from the inventory's vars: `become_password` (in a vault file listed in `settings.vars_files`), or DEPLOY_BECOME_PASSWORD for a run",
      "-e[4]:1:1: ansible_become_pass: `ansible_become_pass` given with -e does nothing: the sudo password is read from the inventory's vars: `become_password` (in a vault file listed in `settings.vars_files`), or DEPLOY_BECOME_PASSWORD for a run",
    ]);
    expect(lines.join("\n")).not.toMatch(/hunter2|s3cret/);
    expect((await parse(["ansible_python_interpreter=/usr/bin/python3"])).lines).toEqual([
      "-e[1]:1:1: ansible_python_interpreter: `ansible_python_interpreter` given with -e does nothing: not needed: deploy runs no Python on targets (a POSIX shell and the OS's own tools)",
    ]);
  });

  it("the user's own vars, ansible_* ones deploy gives no meaning included, still load", async () => {
    const r = await parse(["user=admin port=2222 ansible_version=2.16 ansible_release=bookworm", '{"become": true}']);
    expect(r.lines).toEqual([]);
    expect(r.vars).toEqual({ user: "admin", port: 2222, ansible_version: "2.16", ansible_release: "bookworm", become: true });
  });
});
