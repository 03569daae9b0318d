// Where the vault password comes from, the first of: --vault-password-file, DEPLOY_VAULT_PASSWORD_FILE,
// DEPLOY_VAULT_PASSWORD, the inventory's `vault_password_file` setting (the lab's documented password),
// then a prompt on a terminal. Never from a command-line argument (it would show in `ps`). As in Ansible,
// the command line comes before the environment and the environment before the project's setting: CI can
// override an inventory's example password file without editing it. The price is that a variable left
// set for another project wins silently, so a password that fails names its source and the file it hid.
import { readFailureReason, readInput } from "../util/read-input.js";
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

// Read as any file the user names is: a named pipe (mkfifo) without a writer is refused after a moment
// instead of waiting forever, silent, as a plain read did.
async function readPasswordFile(file: string): Promise<string> {
  let text: string;
  try {
    text = (await readInput(file)).toString("utf8");
  } catch (error: unknown) {
    throw new VaultError(`the vault password file ${file}: ${readFailureReason(error)}`, { cause: error });
  }
  const password = text.replace(/\r?\n$/, "");
  if (!password) throw new VaultError(`the vault password file ${file} is empty`);
  return password;
}

/** A vault password and where it came from: a password that does not open a vault is named by its source. */
export interface VaultPassword {
  password: string;
  source: string;
  /** The inventory's vault_password_file, when the environment variable named was used instead. */
  shadowed?: { file: string; variable: string };
}

export async function resolveVaultPassword(sources: PasswordSources): Promise<VaultPassword> {
  const shadowing = (variable: string) => (sources.inventoryFile !== undefined ? { shadowed: { file: sources.inventoryFile, variable } } : {});
  if (sources.file) return { password: await readPasswordFile(sources.file), source: `--vault-password-file ${sources.file}` };
  const envFile = sources.env["DEPLOY_VAULT_PASSWORD_FILE"];
  if (envFile) return { password: await readPasswordFile(envFile), source: `DEPLOY_VAULT_PASSWORD_FILE (${envFile})`, ...shadowing("DEPLOY_VAULT_PASSWORD_FILE") };
  const fromEnv = sources.env["DEPLOY_VAULT_PASSWORD"];
  if (fromEnv) return { password: fromEnv, source: "DEPLOY_VAULT_PASSWORD", ...shadowing("DEPLOY_VAULT_PASSWORD") };
  if (sources.inventoryFile) return { password: await readPasswordFile(sources.inventoryFile), source: `the inventory's vault_password_file ${sources.inventoryFile}` };
  if (canPrompt()) return { password: await promptHidden(`Vault password for ${sources.label}: `), source: "the prompt" };
  throw new VaultError(
    `${sources.label} is encrypted: set DEPLOY_VAULT_PASSWORD or DEPLOY_VAULT_PASSWORD_FILE, or run on a terminal to be asked`,
  );
}

export async function vaultPassword(sources: PasswordSources): Promise<string> {
  return (await resolveVaultPassword(sources)).password;
}

/**
 * What follows "wrong vault password": the source used, and, when an environment variable (left over from
 * another project, say) was used before the inventory's own password file, how to use that file.
 */
export function passwordOrigin(used: VaultPassword): string {
  const { shadowed } = used;
  const instead = shadowed ? `; it comes before the inventory's vault_password_file ${shadowed.file}: unset ${shadowed.variable} to use that file` : "";
  return `the password came from ${used.source}${instead}`;
}
