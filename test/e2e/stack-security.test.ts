// The reference stack's security and safety (issue 6) on FRESH lab hosts of its own (bridge dlabstack5,
// 10.77.5.0/24; root, FAILS without it), deployed by the unprivileged `deploy` user through sudo:
// the firewall, HTTPS at HAProxy, configs validated before they replace live ones, and a rolling update
// under load. Checked from this machine like an outsider would, plus root shells for what only the hosts
// can show.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadInventory, readInventory } from "../../src/config/inventory.js";
import { Problems } from "../../src/config/problems.js";
import { encryptVault } from "../../src/vault/cipher.js";
import { alternates, changes, deployOn, freshStackLab, mainPid, onStackHost, plainHttp, Site, tcpOpens, type StackLab } from "./support/stack.js";

let lab: StackLab;
let site: Site;
let firstApply: Awaited<ReturnType<typeof deployOn>>;
const temp = mkdtempSync(join(tmpdir(), "deploy-stack-security-"));

beforeAll(async () => {
  lab = await freshStackLab({ subnet: 5, bridge: "dlabstack5" });
  firstApply = await deployOn(lab, "apply");
  if (firstApply.code === 0) site = await Site.of(lab);
}, 600_000);

afterAll(() => {
  site?.close();
  rmSync(temp, { recursive: true, force: true });
});

/** Can `from` open a TCP connection to `host`:`port` (inside the lab, through the firewalls)? */
async function reaches(from: string, host: string, port: number): Promise<boolean> {
  const out = await onStackHost(lab, from, `timeout 1 bash -c 'exec 3<>/dev/tcp/${lab.address(host)}/${port}' 2>/dev/null && echo open || echo closed`);
  return out.trim() === "open";
}

function run(command: string, args: string[], stdin = ""): Promise<{ code: number | null; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => resolvePromise({ code, out }));
    child.stdin.end(stdin);
  });
}

/** A TLS handshake with the load balancer from this machine (openssl s_client). */
async function handshake(...args: string[]): Promise<{ ok: boolean; protocol: string; cipher: string; subject: string }> {
  const { out } = await run("openssl", ["s_client", "-connect", `${lab.address("web-01")}:443`, ...args]);
  // OpenSSL 3 prints "New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256" (or "New, (NONE), Cipher is (NONE)").
  const [, protocol = "", cipher = ""] = /New, (\S+), Cipher is (\S+)/.exec(out) ?? [];
  return {
    ok: cipher !== "" && cipher !== "(NONE)",
    protocol,
    cipher,
    subject: /^subject=(.*)$/m.exec(out)?.[1] ?? "",
  };
}

const sha = async (host: string, file: string) => (await onStackHost(lab, host, `sha256sum ${file}`)).split(" ")[0];

describe("deployed by an unprivileged user", () => {
  it("every host is reached as `deploy` (not root) and changed through sudo", async () => {
    expect(firstApply.code, changes(firstApply.doc).join("\n")).toBe(0);
    const inventory = await loadInventory(lab.inventory);
    for (const host of inventory.hosts.values()) {
      expect([host.name, host.user, host.become]).toEqual([host.name, "deploy", true]);
      expect(await onStackHost(lab, host.name, "id -u deploy")).not.toBe("0\n");
      expect(await onStackHost(lab, host.name, "journalctl -u ssh --no-pager -o cat | grep -c 'Accepted publickey for deploy'")).not.toBe("0\n");
    }
  });

  it("no vault value reaches a host's log: sudo logs every command line, and none holds a secret", async () => {
    const loaded = await readInventory(lab.inventory, new Problems());
    // Each line of each secret (the TLS key is many lines): the log would hold any of them on its own.
    const secrets = [...(loaded?.secrets ?? [])].flatMap((s) => s.split("\n")).filter((l) => l.trim().length >= 8);
    expect(secrets.length).toBeGreaterThan(3);
    for (const host of (await loadInventory(lab.inventory)).hosts.keys()) {
      const journal = await onStackHost(lab, host, "journalctl --no-pager -o cat");
      expect(journal).toContain("COMMAND=");
      expect(secrets.filter((s) => journal.includes(s)), host).toEqual([]);
    }
  });
});

describe("firewall (nftables)", () => {
  it("from this machine: MySQL on db-01 and the app port on web-02 are closed; SSH and the site are open", async () => {
    expect(await tcpOpens(lab.address("db-01"), 3306)).toBe(false);
    expect(await tcpOpens(lab.address("web-02"), 8080)).toBe(false);
    expect(await tcpOpens(lab.address("web-01"), 8080)).toBe(false);
    expect(await tcpOpens(lab.address("web-02"), 3306)).toBe(false);
    expect(await tcpOpens(lab.address("db-01"), 22)).toBe(true);
    expect(await tcpOpens(lab.address("web-01"), 443)).toBe(true);
    expect(await onStackHost(lab, "db-01", "nft list chain inet deploy_firewall input")).toMatch(/policy drop;/);
  });

  it("inside: the load balancer reaches the app ports, the app servers and the replica reach MySQL, nobody else", async () => {
    expect(await reaches("web-01", "web-02", 8080)).toBe(true);
    expect(await reaches("db-01", "web-02", 8080)).toBe(false);
    expect(await reaches("web-01", "db-01", 3306)).toBe(true);
    expect(await reaches("web-02", "db-01", 3306)).toBe(true);
    expect(await reaches("db-01", "web-02", 3306)).toBe(false);
  });

  it("the site through HAProxy still works, and replication still works", async () => {
    expect(alternates(await site.servers(4))).toBe(true);
    const text = `firewalled ${Date.now()}`;
    expect(await site.request("/notes", { method: "POST", body: JSON.stringify({ text }) })).toMatchObject({ status: 201, body: { db: "db-01" } });
    await expect.poll(async () => JSON.stringify((await site.request("/notes")).body), { timeout: 5000 }).toContain(text);
    expect(await onStackHost(lab, "web-02", "mariadb -e 'SHOW REPLICA STATUS\\G'")).toMatch(/Slave_IO_Running: Yes[\s\S]*Slave_SQL_Running: Yes/);
  });

  it("new rules are loaded in the middle of a run without cutting its SSH sessions; flushed rules are restored", async () => {
    const wider = await deployOn(lab, "apply", "-e", `admin_networks=["10.77.5.0/24", "192.0.2.0/24"]`);
    expect(wider.code).toBe(0);
    expect(changes(wider.doc).filter((c) => c.includes("Load the new rules now"))).toHaveLength(3);
    // Every later task of the run (on the same connections) still ran.
    expect(wider.doc.recap["web-01"]).toMatchObject({ failed: 0, unreachable: 0, ok: expect.any(Number) });
    expect(await onStackHost(lab, "web-01", "nft list chain inet deploy_firewall input")).toContain("192.0.2.0/24");
    const narrower = await deployOn(lab, "apply");
    expect(narrower.code, changes(narrower.doc).join("\n")).toBe(0);

    await onStackHost(lab, "db-01", "nft delete table inet deploy_firewall");
    expect(await tcpOpens(lab.address("db-01"), 3306)).toBe(true);
    const restored = await deployOn(lab, "apply");
    expect(changes(restored.doc)).toEqual(["db-01: The rules are live: changed"]);
    expect(await tcpOpens(lab.address("db-01"), 3306)).toBe(false);
  });
});

describe("HTTPS at HAProxy", () => {
  it("plain HTTP redirects to HTTPS; HTTPS answers with HSTS and a certificate valid for the address", async () => {
    expect(await plainHttp(`http://${lab.address("web-01")}/notes`)).toEqual({ status: 301, location: `https://${lab.address("web-01")}/notes` });
    const answer = await site.request("/"); // verifies the certificate against the self-signed one
    expect(answer.status).toBe(200);
    expect(answer.headers["strict-transport-security"]).toBe("max-age=63072000");
  });

  it("TLS 1.2 and 1.3 with forward-secret AEAD ciphers only", async () => {
    expect(await handshake("-tls1_3")).toMatchObject({ ok: true, protocol: "TLSv1.3" });
    const tls12 = await handshake("-tls1_2");
    expect(tls12).toMatchObject({ ok: true, protocol: "TLSv1.2" });
    expect(tls12.cipher).toMatch(/^ECDHE-.*(GCM|CHACHA20)/);
    expect((await handshake("-tls1_1")).ok).toBe(false);
    expect((await handshake("-tls1_2", "-cipher", "AES128-SHA")).ok).toBe(false); // no forward secrecy, CBC
  });

  it("a certificate from a vault file replaces the self-signed one, and never shows in the output", async () => {
    const key = join(temp, "key.pem");
    const cert = join(temp, "cert.pem");
    const made = await run("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
      "-subj", "/CN=deploy-e2e-vault-cert", "-addext", `subjectAltName=IP:${lab.address("web-01")}`, "-keyout", key, "-out", cert,
    ]);
    expect(made.code, made.out).toBe(0);
    const indent = (pem: string) => pem.trim().split("\n").map((l) => `  ${l}`).join("\n");
    const vars = `haproxy_tls_cert: |\n${indent(readFileSync(cert, "utf8"))}\nhaproxy_tls_key: |\n${indent(readFileSync(key, "utf8"))}\n`;
    const vault = join(temp, "tls.yaml");
    // One vault password per run: the -e file is encrypted with the lab's (vault/lab.password).
    writeFileSync(vault, encryptVault(vars, readFileSync(join(lab.dir, "vault/lab.password"), "utf8").trim()));
    const applied = await deployOn(lab, "apply", "-e", `@${vault}`, "--vault-password-file", join(lab.dir, "vault/lab.password"));
    expect(applied.code, changes(applied.doc).join("\n")).toBe(0);
    expect(changes(applied.doc)).toEqual([
      "web-01: Certificate and key from the vault: changed",
      "web-01: HAProxy configuration: changed",
      "web-01: handler reload haproxy: changed",
    ]);
    expect((await handshake()).subject).toContain("CN = deploy-e2e-vault-cert");
    const keyBody = readFileSync(key, "utf8").split("\n")[1]!;
    expect(JSON.stringify(applied.doc)).not.toContain(keyBody);

    const back = await deployOn(lab, "apply"); // no certificate in the vault: the self-signed one again
    expect(changes(back.doc)).toEqual([
      "web-01: HAProxy configuration: changed",
      "web-01: No certificate and key from the vault left behind (none in the vault): changed",
      "web-01: handler reload haproxy: changed",
    ]);
    expect((await handshake()).subject).toContain(`CN = ${lab.address("web-01")}`);
  });
});

describe("every config is validated before it replaces the live one", () => {
  // One bad value per template; the task fails with the checker's message, the live file stays as it
  // was, and the service keeps answering with its old config.
  const cases = [
    { what: "HAProxy", host: "web-01", e: "haproxy_timeout_client=forever", task: "HAProxy configuration", file: "/etc/haproxy/haproxy.cfg", says: /unexpected character 'f' in 'timeout client'/ },
    { what: "Nginx", host: "web-02", e: "nginx_client_max_body_size=lots", task: "Nginx site in front of the app", file: "/etc/nginx/conf.d/notes-app.conf", says: /"client_max_body_size" directive invalid value in \/etc\/nginx\/conf\.d\/notes-app\.conf/ },
    { what: "the app's config", host: "web-02", e: "app_port=high", task: "App config (database hosts and credentials; readable by the app's group only)", file: "/etc/notes-app/config.json", says: /port: expected a port number \(1-65535\), got "high"/ },
    { what: "the app's systemd unit", host: "web-02", e: "app_restart_sec=soon", task: "Systemd unit of the app (restart on failure, sandboxed)", file: "/etc/systemd/system/notes-app.service", says: /notes-app\.service:\d+: Failed to parse .*soon/i },
    { what: "MariaDB", host: "db-01", e: "mysql_max_connections=lots", task: "MariaDB configuration (bind address, server id, binary log or read_only)", file: "/etc/mysql/mariadb.conf.d/60-deploy.cnf", says: /max_connections/ },
    { what: "the firewall", host: "db-01", e: `admin_networks=["10.77.5.0/40"]`, task: "Firewall rules", file: "/etc/nftables.conf", says: /Error:/ },
  ];

  for (const c of cases) {
    it(`${c.what}: a broken value fails the task with the checker's message; the service keeps its config`, async () => {
      const before = await sha(c.host, c.file);
      const pids = { app: await mainPid(lab, "web-02", "notes-app"), db: await mainPid(lab, "db-01", "mariadb"), lb: await mainPid(lab, "web-01", "haproxy") };
      const rules = await onStackHost(lab, c.host, "nft list ruleset");
      const broken = await deployOn(lab, "apply", "--limit", c.host, "-e", c.e);
      expect(broken.code).toBe(2);
      const failed = broken.doc.tasks.filter((t) => t.status === "failed");
      expect(failed.map((t) => `${t.host}: ${t.task}`)).toEqual([`${c.host}: ${c.task}`]);
      expect(failed[0]!.summary).toMatch(new RegExp(`^validation failed, ${c.file.replace(/[.]/g, "\\.")} left unchanged: `));
      expect(failed[0]!.summary).toMatch(c.says);
      expect(await sha(c.host, c.file)).toBe(before);
      // Still answering, with the same processes (nothing restarted on the broken config).
      expect(alternates(await site.servers(4))).toBe(true);
      expect(await site.request("/notes", { method: "POST", body: JSON.stringify({ text: `after ${c.what}` }) })).toMatchObject({ status: 201 });
      expect({ app: await mainPid(lab, "web-02", "notes-app"), db: await mainPid(lab, "db-01", "mariadb"), lb: await mainPid(lab, "web-01", "haproxy") }).toEqual(pids);
      expect(await onStackHost(lab, c.host, "nft list ruleset")).toBe(rules);
    });
  }

  it("after the failed attempts, a normal apply changes nothing", async () => {
    const again = await deployOn(lab, "apply");
    expect(again.code).toBe(0);
    expect(changes(again.doc)).toEqual([]);
  });
});

describe("rolling update", () => {
  it("serial: 1, each app server drained from HAProxy first: zero failed requests under a steady request loop", async () => {
    let stop = false;
    const answers: { status: number; server: string; version: string }[] = [];
    const loop = async () => {
      while (!stop) {
        const a = await site.request("/");
        answers.push({ status: a.status, server: String(a.body["server"]), version: String(a.body["version"]) });
      }
    };
    const loops = [loop(), loop()];
    await new Promise((r) => setTimeout(r, 500));
    const update = await deployOn(lab, "apply", join(lab.dir, "playbooks/rolling-update.yaml"), "-e", "app_version=2.0.0");
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await Promise.all(loops);

    expect(update.code, changes(update.doc).join("\n")).toBe(0);
    expect(changes(update.doc)).toEqual([
      "web-01: Drain this host from the load balancers (no new requests; the ones in flight finish) (web-01): changed",
      "web-01: App config (database hosts and credentials; readable by the app's group only): changed",
      "web-01: Restart the app (its code, dependencies, config or unit changed): changed",
      "web-01: handler back into the load balancer (web-01): changed",
      "web-02: Drain this host from the load balancers (no new requests; the ones in flight finish) (web-01): changed",
      "web-02: App config (database hosts and credentials; readable by the app's group only): changed",
      "web-02: Restart the app (its code, dependencies, config or unit changed): changed",
      "web-02: handler back into the load balancer (web-01): changed",
    ]);
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    expect(answers.length).toBeGreaterThan(200);
    // Both versions served during the update; only the new one after it.
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(["1.0.0", "2.0.0"]));
    const after = await site.request("/");
    expect(after.body["version"]).toBe("2.0.0");
    expect(alternates(await site.servers(4))).toBe(true);
  });
});
