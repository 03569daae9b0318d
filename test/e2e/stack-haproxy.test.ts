// The HAProxy role's day-2 operations on FRESH lab hosts of their own (bridge dlabstack5, 10.77.5.0/24;
// root, FAILS without it): certificates from the vault rotated, refused and removed, a drained server kept
// drained across reloads and restarts, and a reload HAProxy cannot carry out failing with its reason.
// Checked from this machine (TLS handshakes, requests through HAProxy) and with root shells on web-01.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import tls from "node:tls";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptVault } from "../../src/vault/cipher.js";
import { backendStatus, changes, deployOn, freshStackLab, mainPid, onStackHost, Site, type StackLab } from "./support/stack.js";

let lab: StackLab;
let site: Site;
let firstApply: Awaited<ReturnType<typeof deployOn>>;
const temp = mkdtempSync(join(tmpdir(), "deploy-stack-haproxy-"));

beforeAll(async () => {
  lab = await freshStackLab({ subnet: 5, bridge: "dlabstack5" });
  firstApply = await deployOn(lab, "apply");
  if (firstApply.code === 0) site = await Site.of(lab);
}, 600_000);

afterAll(() => {
  site?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** A certificate (and its key) for web-01's address, made on this machine. */
function certificate(name: string): { cert: string; key: string } {
  const cert = join(temp, `${name}.crt`);
  const key = join(temp, `${name}.key`);
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-addext", `subjectAltName=IP:${lab.address("web-01")}`, "-keyout", key, "-out", cert,
  ], { stdio: "ignore" });
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/** apply/plan with haproxy_tls_cert and haproxy_tls_key from a vault file (encrypted with the lab's password). */
async function withCertificate(mode: "apply" | "plan", cert: string, key: string, ...extra: string[]) {
  const indent = (pem: string) => pem.trim().split("\n").map((l) => `  ${l}`).join("\n");
  const vault = join(temp, "tls.yaml");
  const password = join(lab.dir, "vault/lab.password");
  writeFileSync(vault, encryptVault(`haproxy_tls_cert: |\n${indent(cert)}\nhaproxy_tls_key: |\n${indent(key)}\n`, readFileSync(password, "utf8").trim()));
  return deployOn(lab, mode, "-e", `@${vault}`, "--vault-password-file", password, ...extra);
}

/** The subject CN of the certificate HAProxy serves on 443. */
function servedCN(): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: lab.address("web-01"), port: 443, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on("error", reject);
  });
}

/** GET / through HAProxy, verifying its certificate against `ca`: the status, or the error. */
function statusTrusting(ca: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = https.get({ host: lab.address("web-01"), port: 443, path: "/", ca, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (error) => resolve(String(error)));
  });
}

const sitePem = "/etc/haproxy/certs/site.pem";
const sha = async (file: string) => (await onStackHost(lab, "web-01", `sha256sum ${file}`)).split(" ")[0];

describe("HAProxy day-2 operations", () => {
  it("the stack is deployed", () => {
    expect(firstApply.code, changes(firstApply.doc).join("\n")).toBe(0);
  });

  it("a certificate whose key is another's is refused before it replaces the live site.pem; HAProxy keeps serving, also after a restart", async () => {
    const one = certificate("haproxy-e2e-one");
    const two = certificate("haproxy-e2e-two");
    const good = await withCertificate("apply", one.cert, one.key);
    expect(good.code, changes(good.doc).join("\n")).toBe(0);
    expect(await servedCN()).toBe("haproxy-e2e-one");
    const before = await sha(sitePem);

    for (const attempt of [1, 2]) {
      // Refused on every run, not once and then "changed=0" over a file HAProxy cannot load.
      const bad = await withCertificate("apply", one.cert, two.key);
      expect(bad.code, `attempt ${attempt}`).toBe(2);
      const failed = bad.doc.tasks.filter((t) => t.status === "failed");
      expect(failed.map((t) => `${t.host}: ${t.task}`)).toEqual(["web-01: Certificate and key from the vault"]);
      expect(failed[0]!.summary).toMatch(/^validation failed, \/etc\/haproxy\/certs\/site\.pem left unchanged: the private key is not the certificate's \(haproxy_tls_key does not belong to haproxy_tls_cert\): certificate 'CN = haproxy-e2e-one'/);
      expect(JSON.stringify(bad.doc)).not.toContain(two.key.split("\n")[1]!);
      expect(await sha(sitePem)).toBe(before);
    }
    expect(await servedCN()).toBe("haproxy-e2e-one");
    await onStackHost(lab, "web-01", "systemctl restart haproxy");
    expect(await servedCN()).toBe("haproxy-e2e-one");
    expect(await statusTrusting(one.cert)).toBe(200);
  });

  it("with no certificate in the vault any more, plan says site.pem goes and apply removes it; the self-signed certificate is served", async () => {
    expect(await onStackHost(lab, "web-01", `test -f ${sitePem} && echo present`)).toBe("present\n");
    const plan = await deployOn(lab, "plan");
    const removal = plan.doc.tasks.find((t) => t.task === "No certificate and key from the vault left behind (none in the vault)");
    expect(removal).toMatchObject({ status: "changed", summary: `remove file ${sitePem}` });
    const applied = await deployOn(lab, "apply");
    expect(changes(applied.doc)).toEqual([
      "web-01: HAProxy configuration: changed",
      "web-01: No certificate and key from the vault left behind (none in the vault): changed",
      "web-01: handler reload haproxy: changed",
    ]);
    expect(await onStackHost(lab, "web-01", `test -e ${sitePem} && echo present || echo gone`)).toBe("gone\n");
    expect(await servedCN()).toBe(lab.address("web-01"));
    expect(changes((await deployOn(lab, "apply")).doc)).toEqual([]);
  });

  it("a drained server stays drained through a reload by apply, a restart and a stop and start", async () => {
    const drain = "/usr/local/lib/deploy/haproxy-server drain app web-02";
    expect(await onStackHost(lab, "web-01", drain)).toMatch(/drained/);
    try {
      const pid = await mainPid(lab, "web-01", "haproxy");
      const reloaded = await deployOn(lab, "apply", "-e", "haproxy_check_fall=3");
      expect(changes(reloaded.doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
      expect(await mainPid(lab, "web-01", "haproxy")).toBe(pid); // a reload, not a restart
      expect(await onStackHost(lab, "web-01", "grep -c 'fall 3' /etc/haproxy/haproxy.cfg")).toBe("1\n");
      expect((await backendStatus(lab))["web-02"]).toBe("DRAIN");
      expect(await site.servers(4)).toEqual(Array(4).fill("web-01"));

      // Drained again straight through the runtime API (nothing saved then): the stop saves it.
      await onStackHost(lab, "web-01", "/usr/local/lib/deploy/haproxy-server ready app web-02 && echo 'set server app/web-02 state drain' | socat stdio /run/haproxy/admin.sock");
      await onStackHost(lab, "web-01", "systemctl restart haproxy");
      expect((await backendStatus(lab))["web-02"]).toBe("DRAIN");
      await onStackHost(lab, "web-01", "systemctl stop haproxy && systemctl start haproxy");
      expect((await backendStatus(lab))["web-02"]).toBe("DRAIN");
      expect(await site.servers(4)).toEqual(Array(4).fill("web-01"));
    } finally {
      await onStackHost(lab, "web-01", "/usr/local/lib/deploy/haproxy-server ready app web-02");
    }
    expect(changes((await deployOn(lab, "apply")).doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
    expect(await site.servers(4)).toContain("web-02");
  });

  it("a configuration HAProxy accepts but cannot load (a port taken) fails the reload with HAProxy's reason; the old one keeps serving", async () => {
    // sshd holds port 22: `haproxy -c` passes, binding it fails, and `systemctl reload` alone exits 0.
    const broken = await deployOn(lab, "apply", "--limit", "web-01", "--tags", "haproxy", "-e", "haproxy_stats_port=22");
    expect(broken.code).toBe(2);
    const failed = broken.doc.tasks.filter((t) => t.status === "failed");
    expect(failed.map((t) => `${t.task}`)).toEqual(["reload haproxy"]);
    expect(failed[0]!.summary).toMatch(/cannot bind socket \(Address already in use\) for \[0\.0\.0\.0:22\]/);
    expect(failed[0]!.summary).toMatch(/haproxy-reload: HAProxy could not load \/etc\/haproxy\/haproxy\.cfg; it runs its previous configuration$/);
    expect((await site.request("/")).status).toBe(200);
    const back = await deployOn(lab, "apply");
    expect(back.code, changes(back.doc).join("\n")).toBe(0);
    expect(changes(back.doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
  });
});
