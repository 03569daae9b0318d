// `deploy vault encrypt|decrypt|view|edit|rekey FILE`: manage encrypted vars files.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { VaultError, isVault } from "../../vault/cipher.js";
import { decryptFile, encryptText, readText, writePrivate } from "../../vault/file.js";
import { vaultPassword } from "../../vault/password.js";
import { canPrompt, promptHidden } from "../../util/prompt.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";

const USAGE = `Usage: deploy vault <encrypt|decrypt|view|edit|rekey> FILE [--vault-password-file F]

Vault files are vars files encrypted at rest (AES-256-GCM, key from scrypt). List them in an inventory's
settings.vars_files; their values are decrypted in memory only and redacted from all output.

  encrypt FILE   encrypt a plain vars file in place
  decrypt FILE   decrypt in place (think twice: the file is then in clear on disk)
  view FILE      print the decrypted vars
  edit FILE      decrypt to a private temp file, open $VISUAL/$EDITOR, re-encrypt (creates FILE if missing)
  rekey FILE     re-encrypt with a new password (DEPLOY_VAULT_NEW_PASSWORD, --new-vault-password-file, or asked)

Password: --vault-password-file F, DEPLOY_VAULT_PASSWORD_FILE, DEPLOY_VAULT_PASSWORD, or asked on a terminal.`;

async function newPassword(io: CliIO, file: string | undefined): Promise<string> {
  if (file) return vaultPassword({ file, env: {}, label: "the new vault password" });
  const fromEnv = io.env["DEPLOY_VAULT_NEW_PASSWORD"];
  if (fromEnv) return fromEnv;
  if (!canPrompt()) throw new VaultError("set DEPLOY_VAULT_NEW_PASSWORD or --new-vault-password-file, or run on a terminal");
  const first = await promptHidden("New vault password: ");
  const second = await promptHidden("New vault password again: ");
  if (first !== second) throw new VaultError("the two passwords differ");
  return first;
}

async function run(args: string[], io: CliIO): Promise<number> {
  const parsed = parseCommandArgs(args, { "vault-password-file": { type: "string" }, "new-vault-password-file": { type: "string" } });
  const [action, fileArg, extra] = parsed.positionals;
  if (!action || !["encrypt", "decrypt", "view", "edit", "rekey"].includes(action)) {
    throw new UsageError(`expected one of encrypt, decrypt, view, edit, rekey${action ? `, got '${action}'` : ""}`);
  }
  if (!fileArg) throw new UsageError(`missing FILE`);
  if (extra) throw new UsageError(`unexpected argument '${extra}'`);
  const file = path.resolve(io.cwd, fileArg);
  const password = () => vaultPassword({ file: parsed.values["vault-password-file"], env: io.env, label: fileArg });

  try {
    switch (action) {
      case "encrypt": {
        const text = readText(file);
        if (isVault(text)) throw new VaultError(`${fileArg} is already encrypted`);
        writePrivate(file, encryptText(text, await password(), fileArg));
        io.err(`encrypted ${fileArg}`);
        break;
      }
      case "decrypt":
        writePrivate(file, decryptFile(file, await password()));
        io.err(`decrypted ${fileArg} (it is now in clear on disk)`);
        break;
      case "view":
        io.out(decryptFile(file, await password()).replace(/\n$/, ""));
        break;
      case "rekey": {
        const plain = decryptFile(file, await password());
        writePrivate(file, encryptText(plain, await newPassword(io, parsed.values["new-vault-password-file"]), fileArg));
        io.err(`rekeyed ${fileArg}`);
        break;
      }
      case "edit":
        return edit(file, fileArg, await password(), io);
    }
  } catch (error: unknown) {
    if (error instanceof VaultError) {
      io.err(`deploy vault: ${error.message}`);
      return EXIT.invalid;
    }
    throw error;
  }
  return EXIT.ok;
}

function edit(file: string, label: string, password: string, io: CliIO): number {
  const exists = existsSync(file);
  const before = exists ? decryptFile(file, password) : "";
  const dir = mkdtempSync(path.join(process.env["XDG_RUNTIME_DIR"] ?? os.tmpdir(), "deploy-vault-"));
  const tmp = path.join(dir, path.basename(file));
  try {
    writePrivate(tmp, before);
    const editor = io.env["VISUAL"] || io.env["EDITOR"] || "vi";
    // The editor is a command line the user chose (it may carry flags), so it runs through the shell
    // with the file as a separate, quoted argument.
    const result = spawnSync("sh", ["-c", `${editor} "$1"`, "editor", tmp], { stdio: "inherit" });
    if (result.status !== 0) throw new VaultError(`the editor exited with status ${result.status ?? result.signal}; ${label} is unchanged`);
    const after = readText(tmp);
    if (after === before && exists) {
      io.err(`${label} unchanged`);
      return EXIT.ok;
    }
    writePrivate(file, encryptText(after, password, label));
    io.err(`saved ${label} (encrypted)`);
    return EXIT.ok;
  } catch (error: unknown) {
    if (error instanceof VaultError) {
      io.err(`deploy vault: ${error.message}`);
      return EXIT.invalid;
    }
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const vaultCommand: Command = { name: "vault", usage: USAGE, run };
