// Reading and writing vault files on the control machine.
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument } from "yaml";
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

/** A vault holds a vars file: check it is a YAML map before it gets encrypted. */
export function checkVarsText(text: string, label: string): void {
  const doc = parseDocument(text, { uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    // yaml's message repeats the location and ends on a colon before a code excerpt: keep the words only.
    const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "").split("\n")[0];
    throw new VaultError(`${label}${pos ? `:${pos.line}:${pos.col}` : ""}: ${message}`);
  }
  const value: unknown = doc.toJS();
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) {
    throw new VaultError(`${label}:1:1: a vault holds vars: it must be a map of names to values, got ${Array.isArray(value) ? "a list" : `a ${typeof value}`}`);
  }
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
