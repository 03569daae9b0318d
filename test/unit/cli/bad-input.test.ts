// Bad input sweep (issue 6 item 7): every command fed malformed inventories, playbooks, vault files and -e
// values (truncated, wrong types, huge, binary, path traversal) answers with a located error, exit 1, no
// stack trace, and touches no host. The inventory's host is a TCP listener of this test on loopback that
// records every connection: a command that connected anywhere would show there.
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { encryptVault } from "../../../src/vault/cipher.js";

let server: Server;
let port = 0;
const connections: string[] = [];
/** A real key, so that nothing but the malformed input stands between a command and the host. */
let keyFile = "";

beforeAll(async () => {
  const keyDir = mkdtempSync(path.join(tmpdir(), "deploy-bad-input-key-"));
  keyFile = path.join(keyDir, "id_ed25519");
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
  server = createServer((socket) => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort}`);
    socket.destroy();
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.close();
});

type Files = Record<string, string | Buffer | null>;

/** A valid project whose only host is the listener; `over` replaces files (null deletes one). */
function project(over: Files = {}): string {
  const files: Files = {
    "inventory/hosts.yaml": `hosts:\n  h1: { address: 127.0.0.1, port: ${port}, user: nobody, identity_file: ${keyFile} }\n`,
    "playbooks/site.yaml": [
      "- name: web",
      "  hosts: all",
      "  roles: [web]",
      "  tasks:",
      "    - name: hello",
      "      command: echo hello",
      "",
    ].join("\n"),
    "roles/web/tasks/main.yaml": [
      "- name: page",
      "  template: { src: page.ejs, dest: /tmp/page }",
      "- name: file",
      "  copy: { src: f.txt, dest: /tmp/f }",
      "",
    ].join("\n"),
    "roles/web/templates/page.ejs": "hello <%- host.name %>\n",
    "roles/web/files/f.txt": "f\n",
    ...over,
  };
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-bad-input-"));
  for (const [rel, content] of Object.entries(files)) {
    if (content === null) continue;
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

interface Outcome {
  code: number;
  out: string[];
  err: string[];
}

async function deploy(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    out: (l) => out.push(...l.split("\n")),
    err: (l) => err.push(...l.split("\n")),
    isTTY: false,
    cwd,
    env: { PATH: process.env["PATH"], HOME: cwd, DEPLOY_LAB_STATE_DIR: path.join(cwd, "lab-state"), ...env },
  };
  return { code: await main(args, io), out, err };
}

/** Refused the way a user should see it: exit 1, a located line naming `file` (when given), no stack. */
function expectRefused(r: Outcome, located: RegExp | undefined, label: string): void {
  const text = [...r.out, ...r.err].join("\n");
  const context = `${label}\n${text.slice(0, 3000)}`;
  expect(r.code, context).toBe(1);
  expect(text, context).not.toMatch(/^\s+at .*(\(|\/).*:\d+:\d+\)?$/m);
  expect(text, context).not.toMatch(/\b(TypeError|RangeError|SyntaxError|ReferenceError)\b/);
  if (located) expect(r.err.some((l) => located.test(l)), context).toBe(true);
  expect(connections, context).toEqual([]);
}

const HUGE_BYTES = 20 * 1024 * 1024;

// Paths are given absolute: `deploy lab` resolves its inventory against the process's directory.
const COMMANDS_ON_INVENTORY = (inv: string): string[][] => [
  ["validate", inv],
  ["plan", inv],
  ["apply", inv],
  ["inventory", inv],
  ["inventory", inv, "--host", "h1"],
  ["ping", inv],
  ["lab", "status", inv],
];

describe("the listener", () => {
  it("records a connection when a command does connect (so an empty record means none was made)", async () => {
    const dir = project();
    const r = await deploy(dir, ["ping", path.join(dir, "inventory/hosts.yaml"), "--timeout", "2"]);
    expect(r.code).toBe(4);
    expect(connections.length).toBeGreaterThan(0);
    connections.length = 0;
  });
});

describe("malformed inventories", () => {
  const inv = "inventory/hosts.yaml";
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ["truncated", `hosts:\n  h1: { address: 127.0.0.1, port: `, /^inventory\/hosts\.yaml:\d+:\d+: /],
    ["a port of the wrong type", `hosts:\n  h1: { address: 127.0.0.1, port: "22x" }\n`, /^inventory\/hosts\.yaml:2:\d+: hosts\.h1\.port: /],
    ["hosts as a list", `hosts: [h1, h2]\n`, /^inventory\/hosts\.yaml:1:\d+: hosts: /],
    ["a host without an address", `hosts:\n  h1: { port: 22 }\n`, /^inventory\/hosts\.yaml:2:\d+: hosts\.h1/],
    ["binary", Buffer.from([0x68, 0x6f, 0x73, 0x74, 0x73, 0x3a, 0x00, 0xff, 0xfe, 0x01, 0x02]), /^inventory\/hosts\.yaml:1:\d+: /],
    ["20 MB with a mistake after it", `vars:\n  blob: "${"x".repeat(HUGE_BYTES)}"\nhosts:\n  h1: { address: 127.0.0.1, port: x }\n`, /^inventory\/hosts\.yaml:4:\d+: hosts\.h1\.port: /],
    ["vars_files pointing at /etc/passwd through ..", `settings:\n  vars_files: [../../../../../../../../etc/passwd]\nhosts:\n  h1: { address: 127.0.0.1 }\n`, /^(inventory\/hosts\.yaml|\/etc\/passwd):\d+:\d+: /],
    ["a group of the wrong type", `hosts:\n  h1: { address: 127.0.0.1 }\ngroups:\n  web: 5\n`, /^inventory\/hosts\.yaml:4:\d+: groups\.web: /],
  ];
  for (const [label, content, located] of cases) {
    it(`${label}: every command refuses it`, async () => {
      const dir = project({ [inv]: content });
      for (const args of COMMANDS_ON_INVENTORY(path.join(dir, inv))) expectRefused(await deploy(dir, args), located, `${label}: deploy ${args.join(" ")}`);
      rmSync(dir, { recursive: true, force: true });
    });
  }

  it("a list of a million elements, then a mistake: located (yaml needs ~5 s per parse, so two commands)", async () => {
    const dir = project({ [inv]: `vars:\n  big: [${"0,".repeat(1_000_000)}0]\nhosts:\n  h1: { address: 127.0.0.1, port: x }\n` });
    for (const args of [["validate", path.join(dir, inv)], ["apply", path.join(dir, inv)]]) {
      expectRefused(await deploy(dir, args), /^inventory\/hosts\.yaml:4:\d+: hosts\.h1\.port: /, `million: deploy ${args.join(" ")}`);
    }
  }, 120_000);
});

const COMMANDS_ON_PLAYBOOK = (dir: string, extra: string[] = []): string[][] => {
  const inv = path.join(dir, "inventory/hosts.yaml");
  const book = path.join(dir, "playbooks/site.yaml");
  return [
    ["validate", inv, book, ...extra],
    ["plan", inv, book, ...extra],
    ["apply", inv, book, ...extra],
  ];
};

describe("malformed playbooks and roles", () => {
  const book = "playbooks/site.yaml";
  const tasks = "roles/web/tasks/main.yaml";
  const cases: Array<[string, Files, RegExp]> = [
    ["a truncated playbook", { [book]: "- name: web\n  hosts: all\n  tasks:\n    - name: x\n      command: {" }, /^playbooks\/site\.yaml:\d+:\d+: /],
    ["a play that is a string", { [book]: "- just a string\n" }, /^playbooks\/site\.yaml:1:3: \[0\]: /],
    ["hosts of the wrong type", { [book]: "- name: web\n  hosts: 5\n  tasks: []\n" }, /^playbooks\/site\.yaml:2:10: \[0\]\.hosts: /],
    ["tasks as a map", { [book]: "- name: web\n  hosts: all\n  tasks: { a: 1 }\n" }, /^playbooks\/site\.yaml:3:\d+: \[0\]\.tasks: /],
    ["a mode as a number", { [tasks]: "- file: { path: /tmp/x, mode: 0644 }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.file\.mode: /],
    ["a module parameter of the wrong type", { [tasks]: "- file: { path: [1, 2] }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.file\.path: /],
    ["two modules in one task", { [tasks]: "- file: { path: /tmp/x }\n  copy: { dest: /tmp/y, content: y }\n" }, /^roles\/web\/tasks\/main\.yaml:\d+:\d+: \[0\]/],
    ["a binary playbook", { [book]: Buffer.from([0x2d, 0x20, 0x00, 0x9f, 0x92, 0x96, 0xff]) }, /^playbooks\/site\.yaml:1:\d+: /],
    ["a binary task file", { [tasks]: Buffer.concat([Buffer.from("- name: x\n"), Buffer.alloc(64, 0)]) }, /^roles\/web\/tasks\/main\.yaml:2:\d+: /],
    [
      "a 20 MB playbook with a mistake after the bulk",
      { [book]: `- name: web\n  hosts: all\n  vars: { blob: "${"x".repeat(HUGE_BYTES)}" }\n  tasks:\n    - name: x\n      command: echo\n      loop: 5\n` },
      /^playbooks\/site\.yaml:7:\d+: \[0\]\.tasks\[0\]\.loop: /,
    ],
    ["../../etc/passwd as a role name", { [book]: "- name: web\n  hosts: all\n  roles: [../../etc/passwd]\n" }, /^playbooks\/site\.yaml:3:11: \[0\]\.roles\[0\]: role name `\.\.\/\.\.\/etc\/passwd` is not valid/],
    ["an absolute role name", { [book]: "- name: web\n  hosts: all\n  roles: [{ role: /etc }]\n" }, /^playbooks\/site\.yaml:3:\d+: \[0\]\.roles\[0\]/],
    ["a role that does not exist", { [book]: "- name: web\n  hosts: all\n  roles: [nope]\n" }, /^playbooks\/site\.yaml:3:11: \[0\]\.roles\[0\]: /],
    ["a template src climbing out", { [tasks]: "- template: { src: ../../../../etc/passwd, dest: /tmp/x }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.template\.src: `\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd` must be a path inside roles\/web\/templates\//],
    ["an absolute template src", { [tasks]: "- template: { src: /etc/passwd, dest: /tmp/x }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.template\.src: /],
    ["a copy src climbing out", { [tasks]: "- copy: { src: ../../../../etc/passwd, dest: /tmp/x }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.copy\.src: `\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd` must be a path inside roles\/web\/files\//],
    ["a copy src of a directory climbing out", { [tasks]: "- copy: { src: ../.., dest: /tmp/x }\n" }, /^roles\/web\/tasks\/main\.yaml:1:\d+: \[0\]\.copy\.src: /],
    ["a notify naming no handler", { [tasks]: "- command: echo\n  notify: [nobody]\n" }, /^roles\/web\/tasks\/main\.yaml:2:\d+: \[0\]\.notify: /],
  ];
  for (const [label, over, located] of cases) {
    it(`${label}: validate, plan and apply refuse it`, async () => {
      const dir = project(over);
      for (const args of COMMANDS_ON_PLAYBOOK(dir)) expectRefused(await deploy(dir, args), located, `${label}: deploy ${args.join(" ")}`);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe("malformed vault files", () => {
  const PASSWORD = { DEPLOY_VAULT_PASSWORD: "lab-only-password" };

  /**
   * A project whose inventory reads vault/secrets.yaml: `plain` encrypted (by the cipher directly, since
   * `deploy vault encrypt` refuses text that is not a vars map), then `damage` applied to it.
   */
  function vaultProject(plain: string, damage: (text: string) => string | Buffer): string {
    const encrypted = encryptVault(plain, PASSWORD.DEPLOY_VAULT_PASSWORD, { N: 1 << 10, r: 8, p: 1 });
    return project({
      "inventory/hosts.yaml": `settings:\n  vars_files: [../vault/secrets.yaml]\nhosts:\n  h1: { address: 127.0.0.1, port: ${port}, user: nobody, identity_file: ${keyFile} }\n`,
      "vault/secrets.yaml": damage(encrypted),
    });
  }

  const flipMiddle = (text: string): string => {
    const at = Math.floor(text.length * 0.6);
    return text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
  };
  const AUTH = /^(deploy vault: .*vault\/secrets\.yaml: (wrong vault password, or the vault file was modified \(the password came from DEPLOY_VAULT_PASSWORD\)|vault file is truncated)|inventory\/hosts\.yaml:2:\d+: settings\.vars_files(\[0\])?: vars file \.\.\/vault\/secrets\.yaml: .+)$/;
  const cases: Array<[string, string, (text: string) => string | Buffer, NodeJS.ProcessEnv, RegExp]> = [
    ["truncated", "db_password: hunter2\n", (t) => t.slice(0, Math.floor(t.length * 0.7)), PASSWORD, AUTH],
    ["tampered (one character changed)", "db_password: hunter2\n", flipMiddle, PASSWORD, AUTH],
    ["binary after a vault header", "db_password: hunter2\n", (t) => Buffer.concat([Buffer.from(t.split("\n")[0] + "\n"), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x00])]), PASSWORD, AUTH],
    ["opened with the wrong password", "db_password: hunter2\n", (t) => t, { DEPLOY_VAULT_PASSWORD: "not-the-password" }, AUTH],
    // Decrypts fine, but the YAML inside is broken: the error points into the decrypted text. (`deploy lab`
    // reads the password from the process environment, not the command's, so it stops one step earlier.)
    ["holding truncated YAML", "db_password: [hunter2\nother: 1\n", (t) => t, PASSWORD, /^(vault\/secrets\.yaml:\d+:\d+: |inventory\/hosts\.yaml:2:\d+: settings\.vars_files)/],
    ["holding a list instead of a map", "- a\n- b\n", (t) => t, PASSWORD, /^(vault\/secrets\.yaml:1:1: .*must be a map|inventory\/hosts\.yaml:2:\d+: settings\.vars_files)/],
  ];
  for (const [label, plain, damage, env, located] of cases) {
    it(`${label}: the vault commands and every command reading it refuse it`, async () => {
      const dir = vaultProject(plain, damage);
      const file = path.join(dir, "vault/secrets.yaml");
      const vaultCommands = located === AUTH ? [["vault", "view", file], ["vault", "decrypt", file], ["vault", "rekey", file], ["vault", "edit", file]] : [];
      for (const args of [...vaultCommands, ...COMMANDS_ON_INVENTORY(path.join(dir, "inventory/hosts.yaml"))]) {
        const r = await deploy(dir, args, { ...env, DEPLOY_VAULT_NEW_PASSWORD: "new", EDITOR: "true", VISUAL: "true" });
        expectRefused(r, located, `vault ${label}: deploy ${args.join(" ")}`);
        expect(r.err.join("\n")).not.toContain("hunter2");
      }
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe("malformed -e values", () => {
  const cases: Array<[string, string, Files, RegExp]> = [
    ["truncated JSON", '{"a": ', {}, /^-e\[1\]:1:\d+: not a valid JSON\/YAML map/],
    ["a list instead of a map", '{"a": 1, "b": [1, 2}', {}, /^-e\[1\]:1:\d+: /],
    ["no key", "=x", {}, /^-e\[1\]:1:1: expected key=value, @file\.yaml or a JSON map/],
    ["a bad var name", "1abc=2", {}, /^-e\[1\]:1:1: 1abc: /],
    ["a reserved name", "host=evil", {}, /^-e\[1\]:1:1: host: `host` is a reserved name/],
    ["a broken expression", "greeting={{ 1 + }}", {}, /^-e\[1\]:1:1: greeting: invalid expression `1 \+`: /],
    ["a {{ without its }} in a map", '{"a": "x {{ y"}', {}, /^-e\[1\]:1:1: a: `\{\{` without its closing `\}\}` in `x \{\{ y`$/],
    ["a reserved name in a map", '{"vars": {"a": 1}}', {}, /^-e\[1\]:1:1: vars: /],
    ["a missing file", "@nowhere.yaml", {}, /^-e\[1\]:1:1: vars file nowhere\.yaml: file not found$/],
    ["an @ without a file", "@", {}, /^-e\[1\]:1:1: `@` needs a file name: -e @vars\.yaml$/],
    ["/etc/passwd through ..", "@../../../../../../../../etc/passwd", {}, /^(-e\[1\]|\/etc\/passwd):1:1: /],
    ["a binary file", "@blob.bin", { "blob.bin": Buffer.from([0x61, 0x3a, 0x20, 0x00, 0xff, 0xfe]) }, /^blob\.bin:1:\d+: /],
    ["a 20 MB file with a mistake after the bulk", "@big.yaml", { "big.yaml": `blob: "${"x".repeat(HUGE_BYTES)}"\nhost: 1\n` }, /^big\.yaml:2:1: host: /],
    ["a truncated file", "@cut.yaml", { "cut.yaml": "a: [1, 2\nb: {" }, /^cut\.yaml:\d+:\d+: /],
  ];
  for (const [label, value, over, located] of cases) {
    it(`${label}: validate, plan and apply refuse it`, async () => {
      const dir = project(over);
      for (const args of COMMANDS_ON_PLAYBOOK(dir, ["-e", value])) expectRefused(await deploy(dir, args), located, `-e ${label}: deploy ${args.join(" ")}`);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});

describe("mistyped options", () => {
  it("name the option and the one meant, instead of Node's advice about `--`; a tag no task has is refused", async () => {
    const dir = project();
    const inv = path.join(dir, "inventory/hosts.yaml");
    const cases: Array<[string[], string]> = [
      [["plan", inv, "--limt", "h1"], "deploy plan: unknown option --limt, did you mean `--limit`?"],
      [["apply", inv, "--limit-hosts", "h1"], "deploy apply: unknown option --limit-hosts, did you mean `--limit`?"],
      [["validate", inv, "--vault-pasword-file", "f"], "deploy validate: unknown option --vault-pasword-file, did you mean `--vault-password-file`?"],
      [["plan", inv, "-z"], "deploy plan: unknown option -z"],
      [["plan", inv, "--tags", "nginx"], "deploy plan: no task has the tag 'nginx' (the playbook has no tags)"],
      [["apply", inv, "--skip-tags", "helo"], "deploy apply: no task has the tag 'helo' (the playbook has no tags)"],
    ];
    for (const [args, message] of cases) {
      const r = await deploy(dir, args);
      expect(r.code).toBe(1);
      expect(r.err[0]).toBe(message);
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("after the whole sweep", () => {
  it("no command connected to the host", () => {
    expect(connections).toEqual([]);
  });
});
