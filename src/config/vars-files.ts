// Vars files (inventory `settings.vars_files`, `-e @file.yaml`): a YAML map of names to values, in the
// clear or vault-encrypted. Decrypted text stays in memory; every string value of a vault file is
// recorded as a secret so reports can redact it.
import { decryptVaultAsync, isVault, WrongVaultPassword } from "../vault/cipher.js";
import { passwordOrigin, type VaultPassword } from "../vault/password.js";
import type { Location, Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { readFailureReason, readInput } from "../util/read-input.js";
import { RESERVED_NAMES } from "./schemas.js";
import { formatPath, parseSource, type PathSegment, type SourceFile } from "./source.js";
import { keyLocations } from "./locate.js";
import { checkExpressions } from "./tasks.js";
import { describeValue } from "./validate.js";
import { checkAnsibleVars } from "./ansible-hints.js";

/** An Ansible Vault file: deploy has its own vault format (deploy vault), and cannot read Ansible's. */
export const ANSIBLE_VAULT_HINT =
  "an Ansible Vault file, which deploy cannot decrypt: `ansible-vault decrypt` it, then `deploy vault encrypt` it (deploy's own vault format)";

function hasTemplateText(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(hasTemplateText);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasTemplateText);
  return false;
}

/** How loaders get the vault password (and its source): asked at most once, only when an encrypted file is met. */
export type PasswordProvider = () => Promise<VaultPassword>;

export interface VarsFileContext {
  problems: Problems;
  secrets: Set<string>;
  password?: PasswordProvider;
}

/** Every string (and number) leaf of a value, for the secrets set. */
export function collectSecrets(value: unknown, into: Set<string>): void {
  if (typeof value === "string") into.add(value);
  else if (typeof value === "number") into.add(String(value));
  else if (Array.isArray(value)) for (const v of value) collectSecrets(v, into);
  else if (value && typeof value === "object") for (const v of Object.values(value)) collectSecrets(v, into);
}

/**
 * Check var names of a vars map (reserved names would be hidden by the scope's own). `secret`: every value
 * is a secret (a vault file); values tagged `!secret` are too.
 */
export function checkVarNames(vars: Vars, source: SourceFile, path: PathSegment[], problems: Problems, secret = false): void {
  // Values may use `{{ }}` (rendered when read); their syntax is checked now.
  for (const [name, value] of Object.entries(vars)) {
    if (hasTemplateText(value)) checkExpressions(value, source, [...path, name], problems, false, secret || isTaggedSecret(value, source.secrets));
  }
  const reserved = RESERVED_NAMES.filter((name) => Object.hasOwn(vars, name));
  if (reserved.length === 0) return;
  const keys = keyLocations(source, path);
  for (const name of reserved) {
    const at = keys.get(name) ?? { file: source.file, line: 1, col: 1 };
    const shown = formatPath([...path, name]);
    problems.add(at, shown, `\`${name}\` is a reserved name in expressions (${RESERVED_NAMES.join(", ")}); rename this var`);
  }
}

function isTaggedSecret(value: unknown, secrets: readonly string[]): boolean {
  const leaves = new Set<string>();
  collectSecrets(value, leaves);
  return secrets.some((secret) => leaves.has(secret));
}

function isPlainMap(value: unknown): value is Vars {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Load one vars file; `from` is where it is referenced (for a missing file). Undefined on problems. */
export async function loadVarsFile(
  file: string,
  from: { location: Location; path: string; written?: string },
  ctx: VarsFileContext,
): Promise<Vars | undefined> {
  const shown = from.written ?? file;
  let bytes: Buffer;
  try {
    bytes = await readInput(file);
  } catch (error: unknown) {
    ctx.problems.add(from.location, from.path, `vars file ${shown}: ${readFailureReason(error)}`);
    return undefined;
  }
  let secret = false;
  const text = bytes.toString("utf8");
  if (text.startsWith("$ANSIBLE_VAULT;")) {
    ctx.problems.add({ file, line: 1, col: 1 }, "", ANSIBLE_VAULT_HINT);
    return undefined;
  }
  if (isVault(text)) {
    if (!ctx.password) {
      ctx.problems.add(from.location, from.path, `vars file ${shown} is vault-encrypted and no vault password is available`);
      return undefined;
    }
    let used: VaultPassword | undefined;
    try {
      used = await ctx.password();
      bytes = Buffer.from(await decryptVaultAsync(text, used.password), "utf8");
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      const origin = error instanceof WrongVaultPassword && used ? ` (${passwordOrigin(used)})` : "";
      ctx.problems.add(from.location, from.path, `vars file ${shown}: ${message}${origin}`);
      return undefined;
    }
    secret = true;
  }
  const source = parseSource(file, bytes, "a map of var names to values", ctx.problems);
  if (!source) return undefined;
  if (!isPlainMap(source.value)) {
    ctx.problems.add({ file, line: 1, col: 1 }, "", `a vars file must be a map of names to values, got ${describeValue(source.value)}`);
    return undefined;
  }
  checkVarNames(source.value, source, [], ctx.problems, secret);
  checkAnsibleVars(source.value, source, [], ctx.problems);
  if (secret) collectSecrets(source.value, ctx.secrets);
  for (const value of source.secrets) ctx.secrets.add(value);
  return source.value;
}
