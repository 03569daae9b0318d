// The reference stack on FRESH lab hosts of its own (bridge dlabstack5, 10.77.5.0/24; root, FAILS without
// it): inventory/lab.yaml's topology with the repository's playbooks/site.yaml, roles and vault, deployed
// as the unprivileged `deploy` user through sudo. Everything is then checked from this machine, as a user
// would: through HAProxy on web-01 (HTTPS, trusting its certificate), and with root shells on the hosts
// for what HTTP cannot show.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alternates, backendStatus, changes, deployOn, freshStackLab, mainPid, onStackHost, Site, sqlOn, waitUntil, type StackLab } from "./support/stack.js";

let lab: StackLab;
let site: Site;
let firstApply: Awaited<ReturnType<typeof deployOn>>;

beforeAll(async () => {
  lab = await freshStackLab({ subnet: 5, bridge: "dlabstack5" });
  firstApply = await deployOn(lab, "apply");
  if (firstApply.code === 0) site = await Site.of(lab);
}, 600_000);

afterAll(() => site?.close());

describe("the reference stack on fresh hosts", () => {
  it("deploys in one apply, with one apt install call per host for all its packages", () => {
    const { code, doc } = firstApply;
    expect(code, changes(doc).join("\n")).toBe(0);
    expect(doc.aborted).toBeNull();
    for (const host of ["web-01", "web-02", "db-01"]) {
      expect(doc.recap[host]).toMatchObject({ failed: 0, unreachable: 0 });
      const installs = doc.tasks.filter((t) => t.host === host && t.module === "package" && t.status === "changed");
      expect(installs.map((t) => t.task)).toEqual(["Install every package this host's groups need, in one apt call"]);
    }
    const packages = (host: string) => doc.tasks.find((t) => t.host === host && t.module === "package")?.summary ?? "";
    expect(packages("web-01")).toMatch(/install .*nginx.*haproxy/);
    expect(packages("db-01")).toMatch(/install .*mariadb-server/);
    expect(packages("db-01")).not.toMatch(/nginx|haproxy|nodejs/);
  });

  it("10 requests through HAProxy alternate strictly between web-01 and web-02", async () => {
    const answered = await site.servers(10);
    expect(alternates(answered), answered.join(" ")).toBe(true);
    expect(answered.filter((s) => s === "web-01")).toHaveLength(5);
  });

  it("a note POSTed through HAProxy is written to the primary, read back from the replica, and in both databases", async () => {
    const text = `note ${Date.now()} 'quoted' "twice"`;
    const posted = await site.request("/notes", { method: "POST", body: JSON.stringify({ text }) });
    expect(posted).toMatchObject({ status: 201, body: { db: "db-01" } });
    const id = Number(posted.body["id"]);
    let read = await site.request("/notes");
    await waitUntil("the note on the replica", async () => {
      read = await site.request("/notes");
      return JSON.stringify(read.body).includes(JSON.stringify(text));
    }, 5000);
    expect(read).toMatchObject({ status: 200, body: { db: "web-02" } });
    const query = `SELECT text FROM notes.notes WHERE id = ${id}`;
    expect(await sqlOn(lab, "db-01", query)).toBe(`${text}\n`);
    expect(await sqlOn(lab, "web-02", query)).toBe(`${text}\n`);
    // The replica replicates, read-only; the app's account may only read and add notes.
    expect(await sqlOn(lab, "web-02", "SELECT @@read_only")).toBe("1\n");
    const status = await onStackHost(lab, "web-02", "mariadb -e 'SHOW REPLICA STATUS\\G'");
    expect(status).toMatch(/Slave_IO_Running: Yes/);
    expect(status).toMatch(/Slave_SQL_Running: Yes/);
    expect(await sqlOn(lab, "db-01", "SHOW GRANTS FOR 'notes'@'10.77.5.11'")).toMatch(/GRANT SELECT, INSERT ON `notes`\.\* TO `notes`@`10\.77\.5\.11`/);
  });

  it("/status (the databases as an app server sees them) answers on the app server, not through HAProxy", async () => {
    expect((await site.request("/status")).status).toBe(404);
    const local = JSON.parse(await onStackHost(lab, "web-02", `node -e 'require("http").get("http://127.0.0.1:3000/status", (r) => r.pipe(process.stdout))'`)) as unknown;
    expect(local).toMatchObject({ server: "web-02", primary: { ok: true, db: "db-01" }, replica: { ok: true, db: "web-02" } });
  });

  it("a second apply changes nothing on any host, and plan reports no changes", async () => {
    const again = await deployOn(lab, "apply");
    expect(again.code).toBe(0);
    expect(changes(again.doc)).toEqual([]);
    for (const host of ["web-01", "web-02", "db-01"]) expect(again.doc.recap[host]).toMatchObject({ changed: 0, failed: 0 });
    const plan = await deployOn(lab, "plan");
    expect(plan.code).toBe(0);
    expect(changes(plan.doc)).toEqual([]);
  });

  it("changing one HAProxy var: plan shows exactly that diff; apply reloads HAProxy only", async () => {
    const plan = await deployOn(lab, "plan", "-e", "haproxy_timeout_client=31s");
    expect(changes(plan.doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
    const diff = plan.doc.tasks.find((t) => t.task === "HAProxy configuration")?.diff ?? "";
    expect(diff.split("\n").filter((l) => /^[-+](?![-+])/.test(l))).toEqual(["-    timeout client 30s", "+    timeout client 31s"]);

    const pids = async () => ({
      haproxy: await mainPid(lab, "web-01", "haproxy"),
      nginx1: await mainPid(lab, "web-01", "nginx"),
      nginx2: await mainPid(lab, "web-02", "nginx"),
      app1: await mainPid(lab, "web-01", "notes-app"),
      app2: await mainPid(lab, "web-02", "notes-app"),
    });
    const workers = () => onStackHost(lab, "web-01", "pgrep -P $(systemctl show -p MainPID --value haproxy) | sort");
    const before = await pids();
    const workersBefore = await workers();
    const applied = await deployOn(lab, "apply", "-e", "haproxy_timeout_client=31s");
    expect(applied.code).toBe(0);
    expect(changes(applied.doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
    expect(await onStackHost(lab, "web-01", "grep 'timeout client' /etc/haproxy/haproxy.cfg")).toBe("    timeout client 31s\n");
    // A reload: same master process, new workers; Nginx and the apps untouched.
    expect(await pids()).toEqual(before);
    expect(await workers()).not.toBe(workersBefore);
    expect(alternates(await site.servers(4))).toBe(true);

    const back = await deployOn(lab, "apply");
    expect(changes(back.doc)).toEqual(["web-01: HAProxy configuration: changed", "web-01: handler reload haproxy: changed"]);
  });

  it("the app stopped on web-02: HAProxy sends everything to web-01 within the health checks; started again, alternation is back", async () => {
    await onStackHost(lab, "web-02", "systemctl stop notes-app");
    // inter 1s, fall 2: out after two failed checks.
    const down = await waitUntil("HAProxy marks web-02 down", async () => (await backendStatus(lab))["web-02"] === "DOWN", 4000);
    expect(down).toBeLessThan(3500);
    expect(await site.servers(10)).toEqual(Array(10).fill("web-01"));

    await onStackHost(lab, "web-02", "systemctl start notes-app");
    const up = await waitUntil("HAProxy marks web-02 up", async () => (await backendStatus(lab))["web-02"] === "UP", 6000);
    expect(up).toBeLessThan(5000);
    const answered = await site.servers(10);
    expect(alternates(answered), answered.join(" ")).toBe(true);
  });

  // One database down must cost only what needs it. HAProxy's check (/health) says whether an app server
  // can serve, not whether the databases both servers share are up: a check on them took every server out
  // at once and the whole site answered 503, GET / included.
  it("a database stopped: GET / answers from both app servers throughout; reads fall back to the primary, writes need only the primary (a clear 503 without it); started again, as before", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    /** GET / through HAProxy for `ms` (longer than inter 1s x fall 2): every answer, in order. */
    const answersFor = async (ms: number) => {
      const out: string[] = [];
      for (const end = Date.now() + ms; Date.now() < end; await sleep(50)) {
        const a = await site.request("/");
        out.push(a.status === 200 ? String(a.body["server"]) : `HTTP ${a.status}`);
      }
      return out;
    };
    const bothServe = (answers: string[]) => {
      expect(answers.filter((a) => !a.startsWith("web-")), answers.join(" ")).toEqual([]);
      expect(new Set(answers), answers.join(" ")).toEqual(new Set(["web-01", "web-02"]));
    };
    /** GET /notes answered by each app server: app server -> { status, db, notes }. */
    const readsByServer = async () => {
      const out: Record<string, { status: number; db: unknown; notes: string }> = {};
      for (let i = 0; i < 4; i++) {
        const a = await site.request("/notes");
        out[String(a.body["server"])] = { status: a.status, db: a.body["db"], notes: JSON.stringify(a.body["notes"] ?? a.body) };
      }
      return out;
    };
    const post = (text: string) => site.request("/notes", { method: "POST", body: JSON.stringify({ text }) });
    const replicating = async () => /Slave_IO_Running: Yes[\s\S]*Slave_SQL_Running: Yes/.test(await onStackHost(lab, "web-02", "mariadb -e 'SHOW REPLICA STATUS\\G'"));
    try {
      // The replica (on web-02) stopped: reads from the primary, writes as usual.
      await onStackHost(lab, "web-02", "systemctl stop mariadb");
      bothServe(await answersFor(4000));
      expect(await backendStatus(lab)).toEqual({ "web-01": "UP", "web-02": "UP" });
      const text = `while the replica is down ${Date.now()}`;
      expect(await post(text)).toMatchObject({ status: 201, body: { db: "db-01" } });
      const fallback = await readsByServer();
      expect(Object.keys(fallback).sort()).toEqual(["web-01", "web-02"]);
      for (const read of Object.values(fallback)) {
        expect(read).toMatchObject({ status: 200, db: "db-01" });
        expect(read.notes).toContain(JSON.stringify(text));
      }

      await onStackHost(lab, "web-02", "systemctl start mariadb");
      await waitUntil("reads from the replica again, on both app servers", async () => Object.values(await readsByServer()).every((r) => r.status === 200 && r.db === "web-02" && r.notes.includes(JSON.stringify(text))), 15_000, 500);

      // The primary (db-01) stopped: a write is a clear 503 (never retried: it may have been written),
      // reads come from the replica, the rest of the site answers.
      await onStackHost(lab, "db-01", "systemctl stop mariadb");
      bothServe(await answersFor(4000));
      expect(await backendStatus(lab)).toEqual({ "web-01": "UP", "web-02": "UP" });
      const refused = await post(`while the primary is down ${Date.now()}`);
      expect(refused.status).toBe(503);
      expect(refused.headers["content-type"]).toBe("application/json");
      expect(refused.body).toMatchObject({ error: expect.stringMatching(/primary database/) });
      const fromReplica = await readsByServer();
      expect(Object.keys(fromReplica).sort()).toEqual(["web-01", "web-02"]);
      for (const read of Object.values(fromReplica)) {
        expect(read).toMatchObject({ status: 200, db: "web-02" });
        expect(read.notes).toContain(JSON.stringify(text));
      }

      await onStackHost(lab, "db-01", "systemctl start mariadb");
      await waitUntil("writes accepted again", async () => (await post(`primary back ${Date.now()}`)).status === 201, 15_000, 500);
      expect(await post(`after both outages ${Date.now()}`)).toMatchObject({ status: 201, body: { db: "db-01" } });
    } finally {
      await onStackHost(lab, "db-01", "systemctl start mariadb");
      await onStackHost(lab, "web-02", "systemctl start mariadb");
      // The replica reconnects to a restarted primary on its own (MASTER_CONNECT_RETRY).
      await waitUntil("the replica replicating again", replicating, 90_000, 1000);
    }
  }, 180_000);

  it("an upstream Node.js release selected by two vars runs the app; without them, Debian's nodejs again", async () => {
    // An upstream-shaped tarball (node-vX-linux-x64/bin/node) of this machine's own Node, which is not
    // Debian 12's version (no network here to fetch one from nodejs.org).
    const version = process.version;
    const name = `node-${version}-linux-x64`;
    const staging = mkdtempSync(join(tmpdir(), "deploy-node-"));
    mkdirSync(join(staging, name, "bin"), { recursive: true });
    copyFileSync(process.execPath, join(staging, name, "bin", "node"));
    chmodSync(join(staging, name, "bin", "node"), 0o755);
    const tarball = `${name}.tar.gz`;
    const filesDir = resolve("roles/app/files/nodejs");
    mkdirSync(filesDir, { recursive: true });
    execFileSync("tar", ["-czf", join(filesDir, tarball), "-C", staging, name]);
    const sha256 = createHash("sha256").update(readFileSync(join(filesDir, tarball))).digest("hex");
    try {
      const debian = (await onStackHost(lab, "web-02", "/usr/bin/node --version")).trim();
      expect(debian).not.toBe(version);

      // A wrong checksum stops before anything is unpacked; the app keeps running on Debian's Node.
      const bad = await deployOn(lab, "apply", "--limit", "web-02", "-e", `app_nodejs_tarball=${tarball}`, "-e", `app_nodejs_sha256=${"0".repeat(64)}`);
      expect(bad.code).toBe(2);
      expect(bad.doc.tasks.find((t) => t.status === "failed")?.summary).toMatch(/FAILED|did NOT match/);
      expect(await onStackHost(lab, "web-02", `test -e /opt/nodejs/${name} && echo unpacked || echo absent`)).toBe("absent\n");

      const upstream = await deployOn(lab, "apply", "--limit", "web-02", "-e", `app_nodejs_tarball=${tarball}`, "-e", `app_nodejs_sha256=${sha256}`);
      expect(upstream.code, changes(upstream.doc).join("\n")).toBe(0);
      expect(changes(upstream.doc)).toContain("web-02: Restart the app (its code, dependencies, config or unit changed): changed");
      const exe = async () => (await onStackHost(lab, "web-02", `readlink /proc/${await mainPid(lab, "web-02", "notes-app")}/exe`)).trim();
      expect(await exe()).toBe(`/opt/nodejs/${name}/bin/node`);
      // A restart without a drain (the rolling-update playbook drains) can cost a health check or two.
      const backUp = () => waitUntil("HAProxy marks web-02 up", async () => (await backendStatus(lab))["web-02"] === "UP", 10_000);
      await backUp();
      const answered = await site.servers(6);
      expect(alternates(answered), answered.join(" ")).toBe(true);
      const again = await deployOn(lab, "apply", "--limit", "web-02", "-e", `app_nodejs_tarball=${tarball}`, "-e", `app_nodejs_sha256=${sha256}`);
      expect(changes(again.doc)).toEqual([]);

      const back = await deployOn(lab, "apply", "--limit", "web-02");
      expect(back.code).toBe(0);
      expect(await exe()).toBe("/usr/bin/node");
      await backUp();
      expect(alternates(await site.servers(4))).toBe(true);
    } finally {
      rmSync(join(filesDir, tarball), { force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  });

  // The root password changes on the server before the login files that hold it, and root keeps socket
  // login: written the other way round, the rotated files locked every later run out (ERROR 1045).
  it("rotating the MySQL root password converges in one apply; root still logs in; replication runs", async () => {
    const rotated = ["-e", `mysql_root_password="rotated 'root' #${Date.now()}"`];
    try {
      const applied = await deployOn(lab, "apply", ...rotated);
      expect(applied.code, changes(applied.doc).join("\n")).toBe(0);
      for (const host of ["db-01", "web-02"]) {
        expect(changes(applied.doc).filter((c) => c.startsWith(`${host}: `))).toEqual([
          `${host}: Root password from the vault: changed`,
          `${host}: Root's client login file (root only): changed`,
          `${host}: Debian's maintenance login file (root only): changed`,
        ]);
      }
      const again = await deployOn(lab, "apply", ...rotated);
      expect(changes(again.doc)).toEqual([]);
      for (const host of ["db-01", "web-02"]) {
        expect(await sqlOn(lab, host, "SELECT CURRENT_USER()")).toBe("root@localhost\n");
        // A login file out of date (a run stopped before writing it) does not lock root out.
        expect(await onStackHost(lab, host, "mariadb --no-defaults --batch --skip-column-names -e 'SELECT 1'")).toBe("1\n");
      }
      const status = await onStackHost(lab, "web-02", "mariadb -e 'SHOW REPLICA STATUS\\G'");
      expect(status).toMatch(/Slave_IO_Running: Yes[\s\S]*Slave_SQL_Running: Yes/);
    } finally {
      const back = await deployOn(lab, "apply");
      expect(back.code, changes(back.doc).join("\n")).toBe(0);
    }
  });

  it("accounts of a former app server or replica are dropped, shown in plan; other accounts are left alone", async () => {
    const net = lab.address("db-01").replace(/\.\d+$/, "");
    const create = `SET SESSION sql_log_bin = 0; CREATE USER 'notes'@'${net}.14' IDENTIFIED BY 'x'; CREATE USER 'notes'@'${net}.%' IDENTIFIED BY 'x'`;
    await sqlOn(lab, "db-01", `${create}; CREATE USER 'replication'@'${net}.99' IDENTIFIED BY 'y'`);
    await sqlOn(lab, "web-02", create);
    try {
      const plan = await deployOn(lab, "plan");
      const summaries = plan.doc.tasks.filter((t) => t.status === "changed").map((t) => `${t.host}: ${t.summary}`);
      expect(summaries.sort()).toEqual([
        `db-01: drop user 'notes'@'${net}.14' (not in except_hosts)`,
        `db-01: drop user 'replication'@'${net}.99' (not in except_hosts)`,
        `web-02: drop user 'notes'@'${net}.14' (not in except_hosts)`,
      ]);
      const applied = await deployOn(lab, "apply");
      expect(applied.code).toBe(0);
      expect(changes(applied.doc).sort()).toEqual([
        "db-01: Application accounts of former app servers removed: changed",
        "db-01: Replication accounts of former replicas removed: changed",
        "web-02: Application accounts of former app servers removed: changed",
      ]);
      const accounts = "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE User IN ('notes', 'replication') ORDER BY 1";
      expect(await sqlOn(lab, "db-01", accounts)).toBe(`notes@${net}.%\nnotes@${net}.11\nnotes@${net}.12\nreplication@${net}.12\n`);
      expect(await sqlOn(lab, "web-02", accounts)).toBe(`notes@${net}.%\nnotes@${net}.11\nnotes@${net}.12\n`);
      expect(changes((await deployOn(lab, "apply")).doc)).toEqual([]);
    } finally {
      for (const host of ["db-01", "web-02"]) await sqlOn(lab, host, `SET SESSION sql_log_bin = 0; DROP USER IF EXISTS 'notes'@'${net}.%'`);
    }
  });
});
