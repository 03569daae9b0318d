// known_hosts files as OpenSSH reads them: markers, comma lists of patterns with `!` negation and globs,
// `[host]:port` for non-default ports, and hashed names (`|1|salt|hash`, HMAC-SHA1 keyed by the salt).
// Pure: text in, entries out; reading and appending files lives in host-key.ts.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export type KnownHostMarker = "revoked" | "cert-authority";

/** One name pattern of a line: a plain/glob pattern, or a hashed name. */
export type HostPattern =
  | { kind: "glob"; pattern: string; negated: boolean }
  | { kind: "hashed"; salt: Buffer; hash: Buffer };

export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages such as "see ~/.ssh/known_hosts:12". */
  line: number;
  marker?: KnownHostMarker;
  patterns: HostPattern[];
  /** The key type written on the line, e.g. `ssh-ed25519`. */
  keyType: string;
  /** The decoded public key blob (what the server presents). */
  key: Buffer;
}

export interface ParsedKnownHosts {
  entries: KnownHostEntry[];
  /** Lines we could not use, each `file:line: why` (reported, never fatal). */
  skipped: string[];
}

export function parseKnownHosts(text: string, file: string): ParsedKnownHosts {
  const entries: KnownHostEntry[] = [];
  const skipped: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const lineNo = index + 1;
    const trimmed = rawLine.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostMarker | undefined;
    if (fields[0]?.startsWith("@")) {
      const name = fields.shift();
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else {
        skipped.push(`${file}:${lineNo}: unknown marker ${name}`);
        return;
      }
    }
    const [hosts, keyType, keyText] = fields;
    if (hosts === undefined || keyType === undefined || keyText === undefined) {
      skipped.push(`${file}:${lineNo}: expected 'hosts keytype key'`);
      return;
    }
    const key = Buffer.from(keyText, "base64");
    if (key.length === 0 || key.toString("base64").replace(/=+$/, "") !== keyText.replace(/=+$/, "")) {
      skipped.push(`${file}:${lineNo}: the key is not valid base64`);
      return;
    }
    const patterns = parsePatterns(hosts);
    if (patterns === undefined) {
      skipped.push(`${file}:${lineNo}: malformed hashed host name`);
      return;
    }
    entries.push({ file, line: lineNo, ...(marker ? { marker } : {}), patterns, keyType, key });
  });
  return { entries, skipped };
}

function parsePatterns(field: string): HostPattern[] | undefined {
  if (field.startsWith("|1|")) {
    // A hashed name is the whole field (never part of a comma list).
    const [, , salt, hash] = field.split("|");
    if (salt === undefined || hash === undefined) return undefined;
    const saltBytes = Buffer.from(salt, "base64");
    const hashBytes = Buffer.from(hash, "base64");
    if (saltBytes.length === 0 || hashBytes.length !== 20) return undefined;
    return [{ kind: "hashed", salt: saltBytes, hash: hashBytes }];
  }
  return field
    .split(",")
    .filter((p) => p !== "")
    .map((p) =>
      p.startsWith("!")
        ? { kind: "glob", pattern: p.slice(1).toLowerCase(), negated: true }
        : { kind: "glob", pattern: p.toLowerCase(), negated: false },
    );
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function hostToken(address: string, port: number): string {
  return port === 22 ? address.toLowerCase() : `[${address.toLowerCase()}]:${port}`;
}

/** OpenSSH glob: `*` any run of characters, `?` exactly one. Case already folded by the caller. */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const pc = pattern[p];
    if (pc === "*") {
      starP = p++;
      starT = t;
    } else if (pc !== undefined && (pc === "?" || pc === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

function hashedMatch(salt: Buffer, hash: Buffer, token: string): boolean {
  const computed = createHmac("sha1", salt).update(token).digest();
  return computed.length === hash.length && timingSafeEqual(computed, hash);
}

/** Whether a line applies to `token`: some pattern matches and no negated pattern does. */
export function entryMatches(entry: Pick<KnownHostEntry, "patterns">, token: string): boolean {
  let positive = false;
  for (const pattern of entry.patterns) {
    if (pattern.kind === "hashed") {
      if (hashedMatch(pattern.salt, pattern.hash, token)) positive = true;
    } else if (globMatch(pattern.pattern, token)) {
      if (pattern.negated) return false;
      positive = true;
    }
  }
  return positive;
}

export interface HostKeyLookup {
  /** Plain key lines for this host. */
  keys: KnownHostEntry[];
  /** `@revoked` lines for this host. */
  revoked: KnownHostEntry[];
  /** Why some matching lines were not used (host certificates are not supported). */
  notes: string[];
}

export function lookupHost(entries: KnownHostEntry[], address: string, port: number): HostKeyLookup {
  const token = hostToken(address, port);
  const result: HostKeyLookup = { keys: [], revoked: [], notes: [] };
  for (const entry of entries) {
    if (!entryMatches(entry, token)) continue;
    if (entry.marker === "revoked") result.revoked.push(entry);
    else if (entry.marker === "cert-authority") {
      result.notes.push(`${entry.file}:${entry.line}: @cert-authority line ignored (host certificates are not supported)`);
    } else result.keys.push(entry);
  }
  return result;
}

/** The key type inside a public key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const length = blob.readUInt32BE(0);
  if (length <= 0 || 4 + length > blob.length) return "unknown";
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** `SHA256:...` as `ssh-keygen -l` prints it. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The known_hosts line that trusts `blob` for this host. */
export function knownHostsLine(address: string, port: number, blob: Buffer): string {
  return `${hostToken(address, port)} ${keyTypeOf(blob)} ${blob.toString("base64")}`;
}

// Strongest first; only types ssh2 can verify (sk-* and certificate types are left out).
const ALGORITHMS_BY_KEY_TYPE: ReadonlyArray<[string, string[]]> = [
  ["ssh-ed25519", ["ssh-ed25519"]],
  ["ecdsa-sha2-nistp256", ["ecdsa-sha2-nistp256"]],
  ["ecdsa-sha2-nistp384", ["ecdsa-sha2-nistp384"]],
  ["ecdsa-sha2-nistp521", ["ecdsa-sha2-nistp521"]],
  // An RSA key may be presented signed with rsa-sha2-512/256 as well as the legacy ssh-rsa.
  ["ssh-rsa", ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]],
  ["ssh-dss", ["ssh-dss"]],
];

/** Host key algorithms to offer so the server can only present a key type known_hosts has for it. */
export function hostKeyAlgorithms(keyTypes: Iterable<string>): string[] {
  const known = new Set(keyTypes);
  return ALGORITHMS_BY_KEY_TYPE.filter(([type]) => known.has(type)).flatMap(([, algorithms]) => algorithms);
}
