import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
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
});
