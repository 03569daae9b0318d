// Where the vault password comes from, in order: --vault-password-file / DEPLOY_VAULT_PASSWORD_FILE,
// DEPLOY_VAULT_PASSWORD, the inventory's `vault_password_file` setting (the lab's documented password),
// then a prompt on a terminal. Never from a command-line argument (it would show in `ps`).
import { readFileSync, statSync } from "node:fs";
import { canPrompt, promptHidden } from "../util/prompt.js";
import { VaultError } from "./cipher.js";

export interface PasswordSources {
  file?: string;
  env: NodeJS.ProcessEnv;
  /** From the inventory settings, resolved to an absolute path. */
  inventoryFile?: string;
  /** Label used in the prompt and messages, e.g. the vault file's name. */
  label: string;
}

function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error: unknown) {
    throw new VaultError(`cannot read the vault password file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
  }
  const password = text.replace(/\r?\n$/, "");
  if (!password) throw new VaultError(`the vault password file ${file} is empty`);
  return password;
}

/** Warn-worthy: a password file others can read. */
export function passwordFileIsOpen(file: string): boolean {
  try {
    return (statSync(file).mode & 0o077) !== 0;
  } catch {
    return false;
  }
}

export async function vaultPassword(sources: PasswordSources): Promise<string> {
  const file = sources.file ?? sources.env["DEPLOY_VAULT_PASSWORD_FILE"];
  if (file) return readPasswordFile(file);
  const fromEnv = sources.env["DEPLOY_VAULT_PASSWORD"];
  if (fromEnv) return fromEnv;
  if (sources.inventoryFile) return readPasswordFile(sources.inventoryFile);
  if (canPrompt()) return promptHidden(`Vault password for ${sources.label}: `);
  throw new VaultError(
    `${sources.label} is encrypted: set DEPLOY_VAULT_PASSWORD or DEPLOY_VAULT_PASSWORD_FILE, or run on a terminal to be asked`,
  );
}
