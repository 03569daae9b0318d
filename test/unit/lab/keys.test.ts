import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureLabKey, mergeKnownHosts, writeKnownHosts } from "../../../src/lab/keys.js";
import { runCommand } from "../../../src/lab/runner.js";

describe("lab known_hosts", () => {
  it("replaces the lines of the lab's addresses and keeps everything else", () => {
    const existing = [
      "# user's comment",
      "10.77.0.11 ssh-ed25519 AAAAold",
      "10.77.0.12,web-02 ssh-rsa AAAAold",
      "[10.77.0.13]:22 ssh-ed25519 AAAAold",
      "[10.77.0.13]:2222 ssh-ed25519 AAAAotherport",
      "10.77.1.11 ssh-ed25519 AAAAotherlab",
      "",
    ].join("\n");
    const merged = mergeKnownHosts(existing, new Set(["10.77.0.11", "10.77.0.12", "10.77.0.13"]), [
      "10.77.0.11 ssh-ed25519 AAAAnew11",
      "10.77.0.12 ssh-ed25519 AAAAnew12",
    ]);
    expect(merged).toBe(
      [
        "# user's comment",
        "[10.77.0.13]:2222 ssh-ed25519 AAAAotherport",
        "10.77.1.11 ssh-ed25519 AAAAotherlab",
        "10.77.0.11 ssh-ed25519 AAAAnew11",
        "10.77.0.12 ssh-ed25519 AAAAnew12",
        "",
      ].join("\n"),
    );
  });

  it("writes one line per host key type, creating the file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-kh-"));
    try {
      const file = join(dir, ".lab", "known_hosts");
      await writeKnownHosts(file, new Map([["10.77.0.11", ["ssh-ed25519 AAAA1", "ssh-rsa AAAA2"]]]));
      expect(await readFile(file, "utf8")).toBe("10.77.0.11 ssh-ed25519 AAAA1\n10.77.0.11 ssh-rsa AAAA2\n");
      await writeFile(file, (await readFile(file, "utf8")) + "10.77.1.5 ssh-ed25519 AAAAkeep\n");
      await writeKnownHosts(file, new Map([["10.77.0.11", ["ssh-ed25519 AAAA3"]]]));
      expect(await readFile(file, "utf8")).toBe("10.77.1.5 ssh-ed25519 AAAAkeep\n10.77.0.11 ssh-ed25519 AAAA3\n");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the lab key", () => {
  it("is created once, and a key named without its .pub gets the public half from ssh-keygen", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-key-"));
    try {
      const file = join(dir, "keys", "id_lab");
      const created = await ensureLabKey(runCommand, file);
      expect(created).toMatch(/^ssh-ed25519 \S+ deploy-lab$/);
      expect(await ensureLabKey(runCommand, file)).toBe(created);
      await rm(`${file}.pub`);
      expect(await ensureLabKey(runCommand, file)).toBe(created);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says what to do when the public half cannot be had", async () => {
    const dir = await mkdtemp(join(tmpdir(), "lab-key-"));
    try {
      const file = join(dir, "not-a-key");
      await writeFile(file, "garbage\n", { mode: 0o600 });
      await expect(ensureLabKey(runCommand, file)).rejects.toThrow(`no ${file}.pub beside it`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
