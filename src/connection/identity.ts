// Private keys for authentication. Encrypted keys take their passphrase from DEPLOY_SSH_PASSPHRASE or a
// prompt on the terminal; each file is read (and its passphrase asked) once per run, however many hosts
// use it, through the IdentityStore the caller passes down.
import { readFile } from "node:fs/promises";
import ssh2 from "ssh2";
import type { ParsedKey } from "ssh2";
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

export async function loadIdentity(file: string, hostName: string, source: PassphraseSource): Promise<ParsedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error: unknown) {
    const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : "cannot be read";
    throw new ConnectionError("auth-failed", hostName, `identity file ${file} ${why}`, undefined, { cause: error });
  }
  // parseKey returns an Error (it does not throw) for a wrong passphrase; connect() would throw instead.
  const plain = single(utils.parseKey(data));
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
