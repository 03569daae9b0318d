import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { mergeKnownHosts, writeKnownHosts } from "../../../src/lab/keys.js";

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
