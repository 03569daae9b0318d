import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { isNamespaceInit, isNspawnFor, nspawnArgs, rootIsOverlayOf, sshBanner, waitForSsh } from "../../../src/lab/process.js";

const root = "/var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/root";

describe("host processes", () => {
  it("boots with the flags a machine without systemd as PID 1 needs", () => {
    const args = nspawnArgs({ root, machine: "web-01-8c09", hostname: "web-01", bridge: "deploylab0" });
    expect(args).toEqual(expect.arrayContaining(["-D", root, "-M", "web-01-8c09", "--boot", "--register=no", "--keep-unit"]));
    expect(args).toContain("--hostname=web-01");
    expect(args).toContain("--network-bridge=deploylab0");
  });

  it("recognises a recorded pid only as our nspawn for that host root", () => {
    const cmdline = ["/usr/bin/systemd-nspawn", ...nspawnArgs({ root, machine: "m", hostname: "web-01", bridge: "b" })].join("\0") + "\0";
    expect(isNspawnFor(cmdline, root)).toBe(true);
    expect(isNspawnFor(cmdline, root.replace("web-01", "web-02"))).toBe(false);
    // A reused pid: some other program that happens to mention the path.
    expect(isNspawnFor(["/usr/bin/vim", "-D", root].join("\0"), root)).toBe(false);
    expect(isNspawnFor("", root)).toBe(false);
  });

  it("identifies a container's init by its namespace pid and overlay root", () => {
    expect(isNamespaceInit("Name:\tsystemd\nNSpid:\t25493\t1\n")).toBe(true);
    expect(isNamespaceInit("Name:\tsystemd\nNSpid:\t1\n")).toBe(false);
    expect(isNamespaceInit("Name:\tsshd\nNSpid:\t25500\t57\n")).toBe(false);
    const upper = "/var/tmp/deploy-lab/labs/deploylab0/hosts/web-01/upper";
    const mountinfo = `713 691 0:43 / / rw,relatime shared:220 - overlay overlay rw,lowerdir=/img,upperdir=${upper},workdir=/w,uuid=on\n714 713 0:81 / /tmp rw - tmpfs tmpfs rw\n`;
    expect(rootIsOverlayOf(mountinfo, upper)).toBe(true);
    expect(rootIsOverlayOf(mountinfo, upper.replace("web-01", "web-02"))).toBe(false);
    // Our own namespace: the overlay is mounted, but not as "/".
    expect(rootIsOverlayOf(`50 27 0:43 / ${root} rw - overlay overlay rw,upperdir=${upper}\n`, upper)).toBe(false);
  });
});

describe("waiting for SSH", () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });

  async function listen(onConnect: (socket: Socket) => void): Promise<number> {
    const server = createServer(onConnect);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    return address.port;
  }

  /** A loopback port nobody listens on. */
  async function closedPort(): Promise<number> {
    const port = await listen(() => undefined);
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    return port;
  }

  it("accepts an SSH banner and nothing else", async () => {
    const ssh = await listen((s) => s.end("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
    const http = await listen((s) => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const silent = await listen(() => undefined);
    expect(await sshBanner("127.0.0.1", 2000, ssh)).toBe(true);
    expect(await sshBanner("127.0.0.1", 2000, http)).toBe(false);
    expect(await sshBanner("127.0.0.1", 300, silent)).toBe(false);
    expect(await sshBanner("127.0.0.1", 2000, await closedPort())).toBe(false);
  });

  it("is ready once the banner comes", async () => {
    const port = await listen((s) => s.end("SSH-2.0-test\r\n"));
    expect(await waitForSsh({ address: "127.0.0.1", port, timeoutMs: 5000, stillRunning: async () => true })).toBe("ready");
  });

  it("gives up as soon as the host's process is gone", async () => {
    const port = await closedPort();
    const started = Date.now();
    expect(await waitForSsh({ address: "127.0.0.1", port, timeoutMs: 10_000, stillRunning: async () => false })).toBe("died");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("times out within its bound", async () => {
    const port = await listen(() => undefined);
    const started = Date.now();
    expect(await waitForSsh({ address: "127.0.0.1", port, timeoutMs: 700, stillRunning: async () => true })).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
