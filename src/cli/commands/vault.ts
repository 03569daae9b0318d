// `deploy vault encrypt|decrypt|view|edit|rekey FILE`: manage encrypted vars files.
import os from "node:os";
import path from "node:path";
import { VaultError, WrongVaultPassword, isVault } from "../../vault/cipher.js";
import { askOnTerminal, editVault } from "../../vault/edit.js";
import { decryptFile, encryptText, readText, writePrivate } from "../../vault/file.js";
import { passwordOrigin, resolveVaultPassword, vaultPassword, type VaultPassword } from "../../vault/password.js";
import { canPrompt, promptHidden } from "../../util/prompt.js";
import { EXIT, parseCommandArgs, UsageError, type CliIO, type Command } from "../command.js";

const USAGE = `Usage: deploy vault <encrypt|decrypt|view|edit|rekey> FILE [--vault-password-file F]

Vault files are vars files encrypted at rest (AES-256-GCM, key from scrypt). List them in an inventory's
settings.vars_files; their values are decrypted in memory only and redacted from all output.

  encrypt FILE   encrypt a plain vars file in place
  decrypt FILE   decrypt in place (think twice: the file is then in clear on disk)
  view FILE      print the decrypted vars
  edit FILE      decrypt to a private temp file, open $VISUAL/$EDITOR, re-encrypt (creates FILE if missing);
                 on a terminal, a mistake in the text reopens the editor on it (or quit without saving)
  rekey FILE     re-encrypt with a new password (DEPLOY_VAULT_NEW_PASSWORD, --new-vault-password-file, or asked)

Password, the first of: --vault-password-file F, DEPLOY_VAULT_PASSWORD_FILE, DEPLOY_VAULT_PASSWORD, or asked
on a terminal.`;

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
  let used: VaultPassword | undefined;
  const password = async () => (used = await resolveVaultPassword({ file: parsed.values["vault-password-file"], env: io.env, label: fileArg })).password;

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
        return await edit(file, fileArg, await password(), io);
    }
  } catch (error: unknown) {
    if (error instanceof VaultError) {
      const wrong = error instanceof WrongVaultPassword || error.cause instanceof WrongVaultPassword;
      io.err(`deploy vault: ${error.message}${wrong && used ? ` (${passwordOrigin(used)})` : ""}`);
      return EXIT.invalid;
    }
    throw error;
  }
  return EXIT.ok;
}

async function edit(file: string, label: string, password: string, io: CliIO): Promise<number> {
  const outcome = await editVault({
    file,
    label,
    password,
    editor: io.env["VISUAL"] || io.env["EDITOR"] || "vi",
    env: io.env,
    tmpRoot: io.env["XDG_RUNTIME_DIR"] || os.tmpdir(),
    say: io.err,
    ask: canPrompt() ? askOnTerminal : undefined,
  });
  switch (outcome) {
    case "saved":
      io.err(`saved ${label} (encrypted)`);
      return EXIT.ok;
    case "unchanged":
      io.err(`no changes; ${label} left as it was`);
      return EXIT.ok;
    case "not-created":
      io.err(`nothing written; ${label} not created`);
      return EXIT.ok;
    case "quit":
      io.err(`deploy vault: quit without saving; ${label} is unchanged`);
      return EXIT.invalid;
    case "interrupted":
      io.err(`deploy vault: interrupted; changes NOT saved, ${label} is unchanged`);
      return EXIT.interrupted;
  }
}

export const vaultCommand: Command = { name: "vault", usage: USAGE, run };
