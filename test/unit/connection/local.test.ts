import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { atomicWriteScript } from "../../../src/connection/atomic-write.js";
import { createLocalConnection } from "../../../src/connection/local.js";
import { RemoteCommandError } from "../../../src/connection/shell-connection.js";
import { sh } from "../../../src/util/shell.js";

describe("local connection", () => {
  const conn = createLocalConnection("local-test");

  it("returns exit code, stdout and stderr; a non-zero exit is data", async () => {
    expect(await conn.exec("echo out; echo err >&2; exit 7")).toEqual({ exitCode: 7, stdout: "out\n", stderr: "err\n" });
  });

  it("feeds stdin and closes it", async () => {
    expect((await conn.exec("wc -c", { stdin: "12345" })).stdout.trim()).toBe("5");
    expect((await conn.exec("cat")).stdout).toBe("");
  });

  it("reports a signal", async () => {
    const r = await conn.exec("kill -TERM $$");
    expect(r).toMatchObject({ exitCode: null, signal: "SIGTERM" });
  });

  it("enforces a timeout with `timeout` and says so; a fast exit 124 is not a timeout", async () => {
    const started = Date.now();
    const r = await conn.exec("sleep 10", { timeoutMs: 300 });
    expect(r).toMatchObject({ exitCode: 124, timedOut: true });
    expect(Date.now() - started).toBeLessThan(3000);
    const own = await conn.exec("exit 124", { timeoutMs: 5000 });
    expect(own.timedOut).toBeUndefined();
  });

  it("put writes atomically with the mode and leaves no temp file; get is binary safe", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-local-"));
    const file = join(dir, "it's a file");
    await writeFile(file, "old");
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await conn.put(file, bytes, { mode: "0600" });
    expect(await readFile(file)).toEqual(bytes);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await conn.exec(sh`ls -A ${dir}`)).stdout).toBe("it's a file\n");
    expect(await conn.get(file)).toEqual(bytes);
  });

  it("an upload cut off (less on stdin than announced) leaves the target as it was and no temp file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-local-"));
    const file = join(dir, "app.conf");
    await writeFile(file, "working config\n");
    // What the host sees when deploy dies mid-upload: an ordinary end of input after part of the content.
    const r = await conn.exec(atomicWriteScript(file, 1000, { mode: "0644" }), { stdin: "x".repeat(400) });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain(`received 400 of 1000 bytes (the upload was cut off); ${file} left unchanged`);
    expect(await readFile(file, "utf8")).toBe("working config\n");
    expect((await conn.exec(sh`ls -A ${dir}`)).stdout).toBe("app.conf\n");
  });

  it("put and get failures say what failed", async () => {
    await expect(conn.put("/nonexistent-dir/x", "y")).rejects.toBeInstanceOf(RemoteCommandError);
    await expect(conn.get("/nonexistent-dir/x")).rejects.toThrow(/local-test: cannot read \/nonexistent-dir\/x: .*No such file/);
  });

  it("counts round trips and bytes", async () => {
    const c = createLocalConnection("counted");
    await c.exec("printf abc", { stdin: "xyz" });
    await c.exec("true");
    expect(c.stats.roundTrips).toBe(2);
    expect(c.stats.bytesDown).toBe(3);
    expect(c.stats.bytesUp).toBeGreaterThan(3);
  });
});
