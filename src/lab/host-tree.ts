// What makes one host itself, written into its overlay before boot: hostname, static address, DNS,
// machine id, its own SSH host keys, and the lab key for root and the `deploy` user.
import { randomBytes } from "node:crypto";
import { chmod, chown, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LAB_USER } from "./image.js";
import type { Runner } from "./runner.js";
import { exists } from "../util/exists.js";

export interface HostIdentity {
  name: string;
  address: string;
  gateway: string;
  dns: string;
  /** Every host of the lab, so hosts find each other by name. */
  peers: Array<{ name: string; address: string }>;
  /** The lab's public key line. */
  authorizedKey: string;
}

/**
 * systemd-networkd config. It must sort before systemd's own 80-container-host0.network (which would
 * ask for DHCP) so the first match wins.
 */
export function networkFile(identity: Pick<HostIdentity, "address" | "gateway" | "dns">): string {
  return [
    "[Match]",
    "Name=host0",
    "",
    "[Network]",
    `Address=${identity.address}/24`,
    `Gateway=${identity.gateway}`,
    `DNS=${identity.dns}`,
    "LinkLocalAddressing=no",
    "IPv6AcceptRA=no",
    "",
  ].join("\n");
}

export function hostsFile(identity: Pick<HostIdentity, "name" | "peers">): string {
  const lines = ["127.0.0.1\tlocalhost", `127.0.1.1\t${identity.name}`];
  for (const peer of identity.peers) if (peer.name !== identity.name) lines.push(`${peer.address}\t${peer.name}`);
  lines.push("::1\tlocalhost ip6-localhost ip6-loopback", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters", "");
  return lines.join("\n");
}

/** uid and gid of `user` from a passwd file's text. */
export function passwdIds(passwd: string, user: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === user && fields[2] !== undefined && fields[3] !== undefined) {
      return { uid: Number(fields[2]), gid: Number(fields[3]) };
    }
  }
  return undefined;
}

/** authorized_keys text with `key` added unless present (other projects' lab keys are kept). */
export function withAuthorizedKey(existing: string, key: string): string {
  const lines = existing.split("\n").filter((l) => l.trim() !== "");
  if (!lines.some((l) => l.trim() === key.trim())) lines.push(key.trim());
  return lines.join("\n") + "\n";
}

async function installAuthorizedKey(home: string, key: string, uid: number, gid: number): Promise<void> {
  const dir = join(home, ".ssh");
  const file = join(dir, "authorized_keys");
  await mkdir(dir, { recursive: true });
  await writeFile(file, withAuthorizedKey(await readFile(file, "utf8").catch(() => ""), key));
  await chmod(dir, 0o700);
  await chmod(join(dir, "authorized_keys"), 0o600);
  await chown(dir, uid, gid);
  await chown(join(dir, "authorized_keys"), uid, gid);
}

/**
 * Let the lab key in as root and deploy. Also used on a host that is already running (its overlay is
 * live), so a lab brought up from another project's inventory accepts this project's key too.
 */
export async function authorizeKey(root: string, key: string): Promise<void> {
  await installAuthorizedKey(join(root, "root"), key, 0, 0);
  const ids = passwdIds(await readFile(join(root, "etc/passwd"), "utf8"), LAB_USER);
  if (!ids) throw new Error(`the base image has no user '${LAB_USER}'; rebuild it (remove the image stamp)`);
  const home = join(root, "home", LAB_USER);
  if (!(await exists(home))) throw new Error(`the base image has no home directory for '${LAB_USER}'`);
  await installAuthorizedKey(home, key, ids.uid, ids.gid);
}

/** Write the host's identity into its mounted root (idempotent: run on every boot). */
export async function prepareHostTree(run: Runner, root: string, identity: HostIdentity): Promise<void> {
  const etc = (path: string) => join(root, "etc", path);
  await writeFile(etc("hostname"), `${identity.name}\n`);
  await writeFile(etc("hosts"), hostsFile(identity));
  await mkdir(etc("systemd/network"), { recursive: true });
  await writeFile(etc("systemd/network/10-host0.network"), networkFile(identity));
  // No systemd-resolved in the image, so networkd's DNS= alone would leave the host without a resolver.
  await writeFile(etc("resolv.conf"), `nameserver ${identity.dns}\n`);

  // Kept across boots (it lives in the upper dir); a reset wipes it and the host gets a new one.
  if ((await readFile(etc("machine-id"), "utf8")).trim() === "") {
    await writeFile(etc("machine-id"), randomBytes(16).toString("hex") + "\n");
  }
  const keys = (await readdir(etc("ssh"))).filter((f) => f.startsWith("ssh_host_"));
  if (keys.length === 0) await run("ssh-keygen", ["-A", "-f", root]);

  await authorizeKey(root, identity.authorizedKey);
}

/** The host's public host keys as `type base64` pairs (every key type it has). */
export async function hostPublicKeys(root: string): Promise<string[]> {
  const dir = join(root, "etc/ssh");
  const files = (await readdir(dir)).filter((f) => f.startsWith("ssh_host_") && f.endsWith(".pub")).sort();
  const keys: string[] = [];
  for (const file of files) {
    const [type, blob] = (await readFile(join(dir, file), "utf8")).trim().split(/\s+/);
    if (type && blob) keys.push(`${type} ${blob}`);
  }
  return keys;
}
