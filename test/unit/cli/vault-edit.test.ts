// `deploy vault edit` as a script or CI job meets it (stdin not a terminal): each outcome is one clear line,
// and a refused edit says that the changes were NOT saved.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { CliIO } from "../../../src/cli/command.js";
import { main } from "../../../src/cli/main.js";
import { decryptVault, encryptVault } from "../../../src/vault/cipher.js";
import { fakeEditor, type Round } from "../vault/fake-editor.js";

const PASSWORD = "pw";
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function vaultEdit(rounds: Round[], opts: { exists?: boolean; editor?: string; file?: string } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), "deploy-cli-vault-edit-"));
  dirs.push(dir);
  const file = path.join(dir, "vault/ex.yaml");
  const sealed = encryptVault("db_password: hunter2\n", PASSWORD, { N: 1024, r: 8, p: 1 });
  writeFileSync(path.join(dir, "pw"), PASSWORD);
  mkdirSync(path.dirname(file));
  if (opts.exists !== false) writeFileSync(file, sealed);
  const editor = fakeEditor(rounds);
  dirs.push(editor.dir);
  const err: string[] = [];
  const io: CliIO = {
    out: () => {},
    err: (line) => err.push(...line.split("\n")),
    isTTY: false,
    cwd: dir,
    env: { PATH: process.env["PATH"], HOME: dir, EDITOR: opts.editor ?? editor.command, XDG_RUNTIME_DIR: dir, DEPLOY_VAULT_PASSWORD_FILE: path.join(dir, "pw") },
  };
  const code = await main(["vault", "edit", opts.file ?? "vault/ex.yaml"], io);
  const now = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  return { code, err, sealed, now, editor };
}

describe("deploy vault edit, not on a terminal", () => {
  it("a duplicate key: refused on one located line that says the changes were NOT saved", async () => {
    const r = await vaultEdit([{ write: "a: 1\na: 2\n" }]);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      "deploy vault: vault/ex.yaml:2:1: a: duplicate key `a` (first defined on line 1); changes NOT saved, vault/ex.yaml is unchanged (not on a terminal, so no second try in the editor)",
    ]);
    expect(r.now).toBe(r.sealed);
    expect(existsSync(r.editor.file())).toBe(false);
  });

  it("an unclosed quote and a list are refused the same way, located, without a dangling colon", async () => {
    for (const [write, problem] of [
      ['a: "x\nb: 1\n', "vault/ex.yaml:3:1: Missing closing \"quote"],
      ["just a string\n", "vault/ex.yaml:1:1: a vault holds vars: it must be a map of names to values, got a string"],
    ] as const) {
      const r = await vaultEdit([{ write }]);
      expect(r.code).toBe(1);
      expect(r.err).toEqual([`deploy vault: ${problem}; changes NOT saved, vault/ex.yaml is unchanged (not on a terminal, so no second try in the editor)`]);
      expect(r.now).toBe(r.sealed);
    }
  });

  it("nothing changed: says so and does not rewrite the vault", async () => {
    const r = await vaultEdit([{}]);
    expect(r.code).toBe(0);
    expect(r.err).toEqual(["no changes; vault/ex.yaml left as it was"]);
    expect(r.now).toBe(r.sealed);
  });

  it("a new vault left empty is not created", async () => {
    const r = await vaultEdit([{}], { exists: false });
    expect(r.code).toBe(0);
    expect(r.err).toEqual(["nothing written; vault/ex.yaml not created"]);
    expect(r.now).toBeUndefined();
  });

  it("the editor failing or missing: nothing saved, and said so", async () => {
    const failed = await vaultEdit([{ write: "a: 2\n", exit: 2 }]);
    expect([failed.code, failed.err]).toEqual([1, ["deploy vault: the editor exited with status 2; changes NOT saved, vault/ex.yaml is unchanged"]]);
    expect(failed.now).toBe(failed.sealed);
    const missing = await vaultEdit([], { editor: "no-such-editor-for-deploy -f" });
    expect([missing.code, missing.err]).toEqual([1, ["deploy vault: editor 'no-such-editor-for-deploy -f' not found (set VISUAL or EDITOR); vault/ex.yaml is unchanged"]]);
  });

  it("a new vault in a missing directory is refused before the editor opens", async () => {
    const r = await vaultEdit([{ write: "a: 1\n" }], { exists: false, file: "nodir/ex.yaml" });
    expect([r.code, r.err]).toEqual([1, ["deploy vault: cannot create nodir/ex.yaml: its directory does not exist"]]);
    expect(r.editor.rounds()).toBe(0);
  });

  it("a valid edit is saved, encrypted", async () => {
    const r = await vaultEdit([{ write: "db_password: hunter3\n" }]);
    expect([r.code, r.err]).toEqual([0, ["saved vault/ex.yaml (encrypted)"]]);
    expect(decryptVault(r.now ?? "", PASSWORD)).toBe("db_password: hunter3\n");
  });
});
