// A vault password that does not open the vault is named by its source. The sources come in a fixed order
// (--vault-password-file, DEPLOY_VAULT_PASSWORD_FILE, DEPLOY_VAULT_PASSWORD, the inventory's
// vault_password_file, a prompt): a variable left set for another project comes before the inventory's own
// file, so the message says so and how to use the file instead.
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { loadProject } from "../../../src/config/project.js";
import { encryptVault } from "../../../src/vault/cipher.js";
import { problemLines, tempProject } from "./temp-project.js";

const KDF = { N: 1024, r: 8, p: 1 };

function project(settings: string): string {
  return tempProject({
    "inventory/i.yaml": `settings:\n  vars_files: [../vault.yaml]\n${settings}hosts:\n  web-01: { address: 10.0.0.11 }\n`,
    "playbooks/site.yaml": "- hosts: all\n  tasks: []\n",
    "vault.yaml": encryptVault("db_password: hunter2-secret\n", "right-pw", KDF),
    "right.pw": "right-pw\n",
    "stale.pw": "stale-pw\n",
  });
}

async function problems(dir: string, env: NodeJS.ProcessEnv, vaultPasswordFile?: string): Promise<string[]> {
  return problemLines(dir, () =>
    loadProject({ cwd: dir, inventoryFile: "inventory/i.yaml", env, ...(vaultPasswordFile ? { vaultPasswordFile } : {}) }),
  );
}

const WRONG = "inventory/i.yaml:2:16: settings.vars_files: vars file ../vault.yaml: wrong vault password, or the vault file was modified";

describe("a wrong vault password names its source", () => {
  it("a stale DEPLOY_VAULT_PASSWORD before the inventory's vault_password_file: says so and how to use the file", async () => {
    const dir = project("  vault_password_file: ../right.pw\n");
    expect(await problems(dir, { DEPLOY_VAULT_PASSWORD: "stale-pw" })).toEqual([
      `${WRONG} (the password came from DEPLOY_VAULT_PASSWORD; it comes before the inventory's vault_password_file ${path.join(dir, "right.pw")}: unset DEPLOY_VAULT_PASSWORD to use that file)`,
    ]);
    expect(await problems(dir, { DEPLOY_VAULT_PASSWORD_FILE: path.join(dir, "stale.pw") })).toEqual([
      `${WRONG} (the password came from DEPLOY_VAULT_PASSWORD_FILE (${path.join(dir, "stale.pw")}); it comes before the inventory's vault_password_file ${path.join(dir, "right.pw")}: unset DEPLOY_VAULT_PASSWORD_FILE to use that file)`,
    ]);
    // Without the variable, the inventory's file opens it.
    expect(await problems(dir, {})).toEqual([]);
  });

  it("names the inventory's file, --vault-password-file, or the variable alone", async () => {
    const withFile = project("  vault_password_file: ../stale.pw\n");
    expect(await problems(withFile, {})).toEqual([`${WRONG} (the password came from the inventory's vault_password_file ${path.join(withFile, "stale.pw")})`]);
    expect(await problems(withFile, { DEPLOY_VAULT_PASSWORD: "right-pw" }, path.join(withFile, "stale.pw"))).toEqual([
      `${WRONG} (the password came from --vault-password-file ${path.join(withFile, "stale.pw")})`,
    ]);
    const without = project("");
    expect(await problems(without, { DEPLOY_VAULT_PASSWORD: "stale-pw" })).toEqual([`${WRONG} (the password came from DEPLOY_VAULT_PASSWORD)`]);
  });

  it("does not blame the password for a file that is not a vault it can read", async () => {
    const dir = project("  vault_password_file: ../right.pw\n");
    const { writeFileSync, readFileSync } = await import("node:fs");
    const sealed = readFileSync(path.join(dir, "vault.yaml"), "utf8");
    writeFileSync(path.join(dir, "vault.yaml"), sealed.split("\n")[0] + "\nAAAA\n");
    expect(await problems(dir, {})).toEqual(["inventory/i.yaml:2:16: settings.vars_files: vars file ../vault.yaml: vault file is truncated"]);
  });

  it("deploy vault view says where its password came from", async () => {
    const dir = project("");
    const err: string[] = [];
    const io: CliIO = { out: () => undefined, err: (l) => err.push(l), isTTY: false, cwd: dir, env: { DEPLOY_VAULT_PASSWORD: "stale-pw" } };
    expect(await main(["vault", "view", "vault.yaml"], io)).toBe(1);
    expect(err).toEqual([
      `deploy vault: ${path.join(dir, "vault.yaml")}: wrong vault password, or the vault file was modified (the password came from DEPLOY_VAULT_PASSWORD)`,
    ]);
  });
});

describe("--vault-password-file that is a named pipe (mkfifo)", () => {
  /** A pipe at `file` that a shell writes `text` to after `delay` seconds (then waits for a reader). */
  function pipeWriter(file: string, delay: number, text: string) {
    execFileSync("mkfifo", [file]);
    const shell = spawn("sh", ["-c", `sleep ${delay}; printf '%s' "$2" > "$1"`, "sh", file, text], { stdio: "ignore" });
    return { end: () => shell.kill() };
  }

  it("is read when its writer writes, as `<(echo pw)` is", async () => {
    const dir = project("");
    const writer = pipeWriter(path.join(dir, "pw.fifo"), 0.1, "right-pw\n");
    try {
      expect(await problems(dir, {}, path.join(dir, "pw.fifo"))).toEqual([]);
    } finally {
      writer.end();
    }
  });

  it("without a writer: a problem after the wait, not a hang", async () => {
    const dir = project("");
    // A writer far too late, so that a read that waits for one (the defect) ends, and fails the test, too.
    const writer = pipeWriter(path.join(dir, "pw.fifo"), 4, "right-pw\n");
    const started = Date.now();
    try {
      expect(await problems(dir, {}, path.join(dir, "pw.fifo"))).toEqual([
        `inventory/i.yaml:2:16: settings.vars_files: vars file ../vault.yaml: the vault password file ${path.join(dir, "pw.fifo")}: is a named pipe (FIFO) ` +
          "that nothing wrote to within 2 s: start the command that writes to it first, or give the file itself",
      ]);
      expect(Date.now() - started).toBeLessThan(3500);
    } finally {
      writer.end();
    }
  });
});
