// Everything needed to reach one inventory host, merged from the inventory (wins), ~/.ssh/config
// (HostName/User/Port/IdentityFile/ProxyJump for the host's address) and defaults (local user, port 22,
// OpenSSH's default key files).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import type { Host, Inventory } from "../config/model.js";
import { inventoryVars } from "../config/vars.js";
import { expandTokens, parseSshConfig, sshConfigFor, type SshConfig } from "./ssh-config.js";
import { ConnectionError, type ConnectionTarget } from "./types.js";

/** What the machine we run on contributes: home, user name, ssh config, environment secrets. */
export interface TargetEnv {
  home: string;
  localUser: string;
  sshConfig?: SshConfig;
  /** sudo password from the environment (DEPLOY_BECOME_PASSWORD), used when the host has none. */
  becomePassword?: string;
  /** Overrides the inventory's connect timeout (e.g. `deploy ping --timeout`). */
  connectTimeoutMs?: number;
  /** Whether a default key file exists; injectable for tests. */
  fileExists?: (path: string) => boolean;
}

export const BECOME_PASSWORD_ENV = "DEPLOY_BECOME_PASSWORD";
/** An inventory var (all, group or host level) holding the sudo password, typically from a vault file. */
export const BECOME_PASSWORD_VAR = "become_password";

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];

export async function loadTargetEnv(env: NodeJS.ProcessEnv): Promise<TargetEnv> {
  const home = env["HOME"] || homedir();
  const localUser = env["USER"] || env["LOGNAME"] || userInfo().username;
  const file = join(home, ".ssh", "config");
  let sshConfig: SshConfig | undefined;
  try {
    sshConfig = parseSshConfig(await readFile(file, "utf8"), file, { home });
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read ${file}`, { cause: error });
  }
  const becomePassword = env[BECOME_PASSWORD_ENV];
  return { home, localUser, ...(sshConfig ? { sshConfig } : {}), ...(becomePassword ? { becomePassword } : {}) };
}

/** The user's own known_hosts, always checked first. */
export function userKnownHostsFile(env: Pick<TargetEnv, "home">): string {
  return join(env.home, ".ssh", "known_hosts");
}

interface HopSpec {
  user?: string;
  address: string;
  port?: number;
}

/** `[user@]address[:port]`, with IPv6 as `[addr]:port`. */
export function parseHopSpec(spec: string): HopSpec | undefined {
  const m = /^(?:([^@\s]+)@)?(?:\[([^\]]+)\]|([^:@\s[\]]+))(?::(\d{1,5}))?$/.exec(spec.trim());
  if (!m) return undefined;
  const port = m[4] !== undefined ? Number(m[4]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return {
    ...(m[1] !== undefined ? { user: m[1] } : {}),
    address: (m[2] ?? m[3])!,
    ...(port !== undefined ? { port } : {}),
  };
}

export function resolveTarget(host: Host, inventory: Inventory, env: TargetEnv): ConnectionTarget {
  return resolveHost(host, inventory, env, []);
}

function resolveHost(host: Host, inventory: Inventory, env: TargetEnv, via: string[]): ConnectionTarget {
  if (via.includes(host.name)) {
    throw new ConnectionError("unreachable", host.name, `jump hosts form a loop: ${[...via, host.name].join(" -> ")}`);
  }
  const config = sshConfigFor(env.sshConfig, host.address);
  // The model fills in port 22 when the inventory says nothing, so 22 lets ~/.ssh/config decide.
  const port = host.port !== 22 ? host.port : (config.port ?? 22);
  const user = host.user ?? config.user ?? env.localUser;
  const tokens = { host: host.address, original: host.address, remoteUser: user, localUser: env.localUser, home: env.home, port };
  const address = config.hostName !== undefined ? expandTokens(config.hostName, tokens) : host.address;
  const identityFiles = host.identityFile !== undefined
    ? [expandTokens(host.identityFile.replace(/%/g, "%%"), { ...tokens, host: address })]
    : identityFilesFrom(config.identityFiles, { ...tokens, host: address }, env);
  // all < group < host, so a vault-encrypted vars file at the `all` level can hold it for every host.
  const password = inventoryVars(inventory, host)[BECOME_PASSWORD_VAR];
  const becomePassword = typeof password === "string" && !password.includes("{{") ? password : env.becomePassword;
  const target: ConnectionTarget = {
    name: host.name,
    address,
    port,
    user,
    identityFiles,
    become: host.become,
    ...(host.becomeUser !== undefined ? { becomeUser: host.becomeUser } : {}),
    ...(becomePassword !== undefined ? { becomePassword } : {}),
    ...common(inventory, env),
  };
  const jump = jumpFor(host, config.proxyJump, inventory, env, [...via, host.name], identityFiles);
  return jump ? { ...target, jump } : target;
}

function common(inventory: Inventory, env: TargetEnv): Pick<ConnectionTarget, "connectTimeoutMs" | "hostKeyPolicy" | "knownHostsFiles"> {
  return {
    connectTimeoutMs: env.connectTimeoutMs ?? inventory.settings.connectTimeoutMs,
    hostKeyPolicy: inventory.settings.hostKeyChecking,
    knownHostsFiles: inventory.settings.knownHosts !== undefined ? [inventory.settings.knownHosts] : [],
  };
}

function identityFilesFrom(configured: string[], tokens: Parameters<typeof expandTokens>[1], env: TargetEnv): string[] {
  if (configured.length > 0) return configured.map((f) => expandTokens(f, tokens));
  const exists = env.fileExists ?? existsSync;
  return DEFAULT_KEYS.map((name) => join(env.home, ".ssh", name)).filter((file) => exists(file));
}

function jumpFor(
  host: Host,
  proxyJump: string | undefined,
  inventory: Inventory,
  env: TargetEnv,
  via: string[],
  fallbackKeys: string[],
): ConnectionTarget | undefined {
  if (host.jump !== undefined) {
    const named = inventory.hosts.get(host.jump);
    if (named) return resolveHost(named, inventory, env, via);
    return hopChain([host.jump], host, inventory, env, fallbackKeys);
  }
  if (proxyJump === undefined || proxyJump.toLowerCase() === "none") return undefined;
  return hopChain(proxyJump.split(","), host, inventory, env, fallbackKeys);
}

/** `a,b` means: reach a, through it reach b, through b reach the host. Returns the last hop. */
function hopChain(specs: string[], host: Host, inventory: Inventory, env: TargetEnv, fallbackKeys: string[]): ConnectionTarget {
  let previous: ConnectionTarget | undefined;
  for (const spec of specs) {
    const hop = parseHopSpec(spec);
    if (!hop) {
      throw new ConnectionError("unreachable", host.name, `jump host '${spec}' is not [user@]address[:port] nor an inventory host`);
    }
    const config = sshConfigFor(env.sshConfig, hop.address);
    const port = hop.port ?? config.port ?? 22;
    const user = hop.user ?? config.user ?? env.localUser;
    const tokens = { host: hop.address, original: hop.address, remoteUser: user, localUser: env.localUser, home: env.home, port };
    const address = config.hostName !== undefined ? expandTokens(config.hostName, tokens) : hop.address;
    const own = identityFilesFrom(config.identityFiles, { ...tokens, host: address }, env);
    const target: ConnectionTarget = {
      name: spec,
      address,
      port,
      user,
      // A bastion usually takes the same key as the hosts behind it.
      identityFiles: [...own, ...fallbackKeys.filter((k) => !own.includes(k))],
      become: false,
      ...common(inventory, env),
      ...(previous ? { jump: previous } : {}),
    };
    previous = target;
  }
  return previous!;
}
