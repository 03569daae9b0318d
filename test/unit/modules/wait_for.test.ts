// Checks run for real against servers on 127.0.0.1 (loopback only), through the same stub PATH as the
// other module tests, so the curl / wget / bash fallbacks can each be tested by leaving tools out.
import { existsSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkOnceScript, urlTarget } from "../../../src/modules/system/wait-check.js";
import { waitForModule, waitForSchema } from "../../../src/modules/wait_for.js";
import { StubShell, taskContext } from "./stub-shell.js";

const ctx = taskContext();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function stubShell(without: string[] = []): StubShell {
  const shell = new StubShell({}, { without });
  cleanups.push(() => shell.cleanup());
  return shell;
}

async function tcpServer(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  cleanups.push(() => server.listening && close());
  return { port, close };
}

async function httpServer(status: number): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url ?? "");
    res.writeHead(status).end("hi");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as net.AddressInfo).port, paths };
}

/** A port nothing listens on (bound then released). */
async function closedPort(): Promise<number> {
  const { port, close } = await tcpServer();
  await close();
  return port;
}

async function plan(shell: StubShell, params: Record<string, unknown>) {
  const parsed = waitForSchema.parse(params);
  return waitForModule.decide(parsed, undefined, await shell.probe(waitForModule.probe(parsed, undefined, ctx)), ctx);
}

describe("wait_for schema", () => {
  it("needs exactly one of port and url", () => {
    expect(waitForSchema.safeParse({}).success).toBe(false);
    expect(waitForSchema.safeParse({ port: 80, url: "http://x/" }).success).toBe(false);
    expect(waitForSchema.safeParse({ url: "ftp://x/" }).success).toBe(false);
    expect(waitForSchema.safeParse({ port: 70000 }).success).toBe(false);
    expect(waitForSchema.safeParse({ port: 80, host: "a;b" }).success).toBe(false);
    expect(waitForSchema.parse({ port: 80 })).toMatchObject({ state: "started", timeout: 60, delay: 0, sleep: 0.25 });
  });

  it("splits URLs into what the bash fallback needs", () => {
    expect(urlTarget("http://[::1]:8080/health?x=1", [])).toMatchObject({ host: "::1", port: 8080, path: "/health?x=1", https: false });
    expect(urlTarget("https://example.test", [])).toMatchObject({ host: "example.test", port: 443, path: "/", https: true });
  });
});

describe("port checks", () => {
  it.each([[[] as string[]], [["bash"]]])("open and closed ports (without %j)", async (without) => {
    const shell = stubShell(without);
    const { port } = await tcpServer();
    expect(await plan(shell, { port })).toEqual({ kind: "ok", summary: `port ${port} on 127.0.0.1 answers` });
    const closed = await closedPort();
    expect(await plan(shell, { port: closed })).toMatchObject({ kind: "change", summary: expect.stringMatching(new RegExp(`^wait until port ${closed} on 127.0.0.1 answers \\(up to 60s; now: `)) });
    expect(await plan(shell, { port: closed, state: "stopped" })).toMatchObject({ kind: "ok" });
  });

  it("without bash, a remote port cannot be checked", async () => {
    const shell = stubShell(["bash"]);
    expect(await plan(shell, { port: 80, host: "10.77.0.12" })).toEqual({ kind: "fail", message: "wait_for port 80 on 10.77.0.12: checking a remote port needs bash on the host" });
  });

  it("apply waits on the host until the port opens", async () => {
    const shell = stubShell();
    const port = await closedPort();
    const params = waitForSchema.parse({ port, timeout: 10, sleep: 0.2 });
    const planned = waitForModule.decide(params, undefined, await shell.probe(waitForModule.probe(params, undefined, ctx)), ctx);
    if (planned.kind !== "change") throw new Error("expected a change");
    const server = net.createServer((s) => s.end());
    cleanups.push(() => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));
    setTimeout(() => server.listen(port, "127.0.0.1"), 700);
    const result = await waitForModule.apply(params, undefined, planned, shell.context());
    expect(result).toMatchObject({ changed: false, summary: expect.stringMatching(new RegExp(`^port ${port} on 127.0.0.1 answered after \\d+s$`)) });
  });

  it("apply fails after the timeout with the last thing seen", async () => {
    const shell = stubShell();
    const port = await closedPort();
    const params = waitForSchema.parse({ port, timeout: 1, sleep: 0.2 });
    const result = await waitForModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result.failed).toMatch(new RegExp(`^port ${port} on 127.0.0.1 did not answer within 1s \\(last: .+\\)$`));
  });

  it("state stopped waits until the port closes", async () => {
    const shell = stubShell();
    const { port, close } = await tcpServer();
    const params = waitForSchema.parse({ port, state: "stopped", timeout: 10, sleep: 0.2 });
    setTimeout(() => void close(), 600);
    const result = await waitForModule.apply(params, undefined, { kind: "change", summary: "" }, shell.context());
    expect(result).toMatchObject({ changed: false, summary: expect.stringContaining("stopped answering after") });
  });
});

describe("url checks", () => {
  it.each([
    ["curl", []],
    ["wget", ["curl"]],
    ["bash /dev/tcp", ["curl", "wget"]],
  ])("with %s", async (_tool, without) => {
    const shell = stubShell(without);
    const ok = await httpServer(200);
    expect(await plan(shell, { url: `http://127.0.0.1:${ok.port}/health?x=1` })).toMatchObject({ kind: "ok" });
    expect(ok.paths).toEqual(["/health?x=1"]);
    const down = await httpServer(503);
    expect(await plan(shell, { url: `http://127.0.0.1:${down.port}/` })).toMatchObject({ kind: "change", summary: expect.stringContaining("now: HTTP 503") });
    expect(await plan(shell, { url: `http://127.0.0.1:${down.port}/`, status_code: [503] })).toMatchObject({ kind: "ok" });
    expect(await plan(shell, { url: `http://127.0.0.1:${await closedPort()}/` })).toMatchObject({ kind: "change", summary: expect.stringContaining("now: no HTTP answer") });
  });

  it.each([
    ["curl", []],
    ["wget", ["curl"]],
    ["bash /dev/tcp", ["curl", "wget"]],
  ])("with %s, a port answering something else than HTTP is said to be, with its first bytes made printable", async (_tool, without) => {
    const shell = stubShell(without);
    // Like sshd: a banner first, whatever the client sends.
    const server = net.createServer((socket) => {
      // Read (and drop) what the client sends: a paused socket never sees its end, and close() would wait.
      socket.on("error", () => undefined).resume();
      socket.end("SSH-2.0-OpenSSH_9.2p1 Debian-2\x01\x1b[31m\r\nInvalid SSH identification string.\r\n");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as net.AddressInfo).port;
    expect(await plan(shell, { url: `http://127.0.0.1:${port}/` })).toEqual({
      kind: "change",
      summary: `wait until http://127.0.0.1:${port}/ answers (up to 60s; now: answering, but not HTTP (first bytes: "SSH-2.0-OpenSSH_9.2p1 Debian-2??[31m"))`,
    });
  });

  it("https without curl or wget fails with the reason", async () => {
    const shell = stubShell(["curl", "wget"]);
    expect(await plan(shell, { url: "https://127.0.0.1:1/" })).toEqual({ kind: "fail", message: "wait_for https://127.0.0.1:1/: https needs curl or wget on the host" });
  });

  it("a hostile URL stays one word", async () => {
    const shell = stubShell(["curl", "wget"]);
    const server = await httpServer(200);
    expect(await plan(shell, { url: `http://127.0.0.1:${server.port}/a'$(touch${"${IFS}"}pwned);\`touch${"${IFS}"}pwned\`` })).toMatchObject({ kind: "ok" });
    expect(server.paths).toHaveLength(1);
    expect(existsSync(path.join(shell.dir, "pwned"))).toBe(false);
  });

  it("the probe script checks once and reports what it saw", async () => {
    const shell = stubShell();
    const result = await shell.run(checkOnceScript({ kind: "port", host: "127.0.0.1", port: await closedPort() }));
    expect(result.stdout).toMatch(/^#deploy:down\n#deploy:seen .+\n$/);
  });
});
