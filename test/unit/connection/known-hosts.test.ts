import { describe, expect, it } from "vitest";
import {
  entryMatches,
  fingerprint,
  globMatch,
  hostKeyAlgorithms,
  hostToken,
  keyTypeOf,
  knownHostsLine,
  lookupHost,
  parseKnownHosts,
} from "../../../src/connection/known-hosts.js";

// Keys and hashed lines produced by ssh-keygen (ssh-keygen -H, ssh-keygen -l) as the oracle.
const K1 = "AAAAC3NzaC1lZDI1NTE5AAAAIIem+P0L8IuU9zKPw+1zU8ZgFvn52sgRKJEg/lEyICnb";
const K1_FP = "SHA256:O2fg8/Avqx5zXnqGZZTuy1Hn/xQBf2VH5fUeu8MAHgU";
const K2 = "AAAAC3NzaC1lZDI1NTE5AAAAINXxB3kXJXVcG+3A+8Ie8NUyckEm7pBinY1FAZ9SlbJ9";
const K3 = "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBOP/Xs3OMaEzAJ6uPs6Ctg4nNlw+aAHghy1pgQ6ehU2uJ/jNP0u8iX2cHbWWovHo4+10Ot7a/nTtnSddpRc/OEk=";
const HASHED_10_77_0_11 = "|1|dGPYdDv0Kq/57kpVohrNrPd0Mus=|6PiX0PUizNbCiK8JZ++wcji+W2w=";
const HASHED_10_77_0_12_PORT_2222 = "|1|zakdVzsaYOLo3bk14fkg6QvLu7w=|ABVRRG71Vv/efZBZz0TOeNlY0p4=";

const blob = (b64: string): Buffer => Buffer.from(b64, "base64");

function keysFor(text: string, address: string, port = 22): string[] {
  return lookupHost(parseKnownHosts(text, "kh").entries, address, port).keys.map((e) => e.key.toString("base64"));
}

describe("known_hosts host matching", () => {
  it("matches plain names, comma lists and is case-insensitive", () => {
    const text = `web-01,10.77.0.11 ssh-ed25519 ${K1}\nDB.example.com ssh-ed25519 ${K2}\n`;
    expect(keysFor(text, "10.77.0.11")).toEqual([K1]);
    expect(keysFor(text, "web-01")).toEqual([K1]);
    expect(keysFor(text, "db.EXAMPLE.com")).toEqual([K2]);
    expect(keysFor(text, "10.77.0.1")).toEqual([]);
  });

  it("uses [host]:port for other ports and the bare name only for port 22", () => {
    const text = `[10.77.0.11]:2222 ssh-ed25519 ${K1}\n10.77.0.11 ssh-ed25519 ${K2}\n`;
    expect(keysFor(text, "10.77.0.11", 2222)).toEqual([K1]);
    expect(keysFor(text, "10.77.0.11", 22)).toEqual([K2]);
    expect(keysFor(text, "10.77.0.11", 2200)).toEqual([]);
    expect(hostToken("10.77.0.11", 22)).toBe("10.77.0.11");
    expect(hostToken("::1", 2222)).toBe("[::1]:2222");
  });

  it("matches hashed names written by ssh-keygen -H, including [host]:port", () => {
    const text = `${HASHED_10_77_0_11} ssh-ed25519 ${K1}\n${HASHED_10_77_0_12_PORT_2222} ssh-ed25519 ${K2}\n`;
    expect(keysFor(text, "10.77.0.11")).toEqual([K1]);
    expect(keysFor(text, "10.77.0.12", 2222)).toEqual([K2]);
    expect(keysFor(text, "10.77.0.12")).toEqual([]);
    expect(keysFor(text, "10.77.0.111")).toEqual([]);
  });

  it("applies globs and lets a negated pattern veto the whole line", () => {
    const text = `10.77.0.*,!10.77.0.13 ssh-ed25519 ${K1}\nweb-0? ssh-ed25519 ${K2}\n`;
    expect(keysFor(text, "10.77.0.11")).toEqual([K1]);
    expect(keysFor(text, "10.77.0.13")).toEqual([]);
    expect(keysFor(text, "web-02")).toEqual([K2]);
    expect(keysFor(text, "web-002")).toEqual([]);
    // A negation alone matches nothing.
    expect(entryMatches({ patterns: [{ kind: "glob", pattern: "a", negated: true }] }, "b")).toBe(false);
  });

  it("globMatch handles stars in the middle and backtracking", () => {
    expect(globMatch("*.example.com", "a.b.example.com")).toBe(true);
    expect(globMatch("a*b*c", "axxbyyc")).toBe(true);
    expect(globMatch("a*b*c", "axxbyy")).toBe(false);
    expect(globMatch("[10.0.0.?]:22*", "[10.0.0.5]:2222")).toBe(true);
  });

  it("separates @revoked lines, ignores @cert-authority with a reason, reports unusable lines", () => {
    const text = [
      "# comment",
      `@revoked * ssh-ed25519 ${K2}`,
      `@cert-authority *.lab ssh-ed25519 ${K3}`,
      `@bogus host ssh-ed25519 ${K1}`,
      "host-only-two-fields ssh-ed25519",
      `db.lab ssh-ed25519 ${K1}`,
    ].join("\n");
    const parsed = parseKnownHosts(text, "/p/kh");
    expect(parsed.skipped).toEqual(["/p/kh:4: unknown marker @bogus", "/p/kh:5: expected 'hosts keytype key'"]);
    const found = lookupHost(parsed.entries, "db.lab", 22);
    expect(found.keys.map((k) => k.line)).toEqual([6]);
    expect(found.revoked.map((k) => k.line)).toEqual([2]);
    expect(found.notes).toEqual(["/p/kh:3: @cert-authority line ignored (host certificates are not supported)"]);
  });
});

describe("key helpers", () => {
  it("prints the SHA256 fingerprint ssh-keygen -l prints", () => {
    expect(fingerprint(blob(K1))).toBe(K1_FP);
  });

  it("reads the key type from the blob and writes a line ssh would accept", () => {
    expect(keyTypeOf(blob(K3))).toBe("ecdsa-sha2-nistp256");
    expect(keyTypeOf(Buffer.from([0, 0]))).toBe("unknown");
    expect(knownHostsLine("10.77.0.12", 2222, blob(K1))).toBe(`[10.77.0.12]:2222 ssh-ed25519 ${K1}`);
  });

  it("offers only the algorithms of recorded key types, rsa with its sha2 signatures, strongest first", () => {
    expect(hostKeyAlgorithms(["ssh-rsa", "ssh-ed25519"])).toEqual(["ssh-ed25519", "rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
    expect(hostKeyAlgorithms(["sk-ssh-ed25519@openssh.com"])).toEqual([]);
  });
});
