// roles/haproxy's helper scripts run on this machine's shell (they need only sh, openssl, awk; HAProxy's
// runtime API is a fake `socat` on PATH), and the role's files as a user would read them. The real
// HAProxy is in test/e2e/stack-haproxy.test.ts.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderTemplateFile } from "../../../src/template/ejs.js";

const role = path.resolve("roles/haproxy");
const temp = mkdtempSync(path.join(tmpdir(), "deploy-haproxy-role-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function run(script: string, args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync("sh", [path.join(role, "files", script), ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 20_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

function openssl(...args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

describe("haproxy-check-cert (the vault's certificate and key, before they replace the live site.pem)", () => {
  const pair = (n: number) => ({ cert: path.join(temp, `cert${n}.pem`), key: path.join(temp, `key${n}.pem`) });
  const staged = path.join(temp, ".deploy.Ab12Cd34");
  const check = (...parts: string[]) => {
    writeFileSync(staged, parts.map((p) => readFileSync(p, "utf8")).join(""));
    // Not HAProxy's verdict here (it may not be installed): the e2e test has it.
    return run("haproxy-check-cert", [staged, "/etc/haproxy/certs/site.pem"], { PATH: "/usr/bin:/bin" });
  };

  beforeAll(() => {
    for (const n of [1, 2]) {
      const { cert, key } = pair(n);
      openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", `/CN=unit-cert${n}`, "-keyout", key, "-out", cert);
    }
    openssl("pkey", "-in", pair(1).key, "-aes256", "-passout", "pass:secret", "-out", path.join(temp, "locked.pem"));
  });

  it("accepts a certificate followed by its own key", () => {
    expect(check(pair(1).cert, pair(1).key)).toEqual({ code: 0, out: "" });
  });

  it("refuses the key of another certificate, naming the live file and the certificate, never the key", () => {
    const r = check(pair(1).cert, pair(2).key);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^the private key is not the certificate's \(haproxy_tls_key does not belong to haproxy_tls_cert\): certificate 'CN = unit-cert1' has public key sha256 [0-9a-f]{16}\.\.\., the key's is [0-9a-f]{16}\.\.\.\n$/);
    const keyBody = readFileSync(pair(2).key, "utf8").split("\n")[1]!;
    expect(r.out).not.toContain(keyBody);
    expect(r.out).not.toContain(".deploy.");
  });

  it("refuses a file without a key, without a certificate, or with a key under a passphrase (without waiting for one)", () => {
    expect(check(pair(1).cert)).toMatchObject({ code: 1, out: expect.stringMatching(/^no usable private key in the file/) });
    expect(check(pair(1).key)).toMatchObject({ code: 1, out: expect.stringMatching(/^no certificate in the file/) });
    const locked = check(pair(1).cert, path.join(temp, "locked.pem"));
    expect(locked).toMatchObject({ code: 1, out: expect.stringMatching(/^no usable private key in the file \(haproxy_tls_key must be a PEM private key without a passphrase\)/) });
    expect(locked.out).toContain("/etc/haproxy/certs/site.pem");
    expect(locked.out).not.toContain(".deploy.");
  });
});

describe("haproxy-server save (each server's state, for HAProxy to load at its next start or reload)", () => {
  const bin = path.join(temp, "bin");
  const stateFile = path.join(temp, "server-state");
  const cfg = path.join(temp, "haproxy.cfg");
  const sock = path.join(temp, "admin.sock");
  const dump = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state\n3 app 2 web-02 10.0.0.12 2 8\n\n";
  let server: net.Server;

  beforeAll(async () => {
    mkdirSync(bin, { recursive: true });
    // The runtime API as socat reaches it: the command it was sent goes to a log, the answer is canned.
    writeFileSync(path.join(bin, "socat"), `#!/bin/sh\ncat >> "${temp}/sent"\n[ -n "\${FAKE_SOCAT_FAIL:-}" ] && { echo "socat: connection refused" >&2; exit 1; }\nprintf '%s' "\${FAKE_ANSWER:-}"\n`);
    chmodSync(path.join(bin, "socat"), 0o755);
    writeFileSync(cfg, `global\n    stats socket ${sock} mode 660 level admin\n    server-state-file ${stateFile}\n`);
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
  });
  afterAll(() => server?.close());

  const save = (env: Record<string, string> = {}) => run("haproxy-server", ["save"], { PATH: `${bin}:/usr/bin:/bin`, HAPROXY_CONFIG: cfg, ...env });

  it("writes HAProxy's `show servers state` to the server-state-file haproxy.cfg names, through the socket it names", () => {
    rmSync(path.join(temp, "sent"), { force: true });
    expect(save({ FAKE_ANSWER: dump })).toEqual({ code: 0, out: "" });
    expect(readFileSync(stateFile, "utf8")).toBe(dump);
    expect(readFileSync(path.join(temp, "sent"), "utf8")).toBe("show servers state\n");
  });

  it("keeps the last good file when the dump fails or is not one", () => {
    writeFileSync(stateFile, dump);
    expect(save({ FAKE_SOCAT_FAIL: "1" })).toMatchObject({ code: 1, out: expect.stringContaining(`could not save the servers' state to ${stateFile} through ${sock}`) });
    expect(save({ FAKE_ANSWER: "Unknown command\n" })).toMatchObject({ code: 1 });
    expect(readFileSync(stateFile, "utf8")).toBe(dump);
  });

  it("says apart (3) a HAProxy without the runtime API, and does nothing when haproxy.cfg keeps no state", () => {
    expect(save({ HAPROXY_SOCKET: path.join(temp, "nowhere.sock") })).toMatchObject({ code: 3, out: expect.stringContaining("no runtime API at") });
    const plain = path.join(temp, "plain.cfg");
    writeFileSync(plain, "global\n    maxconn 10\n");
    rmSync(stateFile);
    expect(save({ HAPROXY_CONFIG: plain, FAKE_ANSWER: dump })).toEqual({ code: 0, out: "" });
    expect(existsSync(stateFile)).toBe(false);
  });
});

describe("the role's files", () => {
  const tasks = parse(readFileSync(path.join(role, "tasks/main.yaml"), "utf8")) as Array<Record<string, unknown> & { name: string }>;
  const at = (name: string) => tasks.findIndex((t) => t.name === name);

  it("haproxy.cfg loads each server's state from the file haproxy-server saves", async () => {
    const rendered = await renderTemplateFile(path.join(role, "templates/haproxy.cfg.ejs"), {
      ...parse(readFileSync(path.join(role, "defaults/main.yaml"), "utf8")),
      haproxy_stats_password: "x",
      vars: {},
      groups: { app: ["web-01"] },
      hosts: { "web-01": { address: "10.0.0.11" } },
    });
    const section = (name: string) => rendered.split(/\n(?=\S)/).find((s) => s.startsWith(name)) ?? "";
    expect(section("global")).toMatch(/^ {4}server-state-file \/var\/lib\/haproxy\/server-state$/m);
    expect(section("defaults")).toMatch(/^ {4}load-server-state-from-file global$/m);
  });

  it("the certificate from the vault is checked as a pair by haproxy-check-cert, installed before it", () => {
    expect(tasks[at("Certificate and key from the vault")]).toMatchObject({ copy: { validate: "/usr/local/lib/deploy/haproxy-check-cert %s {{ haproxy_cert_dir }}/site.pem" } });
    expect(at("HAProxy helpers (drain and re-enable servers, check a certificate, reload)")).toBeLessThan(at("Certificate and key from the vault"));
  });

  it("without a certificate in the vault, site.pem is removed once the configuration no longer names it; the self-signed one is another file", () => {
    const removal = at("No certificate and key from the vault left behind (none in the vault)");
    expect(removal).toBeGreaterThan(at("HAProxy configuration"));
    expect(tasks[removal]).toMatchObject({ file: { path: "{{ haproxy_cert_dir }}/site.pem", state: "absent" }, when: "!('haproxy_tls_cert' in vars)" });
    expect(JSON.stringify(tasks[at("Self-signed certificate for this host (no certificate in the vault)")])).not.toContain("site.pem");
  });

  it("the reload handler is haproxy-reload (saves the servers' state, says why a reload fails)", () => {
    const handlers = parse(readFileSync(path.join(role, "handlers/main.yaml"), "utf8")) as unknown[];
    expect(handlers).toEqual([{ name: "reload haproxy", command: { argv: ["/usr/local/lib/deploy/haproxy-reload"] } }]);
  });
});
