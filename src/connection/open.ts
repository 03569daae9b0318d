// Picks the transport for an inventory host: ssh (default) or local.
import type { Host, Inventory } from "../config/model.js";
import { createIdentityStore, PASSPHRASE_ENV } from "./identity.js";
import { createLocalConnection } from "./local.js";
import { terminalPrompt } from "./prompt.js";
import { connectSsh, type SshOptions } from "./ssh.js";
import { loadTargetEnv, resolveTarget, userKnownHostsFile, type TargetEnv } from "./target.js";
import type { Connection } from "./types.js";

/** What every connection of a run shares: the machine's ssh settings, loaded keys, where warnings go. */
export interface ConnectionEnv {
  target: TargetEnv;
  ssh: SshOptions;
  /** The run's secrets: a command holding one travels on stdin (see remote-command.ts). */
  secrets?: ReadonlySet<string>;
}

export interface ConnectionEnvOptions {
  warn?: (line: string) => void;
  /** Connect timeout for every host, overriding the inventory (ms). */
  connectTimeoutMs?: number;
  /** Ask for key passphrases on the terminal when stdin is one (default true). */
  interactive?: boolean;
  /** The run's secrets (vault values, `!secret` vars): a command holding one travels on stdin. */
  secrets?: ReadonlySet<string>;
}

export async function createConnectionEnv(env: NodeJS.ProcessEnv, options: ConnectionEnvOptions = {}): Promise<ConnectionEnv> {
  const target = await loadTargetEnv(env);
  if (options.connectTimeoutMs !== undefined) target.connectTimeoutMs = options.connectTimeoutMs;
  const passphrase = env[PASSPHRASE_ENV];
  const ask = options.interactive === false ? undefined : terminalPrompt();
  const identities = createIdentityStore({
    ...(passphrase !== undefined ? { passphrase } : {}),
    ...(ask ? { prompt: (file: string) => ask(`Passphrase for ${file}: `) } : {}),
  });
  return {
    target,
    ssh: {
      identities,
      env,
      userKnownHostsFile: userKnownHostsFile(target),
      ...(options.warn ? { warn: options.warn } : {}),
    },
    ...(options.secrets ? { secrets: options.secrets } : {}),
  };
}

export async function openConnection(host: Host, inventory: Inventory, env: ConnectionEnv, stop?: AbortSignal): Promise<Connection> {
  if (host.connection === "local") {
    const password = resolveTarget({ ...host, jump: undefined }, inventory, env.target).becomePassword;
    return createLocalConnection(host.name, {
      become: host.become,
      ...(host.becomeUser !== undefined ? { becomeUser: host.becomeUser } : {}),
      ...(password !== undefined ? { becomePassword: password } : {}),
      ...(env.secrets ? { secrets: env.secrets } : {}),
    });
  }
  return connectSsh(resolveTarget(host, inventory, env.target), { ...env.ssh, ...(env.secrets ? { secrets: env.secrets } : {}), ...(stop ? { stop } : {}) });
}
