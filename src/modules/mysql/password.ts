// Is the password an account has the one the task asks for? Decided on the control machine from the stored
// authentication string the probe reads (hex-encoded), so the password itself never travels to the host
// for a check, neither on a command line nor on stdin:
//   mysql_native_password (MariaDB, MySQL 5.x):  '*' + upper(hex(sha1(sha1(password))))
//   caching_sha2_password (MySQL 8):             '$A$' + rounds/1000 as 3 hex digits + '$' + 20-byte salt +
//                                                SHA-256 crypt (Drepper) of the password with that salt, 43 chars
import { createHash } from "node:crypto";

export function nativePasswordHash(password: string): string {
  // The server stores an empty password as an empty string, not as the hash of "".
  if (password === "") return "";
  const once = createHash("sha1").update(password, "utf8").digest();
  return "*" + createHash("sha1").update(once).digest("hex").toUpperCase();
}

const CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function sha256(...parts: Buffer[]): Buffer {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

/** `length` bytes of `block` repeated (the P and S sequences of SHA-crypt). */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = block[i % block.length]!;
  return out;
}

/** The 43-character digest part of SHA-256 crypt (https://www.akkadia.org/drepper/SHA-crypt.txt). */
export function sha256CryptDigest(password: Buffer, salt: Buffer, rounds: number): string {
  const b = sha256(password, salt, password);
  const a = createHash("sha256").update(password).update(salt);
  for (let n = password.length; n > 0; n -= 32) a.update(n > 32 ? b : b.subarray(0, n));
  for (let n = password.length; n > 0; n >>= 1) a.update(n & 1 ? b : password);
  const digestA = a.digest();

  const dp = createHash("sha256");
  for (let i = 0; i < password.length; i++) dp.update(password);
  const p = stretch(dp.digest(), password.length);

  const ds = createHash("sha256");
  for (let i = 0; i < 16 + digestA[0]!; i++) ds.update(salt);
  const s = stretch(ds.digest(), salt.length);

  let c = digestA;
  for (let i = 0; i < rounds; i++) {
    const h = createHash("sha256");
    h.update(i & 1 ? p : c);
    if (i % 3) h.update(s);
    if (i % 7) h.update(p);
    h.update(i & 1 ? c : p);
    c = h.digest();
  }

  // Bytes are emitted in SHA-crypt's fixed permutation, 24 bits -> 4 characters, low bits first.
  const order = [
    [0, 10, 20], [21, 1, 11], [12, 22, 2], [3, 13, 23], [24, 4, 14],
    [15, 25, 5], [6, 16, 26], [27, 7, 17], [18, 28, 8], [9, 19, 29],
  ] as const;
  let out = "";
  const emit = (w: number, n: number) => {
    for (let i = 0; i < n; i++, w >>= 6) out += CRYPT_ALPHABET[w & 0x3f];
  };
  for (const [x, y, z] of order) emit((c[x]! << 16) | (c[y]! << 8) | c[z]!, 4);
  emit((c[31]! << 8) | c[30]!, 3);
  return out;
}

const SHA2_SALT_LENGTH = 20;
const SHA2_DIGEST_LENGTH = 43;

/** Does a caching_sha2_password authentication string (raw bytes) hold this password? */
export function cachingSha2Matches(stored: Buffer, password: string): boolean {
  // $A$005$<salt 20><digest 43>
  const text = stored.toString("latin1");
  const m = /^\$A\$([0-9A-Fa-f]{3})\$/.exec(text);
  if (!m) return false;
  const rest = stored.subarray(m[0].length);
  if (rest.length !== SHA2_SALT_LENGTH + SHA2_DIGEST_LENGTH) return false;
  const rounds = parseInt(m[1]!, 16) * 1000;
  const salt = rest.subarray(0, SHA2_SALT_LENGTH);
  const digest = rest.subarray(SHA2_SALT_LENGTH).toString("latin1");
  return sha256CryptDigest(Buffer.from(password, "utf8"), salt, rounds) === digest;
}

export interface StoredAuth {
  plugin: string;
  /** The authentication string as the probe printed it: HEX(authentication_string). */
  hex: string;
}

/**
 * true: the account authenticates with exactly this password. false: it does not, or it authenticates some
 * other way (unix_socket, ed25519...) that setting the password replaces.
 */
export function passwordMatches(stored: StoredAuth, password: string): boolean {
  const bytes = Buffer.from(stored.hex, "hex");
  switch (stored.plugin) {
    case "mysql_native_password":
    case "":
      return bytes.toString("latin1") === nativePasswordHash(password);
    case "caching_sha2_password":
      return cachingSha2Matches(bytes, password);
    default:
      return false;
  }
}
