import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decideHostKey, hostKeyCheck, loadKnownHosts, type HostKeySubject } from "../../../src/connection/host-key.js";
import { lookupHost, parseKnownHosts } from "../../../src/connection/known-hosts.js";
import { ConnectionError } from "../../../src/connection/types.js";

const K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIIem+P0L8IuU9zKPw+1zU8ZgFvn52sgRKJEg/lEyICnb";
const K1_FP = "SHA256:O2fg8/Avqx5zXnqGZZTuy1Hn/xQBf2VH5fUeu8MAHgU";
const K2 = "AAAAC3NzaC1lZDI1NTE5AAAAINXxB3kXJXVcG+3A+8Ie8NUyckEm7pBinY1FAZ9SlbJ9";
const blob = (b64: string): Buffer => Buffer.from(b64, "base64");

function subject(policy: HostKeySubject["policy"]): HostKeySubject {
  return { hostName: "web-01", address: "10.77.0.11", port: 22, policy, recordFile: "/project/.lab/known_hosts" };
}

function decide(text: string, presented: string, policy: HostKeySubject["policy"]) {
  return decideHostKey(lookupHost(parseKnownHosts(text, "/kh").entries, "10.77.0.11", 22), blob(presented), subject(policy));
}

describe("host key decisions", () => {
  it("accepts a recorded key under every policy that checks", () => {
    expect(decide(`10.77.0.11 ssh-ed25519 ${K1}`, K1, "strict")).toEqual({ action: "accept" });
    expect(decide(`10.77.0.11 ssh-ed25519 ${K1}`, K1, "accept-new")).toEqual({ action: "accept" });
  });

  it("strict refuses an unknown host with its fingerprint and the exact line to add", () => {
    const d = decide("", K1, "strict");
    expect(d.action).toBe("refuse");
    const error = (d as { error: ConnectionError }).error;
    expect(error.kind).toBe("host-key-unknown");
    expect(error.message).toBe("host key of web-01 (10.77.0.11) is not known: refusing to connect (host_key_checking: strict)");
    expect(error.message).not.toContain("\n");
    expect(error.hint).toContain(`offered: ssh-ed25519 ${K1_FP}`);
    expect(error.hint).toContain(`add this line to /project/.lab/known_hosts:\n10.77.0.11 ssh-ed25519 ${K1}`);
  });

  it("accept-new records an unknown key but still refuses a changed one, showing both fingerprints", () => {
    expect(decide("", K1, "accept-new")).toEqual({
      action: "record",
      file: "/project/.lab/known_hosts",
      line: `10.77.0.11 ssh-ed25519 ${K1}`,
      fingerprint: `ssh-ed25519 ${K1_FP}`,
    });
    const d = decide(`10.77.0.11 ssh-ed25519 ${K2}`, K1, "accept-new");
    expect(d.action).toBe("refuse");
    const error = (d as { error: ConnectionError }).error;
    expect(error.kind).toBe("host-key-changed");
    expect(error.message).toContain("has CHANGED");
    expect(error.hint).toContain(`offered:  ssh-ed25519 ${K1_FP}`);
    expect(error.hint).toMatch(/recorded: ssh-ed25519 SHA256:\S+ \(\/kh:1\)/);
    expect(error.hint).toContain("ssh-keygen -R '10.77.0.11' -f /kh");
  });

  it("off accepts anything with a loud warning that says whether the key differed", () => {
    const d = decide(`10.77.0.11 ssh-ed25519 ${K2}`, K1, "off");
    expect(d).toEqual({ action: "accept-unverified", warning: expect.stringMatching(/^WARNING: host key checking is OFF for web-01 .* DIFFERS from known_hosts/) });
  });

  it("refuses a @revoked key whatever the policy", () => {
    for (const policy of ["strict", "accept-new", "off"] as const) {
      const d = decide(`@revoked * ssh-ed25519 ${K1}\n10.77.0.11 ssh-ed25519 ${K1}`, K1, policy);
      expect(d.action, policy).toBe("refuse");
    }
  });
});

describe("hostKeyCheck with files", () => {
  it("reads the user's file first, then the project's; missing files are empty", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-hk-"));
    await writeFile(join(dir, "project"), `10.77.0.11 ssh-ed25519 ${K1}\n`);
    const known = await loadKnownHosts([join(dir, "missing"), join(dir, "project")]);
    const check = hostKeyCheck(known, subject("strict"), () => undefined);
    expect(check.algorithms).toEqual(["ssh-ed25519"]);
    await expect(check.verify(blob(K1))).resolves.toBe(true);
    await expect(check.verify(blob(K2))).resolves.toBe(false);
    expect(check.failure()?.kind).toBe("host-key-changed");
  });

  it("accept-new appends the line to the record file, keeping what is there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "deploy-hk-"));
    const file = join(dir, "sub", "known_hosts");
    const warnings: string[] = [];
    const check = hostKeyCheck(await loadKnownHosts([file]), { ...subject("accept-new"), recordFile: file }, (l) => warnings.push(l));
    expect(check.algorithms).toBeUndefined();
    await expect(check.verify(blob(K1))).resolves.toBe(true);
    expect(await readFile(file, "utf8")).toBe(`10.77.0.11 ssh-ed25519 ${K1}\n`);
    expect(warnings).toEqual([`web-01: new host key ssh-ed25519 ${K1_FP} recorded in ${file} (host_key_checking: accept-new)`]);
    // The recorded key is now trusted strictly.
    const again = hostKeyCheck(await loadKnownHosts([file]), subject("strict"), () => undefined);
    await expect(again.verify(blob(K1))).resolves.toBe(true);
  });
});
