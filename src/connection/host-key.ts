// Host key policy: is the key a host presents the one we trust? Decides from the known_hosts files
// (the user's first, then the project's), records first-seen keys under accept-new, and explains every
// refusal with fingerprints and the exact line to add or remove.
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { ConnectionError, type HostKeyPolicy } from "./types.js";
import {
  fingerprint,
  hostKeyAlgorithms,
  hostToken,
  keyTypeOf,
  knownHostsLine,
  lookupHost,
  parseKnownHosts,
  type HostKeyLookup,
  type KnownHostEntry,
} from "./known-hosts.js";

export interface HostKeySubject {
  /** Inventory name, for messages. */
  hostName: string;
  address: string;
  port: number;
  policy: HostKeyPolicy;
  /** Where accept-new writes a first-seen key. */
  recordFile: string;
}

export type HostKeyDecision =
  | { action: "accept" }
  | { action: "record"; file: string; line: string; fingerprint: string }
  | { action: "accept-unverified"; warning: string }
  | { action: "refuse"; error: ConnectionError };

function describe(entry: KnownHostEntry): string {
  return `${entry.keyType} ${fingerprint(entry.key)} (${entry.file}:${entry.line})`;
}

/** Pure decision for one presented key (the raw public key blob). */
export function decideHostKey(lookup: HostKeyLookup, presented: Buffer, subject: HostKeySubject): HostKeyDecision {
  const { hostName, address, port } = subject;
  const where = `${hostName} (${hostToken(address, port)})`;
  const offered = `${keyTypeOf(presented)} ${fingerprint(presented)}`;
  const revoked = lookup.revoked.find((e) => e.key.equals(presented));
  if (revoked) {
    // OpenSSH refuses a revoked key whatever the policy says.
    return {
      action: "refuse",
      error: new ConnectionError("host-key-changed", hostName, `host key of ${where} is marked @revoked: refusing to connect`, `offered: ${offered}\nrevoked by: ${revoked.file}:${revoked.line}`),
    };
  }
  const known = lookup.keys.some((e) => e.key.equals(presented));
  if (subject.policy === "off") {
    const state = known ? "matches known_hosts" : lookup.keys.length > 0 ? "DIFFERS from known_hosts" : "is not in known_hosts";
    return {
      action: "accept-unverified",
      warning: `WARNING: host key checking is OFF for ${where}: its key ${offered} ${state} and was not verified (host_key_checking: off)`,
    };
  }
  if (known) return { action: "accept" };
  if (lookup.keys.length > 0) {
    const sameType = lookup.keys.filter((e) => e.keyType === keyTypeOf(presented));
    const recorded = (sameType.length > 0 ? sameType : lookup.keys).map(describe);
    const files = [...new Set(lookup.keys.map((e) => e.file))];
    return {
      action: "refuse",
      error: new ConnectionError(
        "host-key-changed",
        hostName,
        `host key of ${where} has CHANGED: refusing to connect (it may be an impersonation; it may also be a reinstalled host)`,
        [
          `offered:  ${offered}`,
          ...recorded.map((r) => `recorded: ${r}`),
          `If the change is expected, remove the old key (${files.map((f) => `ssh-keygen -R '${hostToken(address, port)}' -f ${f}`).join("; ")}) and connect again.`,
        ].join("\n"),
      ),
    };
  }
  const line = knownHostsLine(address, port, presented);
  if (subject.policy === "accept-new") {
    return { action: "record", file: subject.recordFile, line, fingerprint: offered };
  }
  return {
    action: "refuse",
    error: new ConnectionError(
      "host-key-unknown",
      hostName,
      `host key of ${where} is not known: refusing to connect (host_key_checking: strict)`,
      [
        `offered: ${offered}`,
        `If this is the right key, add this line to ${subject.recordFile}:`,
        line,
        ...lookup.notes,
      ].join("\n"),
    ),
  };
}

export interface KnownHostsSet {
  entries: KnownHostEntry[];
  skipped: string[];
}

/** Read and parse the files; a missing file is simply empty. */
export async function loadKnownHosts(files: string[]): Promise<KnownHostsSet> {
  const set: KnownHostsSet = { entries: [], skipped: [] };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw new Error(`cannot read known_hosts file ${file}`, { cause: error });
    }
    const parsed = parseKnownHosts(text, file);
    set.entries.push(...parsed.entries);
    set.skipped.push(...parsed.skipped);
  }
  return set;
}

export async function recordHostKey(file: string, line: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = "";
  try {
    const existing = await readFile(file, "utf8");
    if (existing !== "" && !existing.endsWith("\n")) prefix = "\n";
  } catch {
    // a new file
  }
  await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
}

/** What connect needs from the host key check: the algorithms to offer and the verifier. */
export interface HostKeyCheck {
  /** Restrict the server host key algorithms; undefined = ssh2's defaults (nothing known yet). */
  algorithms: string[] | undefined;
  /** Resolves true to continue; on false, `failure` says why. */
  verify(key: Buffer): Promise<boolean>;
  failure(): ConnectionError | undefined;
  /** Key types recorded for the host (for a "no matching key type" handshake failure). */
  knownTypes: string[];
}

export function hostKeyCheck(
  known: KnownHostsSet,
  subject: HostKeySubject,
  warn: (line: string) => void,
): HostKeyCheck {
  const lookup = lookupHost(known.entries, subject.address, subject.port);
  const knownTypes = [...new Set(lookup.keys.map((e) => e.keyType))];
  let failure: ConnectionError | undefined;
  const algorithms = subject.policy !== "off" && knownTypes.length > 0 ? hostKeyAlgorithms(knownTypes) : undefined;
  return {
    algorithms: algorithms !== undefined && algorithms.length > 0 ? algorithms : undefined,
    knownTypes,
    failure: () => failure,
    async verify(key: Buffer): Promise<boolean> {
      const decision = decideHostKey(lookup, key, subject);
      switch (decision.action) {
        case "accept":
          return true;
        case "accept-unverified":
          warn(decision.warning);
          return true;
        case "record":
          try {
            await recordHostKey(decision.file, decision.line);
          } catch (error: unknown) {
            failure = new ConnectionError("host-key-unknown", subject.hostName, `cannot record the new host key in ${decision.file}`, undefined, { cause: error });
            return false;
          }
          warn(`${subject.hostName}: new host key ${decision.fingerprint} recorded in ${decision.file} (host_key_checking: accept-new)`);
          return true;
        case "refuse":
          failure = decision.error;
          return false;
      }
    },
  };
}
