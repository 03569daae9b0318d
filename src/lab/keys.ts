// The lab's own SSH key (created once per project) and the known_hosts file the lab keeps for its hosts,
// so every connection to a lab host stays strictly verified.
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Runner } from "./runner.js";

/** Create the ed25519 key unless it exists; return the public key line. */
export async function ensureLabKey(run: Runner, keyFile: string): Promise<string> {
  try {
    await stat(keyFile);
  } catch {
    await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "deploy-lab", "-f", keyFile]);
  }
  try {
    return (await readFile(`${keyFile}.pub`, "utf8")).trim();
  } catch {
    // The user's own key (identity_file) without its .pub beside it: ssh-keygen derives it (no passphrase).
    const derived = await run("ssh-keygen", ["-y", "-P", "", "-f", keyFile], { allowFailure: true });
    if (derived.code === 0) return derived.stdout.trim();
    throw new Error(`the lab cannot read the public half of ${keyFile}: no ${keyFile}.pub beside it, and ssh-keygen -y could not derive it (a passphrase?); put the .pub beside it`);
  }
}

/**
 * known_hosts text with every line naming one of `addresses` replaced by `entries` (`address type key`).
 * Lines of other hosts (another lab's, the user's own) are kept as they are.
 */
export function mergeKnownHosts(existing: string, addresses: ReadonlySet<string>, entries: string[]): string {
  const kept = existing.split("\n").filter((line) => {
    const trimmed = line.trim();
    if (trimmed === "") return false;
    if (trimmed.startsWith("#")) return true;
    const hostField = trimmed.split(/\s+/)[0] ?? "";
    return !hostField.split(",").some((h) => addresses.has(h) || addresses.has(h.replace(/^\[(.*)\]:22$/, "$1")));
  });
  return [...kept, ...entries].join("\n") + "\n";
}

export async function writeKnownHosts(file: string, hostKeys: Map<string, string[]>): Promise<void> {
  let existing = "";
  try {
    existing = await readFile(file, "utf8");
  } catch {
    // first run
  }
  const entries = [...hostKeys].flatMap(([address, keys]) => keys.map((key) => `${address} ${key}`));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, mergeKnownHosts(existing, new Set(hostKeys.keys()), entries));
}
