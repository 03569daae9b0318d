// The ssh connection against the tests' lab hosts (Debian 12, OpenSSH, sudo). Needs root: the
// lab is brought up (or reused) by ensureLab, and without it these tests FAIL, they never skip.
import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BecomeError, ConnectionError, type Connection } from "../../src/connection/types.js";
import { sh } from "../../src/util/shell.js";
import { LAB_SUBNET } from "./support/lab.js";
import { connect, labTarget, runLocal, sshLab, startAgent, type SshLab } from "./support/ssh.js";

const WEB_01 = `${LAB_SUBNET}.11`;
const GHOST = `${LAB_SUBNET}.250`;

let ctx: SshLab;
let web01: Connection;

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

async function failure(promise: Promise<unknown>): Promise<ConnectionError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectionError);
  return error as ConnectionError;
}

async function becomeFailure(promise: Promise<unknown>): Promise<BecomeError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(BecomeError);
  return error as BecomeError;
}

beforeAll(async () => {
  ctx = await sshLab();
  web01 = await connect(ctx, labTarget(ctx, "web-01"));
});

afterAll(async () => {
  await web01?.close();
});

describe("exec on one connection", () => {
  it("returns exit codes, stdout and stderr, and signals", async () => {
    expect(await web01.exec("echo out; echo err >&2; exit 42", { become: false })).toEqual({ exitCode: 42, stdout: "out\n", stderr: "err\n" });
    expect(await web01.exec("id -un")).toMatchObject({ exitCode: 0, stdout: "root\n", stderr: "" });
    expect(await web01.exec("id -un", { become: false })).toMatchObject({ stdout: "deploy\n" });
    expect(await web01.exec("kill -KILL $$")).toMatchObject({ exitCode: null, signal: "SIGKILL" });
  });

  it("feeds binary stdin intact and keeps a round trip in the milliseconds", async () => {
    const data = randomBytes(1024 * 1024);
    const r = await web01.exec("sha256sum", { stdin: data, become: false });
    expect(r.stdout.split(" ")[0]).toBe(sha256(data));
    const started = performance.now();
    for (let i = 0; i < 10; i++) await web01.exec("true", { become: false });
    expect((performance.now() - started) / 10).toBeLessThan(50);
  });

  it("uploads 50 MB atomically with owner and mode, and downloads it back", async () => {
    const data = randomBytes(50 * 1024 * 1024);
    const path = "/tmp/deploy-e2e-upload.bin";
    await web01.put(path, data, { mode: "0640", owner: "root", group: "deploy" });
    const remote = await web01.exec(sh`sha256sum ${path} | cut -d' ' -f1; stat -c '%a %U %G %s' ${path}; ls -A /tmp | grep -c '^\.deploy\.' || true`);
    expect(remote.stdout.split("\n")).toEqual([sha256(data), `640 root deploy ${data.length}`, "0", ""]);
    const back = await web01.get(path);
    expect(sha256(back)).toBe(sha256(data));
    await web01.exec(sh`rm -f ${path}`);
  });

  it("runs 40 concurrent commands on one connection, past sshd's MaxSessions", async () => {
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => web01.exec(`sleep 0.2; echo ${i}`, { become: false })));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
    // At most 8 channels at once: 40 commands take at least five waves of 0.2 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("retries channel opens that sshd refuses (reason 2) instead of failing", async () => {
    const greedy = await connect(ctx, labTarget(ctx, "web-02"), { maxChannels: 16 });
    try {
      const results = await Promise.all(Array.from({ length: 30 }, (_, i) => greedy.exec(`sleep 0.3; echo ${i}`, { become: false })));
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 30 }, (_, i) => `${i}\n`));
    } finally {
      await greedy.close();
    }
  });

  it("enforces a timeout on the remote side: the command is killed there", async () => {
    const started = Date.now();
    const r = await web01.exec("sleep 31.4159; echo never", { timeoutMs: 1000 });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true, stdout: "" });
    expect(Date.now() - started).toBeLessThan(4000);
    const left = await web01.exec("ps -eo args | grep -c '[s]leep 31.4159' || true");
    expect(left.stdout).toBe("0\n");
  });

  it("rejects pending and later commands promptly when the connection is lost", async () => {
    const root = await connect(ctx, labTarget(ctx, "web-01", { user: "root", become: false }));
    const pending = root.exec("sleep 30");
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    // The shell's parent is this connection's sshd session process.
    const killer = root.exec("kill -9 $PPID").catch((e: unknown) => e);
    const error = await failure(pending);
    expect(error.kind).toBe("connection-lost");
    expect(error.message.startsWith(`connection to ${WEB_01} lost: `), error.message).toBe(true);
    expect(Date.now() - started).toBeLessThan(3000);
    await killer;
    expect((await failure(root.exec("true"))).kind).toBe("connection-lost");
    await root.close();
  });
});

describe("host keys", () => {
  it("refuses a changed key, showing both fingerprints", async () => {
    const file = join(ctx.tmp, "changed_known_hosts");
    const other = (await runLocal("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(ctx.tmp, "impostor")])).code;
    expect(other).toBe(0);
    const impostor = (await readFile(join(ctx.tmp, "impostor.pub"), "utf8")).split(" ").slice(0, 2).join(" ");
    await writeFile(file, `${WEB_01} ${impostor}\n`);
    const error = await failure(connect(ctx, labTarget(ctx, "web-01", { knownHostsFiles: [file] })));
    expect(error.kind).toBe("host-key-changed");
    expect(error.message).toBe(`host key of web-01 (${WEB_01}) has CHANGED: refusing to connect (it may be an impersonation; it may also be a reinstalled host)`);
    expect(error.hint).toMatch(/^offered: {2}ssh-ed25519 SHA256:\S+\nrecorded: ssh-ed25519 SHA256:\S+ \(/);
    const [offered, recorded] = [...error.hint!.matchAll(/SHA256:\S+/g)].map((m) => m[0]);
    expect(offered).not.toBe(recorded);
  });

  it("strict refuses an unknown host with the exact line to add", async () => {
    const error = await failure(connect(ctx, labTarget(ctx, "web-01", { knownHostsFiles: [join(ctx.tmp, "empty_known_hosts")] })));
    expect(error.kind).toBe("host-key-unknown");
    const labLines = (await readFile(ctx.lab.spec.knownHostsFile, "utf8")).split("\n");
    const line = error.hint!.split("\n").find((l) => l.startsWith(`${WEB_01} `));
    expect(labLines).toContain(line);
  });

  it("accept-new records a first-seen key, then the host is trusted strictly", async () => {
    const file = join(ctx.tmp, "accept", "known_hosts");
    const first = await connect(ctx, labTarget(ctx, "web-02", { knownHostsFiles: [file], hostKeyPolicy: "accept-new" }));
    await first.close();
    const recorded = (await readFile(file, "utf8")).trim();
    expect((await readFile(ctx.lab.spec.knownHostsFile, "utf8")).split("\n")).toContain(recorded);
    expect(ctx.warnings.some((w) => w.startsWith("web-02: new host key ssh-ed25519 SHA256:") && w.includes(file))).toBe(true);
    const again = await connect(ctx, labTarget(ctx, "web-02", { knownHostsFiles: [file], hostKeyPolicy: "strict" }));
    expect((await again.exec("hostname")).stdout).toBe("web-02\n");
    await again.close();
  });
});

describe("reaching hosts", () => {
  it("jumps through one lab host to another, verifying both", async () => {
    const db = await connect(ctx, labTarget(ctx, "db-01", { jump: labTarget(ctx, "web-01") }));
    const r = await db.exec('hostname; echo "$SSH_CLIENT"', { become: false });
    const [name, client] = r.stdout.split("\n");
    expect(name).toBe("db-01");
    expect(client?.split(" ")[0]).toBe(WEB_01);
    await db.close();
    const badHop = await failure(connect(ctx, labTarget(ctx, "db-01", { jump: labTarget(ctx, "web-01", { knownHostsFiles: [join(ctx.tmp, "none")] }) })));
    expect([badHop.kind, badHop.hostName]).toEqual(["host-key-unknown", "db-01"]);
    expect(badHop.message).toMatch(/^jump host web-01: host key of web-01/);
  });

  it("reports an unreachable address within the connect timeout, directly and through a jump", async () => {
    let started = Date.now();
    const direct = await failure(connect(ctx, labTarget(ctx, "web-01", { name: "ghost", address: GHOST, connectTimeoutMs: 3000 })));
    expect(["unreachable", "timeout"]).toContain(direct.kind);
    expect(direct.message).toContain(GHOST);
    expect(Date.now() - started).toBeLessThan(5000);
    started = Date.now();
    const viaJump = await failure(connect(ctx, labTarget(ctx, "web-01", { name: "ghost", address: GHOST, connectTimeoutMs: 3000, jump: labTarget(ctx, "web-01") })));
    expect(["unreachable", "timeout"]).toContain(viaJump.kind);
    expect(viaJump.message).toMatch(/^jump host web-01 /);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("authentication and sudo as a non-root user", () => {
  const user = "e2e-auth";
  const password = `pw ${randomBytes(6).toString("hex")} 'q"`;
  let root: Connection;
  let lockedKey = "";
  let agentKey = "";
  let agent: Awaited<ReturnType<typeof startAgent>> | undefined;

  beforeAll(async () => {
    lockedKey = join(ctx.tmp, "locked");
    agentKey = join(ctx.tmp, "agent-key");
    expect((await runLocal("ssh-keygen", ["-q", "-t", "ed25519", "-N", "open sesame", "-f", lockedKey])).code).toBe(0);
    expect((await runLocal("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", agentKey])).code).toBe(0);
    const keys = (await readFile(`${lockedKey}.pub`, "utf8")) + (await readFile(`${agentKey}.pub`, "utf8"));
    root = await connect(ctx, labTarget(ctx, "db-01", { user: "root", become: false }));
    await root.exec(sh`id ${user} >/dev/null 2>&1 || useradd -m -s /bin/bash ${user}; install -d -m 700 -o ${user} -g ${user} /home/${user}/.ssh`);
    await root.exec("chpasswd", { stdin: `${user}:${password}\n` });
    await root.put(`/home/${user}/.ssh/authorized_keys`, keys, { mode: "0600", owner: user, group: user });
    // Password sudo (no NOPASSWD), as on a typical server.
    await root.put(`/etc/sudoers.d/${user}`, `${user} ALL=(ALL:ALL) ALL\n`, { mode: "0440" });
  });

  afterAll(async () => {
    agent?.stop();
    await root?.exec(sh`rm -f /etc/sudoers.d/${user}; userdel -r ${user} 2>/dev/null || true`);
    await root?.close();
  });

  const target = (over: Parameters<typeof labTarget>[2] = {}) => labTarget(ctx, "db-01", { user, identityFiles: [lockedKey], become: false, ...over });

  it("logs in with a passphrase-protected key (passphrase from the environment)", async () => {
    const conn = await connect(ctx, target(), { env: { DEPLOY_SSH_PASSPHRASE: "open sesame" } });
    expect((await conn.exec("id -un")).stdout).toBe(`${user}\n`);
    await conn.close();
    const wrong = await failure(connect(ctx, target(), { env: { DEPLOY_SSH_PASSPHRASE: "nope" } }));
    expect([wrong.kind, wrong.message]).toEqual(["auth-failed", `wrong passphrase for identity file ${lockedKey}`]);
  });

  it("logs in with a key held by ssh-agent", async () => {
    agent = await startAgent(ctx.tmp);
    expect((await runLocal("ssh-add", [agentKey], { ...process.env, SSH_AUTH_SOCK: agent.socket })).code).toBe(0);
    const conn = await connect(ctx, target({ identityFiles: [] }), { agentSocket: agent.socket });
    expect((await conn.exec("id -un")).stdout).toBe(`${user}\n`);
    await conn.close();
    const refused = await failure(connect(ctx, labTarget(ctx, "db-01", { user: "nobody-here", identityFiles: [] }), { agentSocket: agent.socket }));
    expect([refused.kind, refused.message]).toEqual(["auth-failed", `authentication failed for nobody-here@${LAB_SUBNET}.13 (tried: ssh-agent)`]);
  });

  it("runs commands as root through password sudo; stdin reaches the command intact", async () => {
    const conn = await connect(ctx, target({ become: true, becomePassword: password }), { env: { DEPLOY_SSH_PASSPHRASE: "open sesame" } });
    const r = await conn.exec("id -un; cat", { stdin: "line one\nline two\n" });
    expect(r).toEqual({ exitCode: 0, stdout: "root\nline one\nline two\n", stderr: "" });
    await conn.put("/root/e2e-owned.txt", "secret-free\n", { mode: "0600" });
    expect((await root.exec("stat -c '%a %U' /root/e2e-owned.txt; rm -f /root/e2e-owned.txt")).stdout).toBe("600 root\n");
    // While a sudo command runs, the password is nowhere in the process list.
    const running = conn.exec("sleep 2");
    await new Promise((res) => setTimeout(res, 700));
    const ps = await root.exec("ps -eo args");
    expect(ps.stdout).toContain("sleep 2");
    expect(ps.stdout).not.toContain(password.slice(3, 15));
    await running;
    await conn.close();
  });

  it("a password given where sudo does not ask for one never reaches the command", async () => {
    const conn = await connect(ctx, labTarget(ctx, "db-01", { becomePassword: password }));
    expect((await conn.exec("cat", { stdin: "only this\n" })).stdout).toBe("only this\n");
    await conn.close();
  });

  it("a wrong or missing sudo password is become-failed, in one line", async () => {
    const options = { env: { DEPLOY_SSH_PASSPHRASE: "open sesame" } };
    const wrong = await connect(ctx, target({ become: true, becomePassword: "not it" }), options);
    const e1 = await becomeFailure(wrong.exec("touch /root/should-not-exist"));
    expect([e1.kind, e1.hostName, e1.message]).toEqual(["become-failed", "db-01", "sudo rejected the become password (become user root)"]);
    await wrong.close();
    const none = await connect(ctx, target({ become: true }), options);
    const e2 = await becomeFailure(none.exec("true"));
    expect([e2.kind, e2.message]).toEqual(["become-failed", "sudo needs a password to become root"]);
    await none.close();
    expect((await root.exec("test -e /root/should-not-exist; echo $?")).stdout).toBe("1\n");
  });
});
