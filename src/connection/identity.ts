// Private keys for authentication. Encrypted keys take their passphrase from DEPLOY_SSH_PASSPHRASE or a
// prompt on the terminal; each file is read (and its passphrase asked) once per run, however many hosts
// use it, through the IdentityStore the caller passes down.
import { open } from "node:fs/promises";
import ssh2 from "ssh2";
import type { ParsedKey } from "ssh2";
import { exists } from "../util/exists.js";
import { quote } from "../util/shell.js";
import { ConnectionError } from "./types.js";

const { utils } = ssh2;

export const PASSPHRASE_ENV = "DEPLOY_SSH_PASSPHRASE";

export interface PassphraseSource {
  /** From the environment; tried for every encrypted key. */
  passphrase?: string;
  /** Ask the user (only wired when a terminal is attached). Undefined = cannot ask. */
  prompt?: (file: string) => Promise<string | undefined>;
}

export interface IdentityStore {
  load(file: string, hostName: string): Promise<ParsedKey>;
}

export function createIdentityStore(source: PassphraseSource = {}): IdentityStore {
  const loaded = new Map<string, Promise<ParsedKey>>();
  return {
    load(file, hostName) {
      let key = loaded.get(file);
      if (!key) {
        key = loadIdentity(file, hostName, source);
        loaded.set(file, key);
      }
      return key;
    },
  };
}

function single(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(parsed)) return parsed[0] ?? new Error("the file holds no key");
  return parsed;
}

/** ssh2 says "... but no passphrase given" for every encrypted format it knows. */
function needsPassphrase(error: Error): boolean {
  return /no passphrase given/i.test(error.message);
}

/** The bytes, owner and mode of one open file: what is checked is what is used, even if the path changes. */
async function readKeyFile(file: string): Promise<{ data: Buffer; uid: number; mode: number }> {
  const handle = await open(file, "r");
  try {
    const { uid, mode } = await handle.stat();
    return { data: await handle.readFile(), uid, mode };
  } finally {
    await handle.close();
  }
}

/**
 * OpenSSH's rule (sshkey_perm_ok): a key file owned by the user running ssh must give no access to group
 * or others, or it is ignored ("UNPROTECTED PRIVATE KEY FILE!"). A file owned by another user (root's
 * key in a shared place, a key readable through a group) is not checked: its owner decided.
 */
function tooOpen(uid: number, mode: number): boolean {
  return uid === process.getuid?.() && (mode & 0o077) !== 0;
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

/** `identity_file: ~/.ssh/id_ed25519.pub`: name the private key of the pair when it is there. */
async function publicKeyGiven(file: string, hostName: string): Promise<ConnectionError> {
  const pair = file.endsWith(".pub") ? file.slice(0, -".pub".length) : undefined;
  const found = pair !== undefined && (await exists(pair));
  return new ConnectionError(
    "auth-failed",
    hostName,
    `identity file ${file} is a public key: give the private key${found ? ` instead, ${pair}` : ""}`,
    found ? `Set identity_file to ${pair}.` : "The private key is the file ssh-keygen wrote next to the .pub, without the extension.",
  );
}

export async function loadIdentity(file: string, hostName: string, source: PassphraseSource): Promise<ParsedKey> {
  let read: { data: Buffer; uid: number; mode: number };
  try {
    read = await readKeyFile(file);
  } catch (error: unknown) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "cannot be read";
    throw new ConnectionError("auth-failed", hostName, `identity file ${file} ${why}`, undefined, { cause: error });
  }
  const { data } = read;
  // parseKey returns an Error (it does not throw) for a wrong passphrase; connect() would throw instead.
  const plain = single(utils.parseKey(data));
  // Before the mode check: a .pub file is 0644 as it should be, and "too open" would send the user to chmod it.
  if (!(plain instanceof Error) && !plain.isPrivateKey()) throw await publicKeyGiven(file, hostName);
  if (tooOpen(read.uid, read.mode)) {
    throw new ConnectionError(
      "auth-failed",
      hostName,
      `identity file ${file} has mode ${octal(read.mode)}: a private key must not be accessible by group or others (OpenSSH refuses it too)`,
      `Run: chmod 600 ${quote(file)}`,
    );
  }
  if (!(plain instanceof Error)) return plain;
  if (!needsPassphrase(plain)) {
    throw new ConnectionError("auth-failed", hostName, `identity file ${file} is not a private key ssh2 can use: ${plain.message}`, undefined, { cause: plain });
  }
  const passphrase = source.passphrase ?? (await source.prompt?.(file));
  if (passphrase === undefined) {
    throw new ConnectionError(
      "auth-failed",
      hostName,
      `identity file ${file} is encrypted and no passphrase is available`,
      `Set ${PASSPHRASE_ENV}, run on a terminal to be asked, or load the key into ssh-agent.`,
    );
  }
  const decrypted = single(utils.parseKey(data, passphrase));
  if (decrypted instanceof Error) {
    throw new ConnectionError("auth-failed", hostName, `wrong passphrase for identity file ${file}`, undefined, { cause: decrypted });
  }
  return decrypted;
}
