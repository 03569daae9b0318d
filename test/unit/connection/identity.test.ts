import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createIdentityStore, loadIdentity } from "../../../src/connection/identity.js";

// Real keys from ssh-keygen: one plain, one encrypted (new OpenSSH format), one encrypted PEM RSA key.
const dir = mkdtempSync(join(tmpdir(), "deploy-keys-"));
const keygen = (file: string, ...args: string[]) => execFileSync("ssh-keygen", ["-q", "-f", join(dir, file), ...args]);
keygen("plain", "-t", "ed25519", "-N", "");
keygen("locked", "-t", "ed25519", "-N", "correct horse");
keygen("locked-pem", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "pem pass");

describe("identity files", () => {
  it("loads a plain key", async () => {
    expect((await loadIdentity(join(dir, "plain"), "h", {})).type).toBe("ssh-ed25519");
  });

  it("decrypts with the passphrase from the environment source, both formats", async () => {
    expect((await loadIdentity(join(dir, "locked"), "h", { passphrase: "correct horse" })).type).toBe("ssh-ed25519");
    expect((await loadIdentity(join(dir, "locked-pem"), "h", { passphrase: "pem pass" })).type).toBe("ssh-rsa");
  });

  it("says 'wrong passphrase' for a wrong one, and what to do when none is available", async () => {
    await expect(loadIdentity(join(dir, "locked"), "h", { passphrase: "nope" })).rejects.toMatchObject({
      kind: "auth-failed",
      message: `wrong passphrase for identity file ${join(dir, "locked")}`,
    });
    await expect(loadIdentity(join(dir, "locked"), "h", {})).rejects.toMatchObject({
      kind: "auth-failed",
      hint: expect.stringContaining("DEPLOY_SSH_PASSPHRASE"),
    });
  });

  it("reports a missing file", async () => {
    await expect(loadIdentity(join(dir, "absent"), "h", {})).rejects.toThrow(`identity file ${join(dir, "absent")} not found`);
  });

  it("asks the prompt once per file however many hosts use it", async () => {
    let asked = 0;
    const store = createIdentityStore({ prompt: async () => (asked++, "correct horse") });
    const keys = await Promise.all(["a", "b", "c"].map((h) => store.load(join(dir, "locked"), h)));
    expect(keys.every((k) => k.type === "ssh-ed25519")).toBe(true);
    expect(asked).toBe(1);
  });

  it("refuses a key its owner left open to group or others, as OpenSSH does, naming the file, its mode and the chmod", async () => {
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      const file = join(dir, `open-${mode.toString(8)}`);
      copyFileSync(join(dir, "plain"), file);
      chmodSync(file, mode);
      const shown = `0${mode.toString(8)}`;
      await expect(loadIdentity(file, "web-01", {})).rejects.toMatchObject({
        kind: "auth-failed",
        hostName: "web-01",
        message: `identity file ${file} has mode ${shown}: a private key must not be accessible by group or others (OpenSSH refuses it too)`,
        hint: `Run: chmod 600 ${file}`,
      });
    }
    // Before any passphrase is asked for.
    const locked = join(dir, "locked-open");
    copyFileSync(join(dir, "locked"), locked);
    chmodSync(locked, 0o644);
    let asked = 0;
    await expect(loadIdentity(locked, "h", { prompt: async () => (asked++, "correct horse") })).rejects.toThrow("has mode 0644");
    expect(asked).toBe(0);
    // Owner-only modes are fine, read-only included.
    for (const mode of [0o600, 0o400, 0o700]) {
      const file = join(dir, `closed-${mode.toString(8)}`);
      copyFileSync(join(dir, "plain"), file);
      chmodSync(file, mode);
      expect((await loadIdentity(file, "h", {})).type).toBe("ssh-ed25519");
    }
  });

  // OpenSSH checks only a key owned by the user running it: another user's key (root's, shared through a
  // group) is that owner's decision. Changing a file's owner takes root.
  it.runIf(process.getuid?.() === 0)("does not check the mode of a key another user owns", async () => {
    const file = join(dir, "others");
    copyFileSync(join(dir, "plain"), file);
    chmodSync(file, 0o644);
    chownSync(file, 4321, 4321);
    expect((await loadIdentity(file, "h", {})).type).toBe("ssh-ed25519");
  });

  it("quotes the file in the chmod to run", async () => {
    const file = join(dir, "my key");
    copyFileSync(join(dir, "plain"), file);
    chmodSync(file, 0o644);
    await expect(loadIdentity(file, "h", {})).rejects.toMatchObject({ hint: `Run: chmod 600 '${file}'` });
  });

  it("says a .pub file is the public key and names the private key of the pair", async () => {
    await expect(loadIdentity(join(dir, "plain.pub"), "web-01", {})).rejects.toMatchObject({
      kind: "auth-failed",
      message: `identity file ${join(dir, "plain.pub")} is a public key: give the private key instead, ${join(dir, "plain")}`,
      hint: `Set identity_file to ${join(dir, "plain")}.`,
    });
    const lone = join(dir, "lone.pub");
    copyFileSync(join(dir, "plain.pub"), lone);
    await expect(loadIdentity(lone, "h", {})).rejects.toMatchObject({
      message: `identity file ${lone} is a public key: give the private key`,
      hint: expect.stringContaining("without the extension"),
    });
  });
});
