// Vault files: a vars file encrypted at rest. AES-256-GCM (authenticated: a wrong password and a tampered
// file are both detected) with a key from scrypt (memory-hard, so guessing passwords is expensive).
// The header line carries the format and KDF parameters and is authenticated too (GCM additional data).
import { createCipheriv, createDecipheriv, randomBytes, scrypt, scryptSync } from "node:crypto";

export const VAULT_MAGIC = "$DEPLOY_VAULT";
const VERSION = "1";
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KdfParams {
  /** CPU/memory cost (power of two). 2^15 with r=8 uses 32 MiB per derivation. */
  N: number;
  r: number;
  p: number;
}

export const DEFAULT_KDF: KdfParams = { N: 1 << 15, r: 8, p: 1 };

export class VaultError extends Error {
  override readonly name = "VaultError";
}

/** The password does not open the vault (or the file was modified): the caller names where it came from. */
export class WrongVaultPassword extends VaultError {}

export function isVault(text: string): boolean {
  return text.startsWith(VAULT_MAGIC + ";");
}

function header(kdf: KdfParams): string {
  return `${VAULT_MAGIC};${VERSION};scrypt:N=${kdf.N},r=${kdf.r},p=${kdf.p};aes-256-gcm`;
}

function parseHeader(line: string): KdfParams {
  const m = /^\$DEPLOY_VAULT;(\d+);scrypt:N=(\d+),r=(\d+),p=(\d+);aes-256-gcm$/.exec(line);
  if (!m) throw new VaultError("not a deploy vault file (bad header line)");
  if (m[1] !== VERSION) throw new VaultError(`vault format version ${m[1]} is not supported (this deploy reads version ${VERSION})`);
  const kdf = { N: Number(m[2]), r: Number(m[3]), p: Number(m[4]) };
  // Bounds keep a hostile header from asking for gigabytes of memory.
  if (!Number.isInteger(Math.log2(kdf.N)) || kdf.N < 1024 || kdf.N > 1 << 20 || kdf.r < 1 || kdf.r > 32 || kdf.p < 1 || kdf.p > 16) {
    throw new VaultError("vault header has out-of-range key derivation parameters");
  }
  return kdf;
}

function scryptOptions(kdf: KdfParams) {
  return { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 256 * kdf.N * kdf.r + 1024 * 1024 };
}

function deriveKey(password: string, salt: Buffer, kdf: KdfParams): Buffer {
  if (password.length === 0) throw new VaultError("the vault password is empty");
  return scryptSync(password.normalize("NFC"), salt, 32, scryptOptions(kdf));
}

/** scrypt on libuv's thread pool: a run loads its playbook and roles while the key is derived. */
function deriveKeyAsync(password: string, salt: Buffer, kdf: KdfParams): Promise<Buffer> {
  if (password.length === 0) return Promise.reject(new VaultError("the vault password is empty"));
  return new Promise((resolve, reject) =>
    scrypt(password.normalize("NFC"), salt, 32, scryptOptions(kdf), (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export function encryptVault(plaintext: string, password: string, kdf: KdfParams = DEFAULT_KDF): string {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(IV_BYTES);
  const head = header(kdf);
  const cipher = createCipheriv("aes-256-gcm", deriveKey(password, salt, kdf), iv);
  cipher.setAAD(Buffer.from(head));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const blob = Buffer.concat([salt, iv, cipher.getAuthTag(), body]).toString("base64");
  const lines = blob.match(/.{1,76}/g) ?? [];
  return [head, ...lines].join("\n") + "\n";
}

interface Sealed {
  head: string;
  kdf: KdfParams;
  salt: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

function unpack(text: string): Sealed {
  const [first = "", ...rest] = text.replace(/\r\n/g, "\n").split("\n");
  const head = first.trim();
  const kdf = parseHeader(head);
  const blob = Buffer.from(rest.join("").trim(), "base64");
  if (blob.length < SALT_BYTES + IV_BYTES + TAG_BYTES) throw new VaultError("vault file is truncated");
  return {
    head,
    kdf,
    salt: blob.subarray(0, SALT_BYTES),
    iv: blob.subarray(SALT_BYTES, SALT_BYTES + IV_BYTES),
    tag: blob.subarray(SALT_BYTES + IV_BYTES, SALT_BYTES + IV_BYTES + TAG_BYTES),
    body: blob.subarray(SALT_BYTES + IV_BYTES + TAG_BYTES),
  };
}

function open(sealed: Sealed, key: Buffer): string {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.iv);
  decipher.setAAD(Buffer.from(sealed.head));
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.body), decipher.final()]).toString("utf8");
  } catch (error: unknown) {
    throw new WrongVaultPassword("wrong vault password, or the vault file was modified", { cause: error });
  }
}

export function decryptVault(text: string, password: string): string {
  const sealed = unpack(text);
  return open(sealed, deriveKey(password, sealed.salt, sealed.kdf));
}

/** decryptVault without blocking the event loop during key derivation. */
export async function decryptVaultAsync(text: string, password: string): Promise<string> {
  const sealed = unpack(text);
  return open(sealed, await deriveKeyAsync(password, sealed.salt, sealed.kdf));
}
