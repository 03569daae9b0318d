// Reading and writing vault files on the control machine.
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Vars } from "../config/model.js";
import { Problems } from "../config/problems.js";
import { parseSource } from "../config/source.js";
import { checkVarNames } from "../config/vars-files.js";
import { VaultError, decryptVault, encryptVault, isVault } from "./cipher.js";

export function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error: unknown) {
    throw new VaultError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
  }
}

/** Replace a file atomically, readable by its owner only (it holds secrets, in clear or not). */
export function writePrivate(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * A vault holds a vars file: check it the way loading it will (YAML syntax, duplicate keys, an unquoted
 * `{{ }}`, a map of names, no reserved name) before it gets encrypted. Empty is allowed (a vault emptied).
 */
export function checkVarsText(text: string, label: string): void {
  if (text.trim() === "") return;
  const problems = new Problems();
  const source = parseSource(label, Buffer.from(text, "utf8"), "a map of var names to values", problems);
  if (source && (source.value === null || typeof source.value !== "object" || Array.isArray(source.value))) {
    problems.add({ file: label, line: 1, col: 1 }, "", `a vault holds vars: it must be a map of names to values, got ${Array.isArray(source.value) ? "a list" : `a ${typeof source.value}`}`);
  } else if (source) {
    checkVarNames(source.value as Vars, source, [], problems, true);
  }
  const found = problems.sorted();
  if (found.length === 0) return;
  throw new VaultError(found.map((p) => `${label}:${p.location.line}:${p.location.col}: ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n"));
}

export function decryptFile(file: string, password: string): string {
  const text = readText(file);
  if (!isVault(text)) throw new VaultError(`${file} is not encrypted`);
  try {
    return decryptVault(text, password);
  } catch (error: unknown) {
    if (error instanceof VaultError) throw new VaultError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

export function encryptText(plaintext: string, password: string, label: string): string {
  checkVarsText(plaintext, label);
  return encryptVault(plaintext, password);
}
