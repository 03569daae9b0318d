import { describe, expect, it } from "vitest";
import { decryptVault, decryptVaultAsync, encryptVault, isVault, VaultError } from "../../../src/vault/cipher.js";

// A small scrypt cost keeps the suite fast; the format and checks are the same as the default.
const FAST = { N: 1024, r: 8, p: 1 };

describe("vault cipher", () => {
  it("round-trips a vars file and does not contain the plaintext", () => {
    const plain = "mysql_root_password: s3cr3t-Value\n";
    const sealed = encryptVault(plain, "pw", FAST);
    expect(isVault(sealed)).toBe(true);
    expect(sealed).not.toContain("s3cr3t");
    expect(decryptVault(sealed, "pw")).toBe(plain);
  });

  it("decrypts the same off the event loop, with the same refusals", async () => {
    const sealed = encryptVault("a: 1\n", "pw", FAST);
    await expect(decryptVaultAsync(sealed, "pw")).resolves.toBe("a: 1\n");
    await expect(decryptVaultAsync(sealed, "wrong")).rejects.toThrow(/wrong vault password, or the vault file was modified/);
    await expect(decryptVaultAsync(sealed, "")).rejects.toThrow(/empty/);
    await expect(decryptVaultAsync("hello", "pw")).rejects.toThrow(/not a deploy vault file/);
  });

  it("uses a fresh salt and nonce each time", () => {
    expect(encryptVault("a: 1\n", "pw", FAST)).not.toBe(encryptVault("a: 1\n", "pw", FAST));
  });

  it("refuses a wrong password with a clear message", () => {
    const sealed = encryptVault("a: 1\n", "right", FAST);
    expect(() => decryptVault(sealed, "wrong")).toThrow(/wrong vault password, or the vault file was modified/);
  });

  it("detects a tampered body", () => {
    const sealed = encryptVault("a: 1\nb: 2\n", "pw", FAST);
    const lines = sealed.split("\n");
    const body = lines[1]!;
    const flipped = body.slice(0, 40) + (body[40] === "A" ? "B" : "A") + body.slice(41);
    expect(() => decryptVault([lines[0], flipped, ...lines.slice(2)].join("\n"), "pw")).toThrow(VaultError);
  });

  it("detects a tampered header (the header is authenticated)", () => {
    const sealed = encryptVault("a: 1\n", "pw", FAST);
    const changed = sealed.replace("N=1024", "N=2048");
    expect(() => decryptVault(changed, "pw")).toThrow(/wrong vault password, or the vault file was modified/);
  });

  it("rejects a truncated file and a hostile header", () => {
    const sealed = encryptVault("a: 1\n", "pw", FAST);
    expect(() => decryptVault(sealed.split("\n")[0]! + "\nAAAA\n", "pw")).toThrow(/truncated/);
    expect(() => decryptVault(sealed.replace("N=1024", "N=1073741824"), "pw")).toThrow(/out-of-range/);
    expect(() => decryptVault("$DEPLOY_VAULT;9;scrypt:N=1024,r=8,p=1;aes-256-gcm\nAAAA", "pw")).toThrow(/version 9/);
    expect(() => decryptVault("hello", "pw")).toThrow(/not a deploy vault file/);
  });

  it("refuses an empty password", () => {
    expect(() => encryptVault("a: 1\n", "", FAST)).toThrow(/empty/);
  });
});
