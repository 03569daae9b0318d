// For the reference-stack e2e tests: the repository's own roles, playbooks and vault on lab hosts of their
// own (a copy of inventory/lab.yaml moved to another bridge and /24), so running them never disturbs the
// default lab or the other suites' labs. Also HTTP through the load balancer and root shells on hosts.
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect } from "vitest";
import { loadInventory } from "../../../src/config/inventory.js";
import { defaultLabContext, labReset } from "../../../src/lab/lab.js";
import { labSpecFromInventory } from "../../../src/lab/inventory.js";
import { DEFAULT_STATE_DIR, type LabSpec } from "../../../src/lab/spec.js";
import { deployJson } from "../../fixtures/engine/harness.js";
import type { JsonReport } from "../../../src/report/json.js";
import { requireRoot, sshRun } from "./lab.js";

export interface StackLab {
  /** Project directory: inventory/lab.yaml of its own, roles/playbooks/vault linked to the repository's. */
  dir: string;
  inventory: string;
  spec: LabSpec;
  /** Address of a host by inventory name. */
  address(host: string): string;
}

export interface StackOptions {
  /** Third octet of the lab's 10.77.N.0/24 (the default lab uses 0). */
  subnet: number;
  bridge: string;
}

/** Make the project (fresh each time) and boot FRESH hosts for it (`lab reset`). */
export async function freshStackLab(options: StackOptions): Promise<StackLab> {
  requireRoot();
  const repo = resolve(".");
  const dir = join(tmpdir(), `deploy-stack-${options.bridge}`);
  // The lab's key and known_hosts live in dir/.lab: kept, so a lab left running stays reachable.
  for (const sub of ["inventory", "roles", "playbooks", "vault"]) rmSync(join(dir, sub), { recursive: true, force: true });
  mkdirSync(join(dir, "inventory"), { recursive: true });
  for (const sub of ["roles", "playbooks", "vault"]) symlinkSync(join(repo, sub), join(dir, sub));
  const original = readFileSync(join(repo, "inventory/lab.yaml"), "utf8");
  const text = original.replaceAll("10.77.0.", `10.77.${options.subnet}.`).replace("bridge: deploylab0", `bridge: ${options.bridge}`);
  expect(text).toContain(`bridge: ${options.bridge}`);
  expect(text).not.toContain("10.77.0.");
  const inventory = join(dir, "inventory/lab.yaml");
  writeFileSync(inventory, text);

  const spec = labSpecFromInventory(await loadInventory(inventory), process.env["DEPLOY_LAB_STATE_DIR"] || DEFAULT_STATE_DIR);
  const ctx = defaultLabContext((line) => console.log(`[lab ${options.bridge}] ${line}`));
  await labReset(spec, ctx); // builds the image on a new machine; wipes every host otherwise
  const address = (host: string) => {
    const found = spec.hosts.find((h) => h.name === host);
    if (!found) throw new Error(`no host ${host} in ${inventory}`);
    return found.address;
  };
  return { dir, inventory, spec, address };
}

/** A root shell command on a lab host; fails the test on a non-zero exit. */
export async function onStackHost(lab: StackLab, host: string, command: string): Promise<string> {
  const r = await sshRun(lab.spec, lab.address(host), "root", command);
  if (r.code !== 0) throw new Error(`${host}: \`${command}\` exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** SQL as root on a host (root's ~/.my.cnf, written by the mysql role). */
export function sqlOn(lab: StackLab, host: string, sql: string): Promise<string> {
  return onStackHost(lab, host, `mariadb --batch --skip-column-names -e ${shellQuote(sql)}`);
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * HTTPS through the load balancer, trusting exactly its certificate (the self-signed one the haproxy role
 * made on web-01 for its address): the requests verify the certificate like any client would.
 */
export class Site {
  private readonly agent: https.Agent;

  private constructor(
    readonly address: string,
    readonly ca: string,
  ) {
    this.agent = new https.Agent({ keepAlive: true, ca, maxSockets: 4 });
  }

  static async of(lab: StackLab): Promise<Site> {
    const ca = await onStackHost(lab, "web-01", "cat /etc/haproxy/certs/selfsigned.pem");
    return new Site(lab.address("web-01"), ca);
  }

  /** One request; a connection error is an answer with status 0, so loops can count it as a failure. */
  request(path: string, options: { method?: string; body?: string } = {}): Promise<HttpAnswer> {
    return new Promise((resolvePromise) => {
      const req = https.request(
        { host: this.address, port: 443, path, method: options.method ?? "GET", agent: this.agent, timeout: 5000, headers: options.body ? { "content-type": "application/json" } : {} },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (c: string) => (text += c));
          res.on("end", () => {
            let body: Record<string, unknown>;
            try {
              body = JSON.parse(text) as Record<string, unknown>;
            } catch {
              body = { text };
            }
            resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timed out")));
      req.on("error", (error) => resolvePromise({ status: 0, headers: {}, body: { error: String(error) } }));
      req.end(options.body);
    });
  }

  /** Which app server answered `n` GET / in order (`HTTP <status>` for a failure). */
  async servers(n: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const a = await this.request("/");
      out.push(a.status === 200 ? String(a.body["server"]) : `HTTP ${a.status}`);
    }
    return out;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A plain HTTP request (no redirects followed). */
export function plainHttp(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolvePromise, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      res.resume();
      res.on("end", () => resolvePromise({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
  });
}

/** Does a TCP connection to address:port open within `ms`? (A dropped SYN just times out.) */
export function tcpOpens(address: string, port: number, ms = 1000): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = net.connect({ host: address, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolvePromise(open);
    };
    socket.setTimeout(ms, () => done(false));
    socket.on("connect", () => done(true));
    socket.on("error", () => done(false));
  });
}

export async function deployOn(lab: StackLab, mode: "apply" | "plan", ...extra: string[]): Promise<{ code: number; doc: JsonReport }> {
  const r = await deployJson([mode, lab.inventory, ...extra]);
  return { code: r.code, doc: r.doc };
}

/** Answers came from the app servers in strict alternation (round robin: web-01, web-02, web-01, ...). */
export function alternates(servers: string[]): boolean {
  return servers.every((s, i) => s.startsWith("web-") && (i === 0 || s !== servers[i - 1]));
}

/** Tasks that changed (or failed), as `host: [handler ]task[ (item)]: status`. */
export function changes(doc: JsonReport): string[] {
  return doc.tasks
    .filter((t) => t.status === "changed" || t.status === "failed")
    .map((t) => `${t.host}: ${t.handler ? "handler " : ""}${t.task}${t.item !== null ? ` (${t.item})` : ""}: ${t.status}`);
}

/** MainPID of a systemd unit on a host. */
export async function mainPid(lab: StackLab, host: string, unit: string): Promise<number> {
  return Number((await onStackHost(lab, host, `systemctl show -p MainPID --value ${unit}`)).trim());
}

/** Poll `check` until it returns true; returns the milliseconds it took, or throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number, stepMs = 100): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** HAProxy's view of the app servers (runtime API): server name -> status (UP, DOWN, MAINT, DRAIN...). */
export async function backendStatus(lab: StackLab): Promise<Record<string, string>> {
  const csv = await onStackHost(lab, "web-01", "echo 'show stat' | socat stdio /run/haproxy/admin.sock");
  const lines = csv.trim().split("\n");
  const header = (lines[0] ?? "").replace(/^# /, "").split(",");
  const [px, sv, st] = ["pxname", "svname", "status"].map((k) => header.indexOf(k));
  const out: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    if (f[px!] === "app" && f[sv!] !== "BACKEND" && f[sv!] !== "FRONTEND") out[f[sv!]!] = f[st!] ?? "";
  }
  return out;
}
