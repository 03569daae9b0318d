// Opening an authenticated, host-key-verified ssh2 Client, directly or through jump hosts
// (`forwardOut` on the previous hop, then connect over that stream). Every hop gets the same checks.
import type { Duplex } from "node:stream";
import ssh2 from "ssh2";
import type { AgentAuthMethod, Client as Ssh2Client, ConnectConfig, PublicKeyAuthMethod } from "ssh2";
import { hostKeyCheck, loadKnownHosts } from "./host-key.js";
import type { IdentityStore } from "./identity.js";
import { mapConnectError, viaJump, type HandshakeContext } from "./ssh-errors.js";
import { ConnectionError, type ConnectionTarget } from "./types.js";

const { Client } = ssh2;

export interface ClientOptions {
  identities: IdentityStore;
  /** ssh-agent socket; undefined = no agent. */
  agentSocket: string | undefined;
  /** The user's known_hosts, checked before the target's own files. */
  userKnownHostsFile: string;
  warn: (line: string) => void;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** Aborted: give up the handshake (the socket is destroyed; the caller knows why). */
  stop?: AbortSignal;
}

/** Clients from the first hop to the host; closing the last one's transport closes the chain's use. */
export interface ClientChain {
  client: Ssh2Client;
  hops: Ssh2Client[];
  /** The first error the final client emitted after ready (kept by the permanent listener). */
  lastError(): Error | undefined;
}

export async function openClientChain(target: ConnectionTarget, options: ClientOptions): Promise<ClientChain> {
  const hops: Ssh2Client[] = [];
  let sock: Duplex | undefined;
  if (target.jump) {
    let previous: ClientChain;
    try {
      previous = await openClientChain(target.jump, options);
    } catch (error: unknown) {
      throw error instanceof ConnectionError ? viaJump(error, target.jump, target.name) : error;
    }
    hops.push(...previous.hops, previous.client);
    try {
      sock = await forward(previous.client, target);
    } catch (error: unknown) {
      for (const hop of hops) hop.end();
      throw error;
    }
  }
  try {
    const { client, lastError } = await handshake(target, options, sock);
    return { client, hops, lastError };
  } catch (error: unknown) {
    for (const hop of hops) hop.end();
    throw error;
  }
}

/** A tunnel from the jump host to the target; forwardOut has no timeout of its own. */
function forward(bastion: Ssh2Client, target: ConnectionTarget): Promise<Duplex> {
  const jumpName = target.jump?.name ?? "?";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new ConnectionError("timeout", target.name, `jump host ${jumpName} did not open a tunnel to ${target.address}:${target.port} within ${target.connectTimeoutMs / 1000}s`));
    }, target.connectTimeoutMs);
    bastion.forwardOut("127.0.0.1", 0, target.address, target.port, (error, stream) => {
      clearTimeout(timer);
      if (error) {
        reject(new ConnectionError("unreachable", target.name, `jump host ${jumpName} cannot reach ${target.address}:${target.port}: ${error.message.replace(/^\(SSH\) /, "")}`, undefined, { cause: error }));
      } else resolve(stream);
    });
  });
}

async function handshake(
  target: ConnectionTarget,
  options: ClientOptions,
  sock: Duplex | undefined,
): Promise<{ client: Ssh2Client; lastError: () => Error | undefined }> {
  const recordFile = target.knownHostsFiles[0] ?? options.userKnownHostsFile;
  let known;
  try {
    known = await loadKnownHosts([options.userKnownHostsFile, ...target.knownHostsFiles]);
  } catch (error: unknown) {
    throw new ConnectionError("host-key-unknown", target.name, error instanceof Error ? error.message : String(error), undefined, { cause: error });
  }
  const check = hostKeyCheck(
    known,
    { hostName: target.name, address: target.address, port: target.port, policy: target.hostKeyPolicy, recordFile },
    options.warn,
  );
  const auth: Array<PublicKeyAuthMethod | AgentAuthMethod> = [];
  const authMethods: string[] = [];
  for (const file of target.identityFiles) {
    auth.push({ type: "publickey" as const, username: target.user, key: await options.identities.load(file, target.name) });
    authMethods.push(`key ${file}`);
  }
  if (options.agentSocket) {
    auth.push({ type: "agent" as const, username: target.user, agent: options.agentSocket });
    authMethods.push("ssh-agent");
  }
  if (auth.length === 0) {
    throw new ConnectionError(
      "auth-failed",
      target.name,
      `no way to authenticate as ${target.user}@${target.address}: no identity file and no ssh-agent`,
      "Set identity_file for the host (or IdentityFile in ~/.ssh/config), or start ssh-agent (SSH_AUTH_SOCK).",
    );
  }
  const ctx: HandshakeContext = { target, knownKeyTypes: check.knownTypes, authMethods };
  const client = new Client();
  let firstError: Error | undefined;
  // Permanent: one failure can emit two 'error' events, and an unhandled one would crash the run.
  client.on("error", (error: Error) => {
    firstError ??= error;
  });
  const config: ConnectConfig = {
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: target.connectTimeoutMs,
    keepaliveInterval: options.keepaliveIntervalMs,
    keepaliveCountMax: options.keepaliveCountMax,
    authHandler: auth,
    hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
      check.verify(key).then(verify, () => verify(false));
    },
    ...(check.algorithms ? { algorithms: { serverHostKey: check.algorithms as NonNullable<ConnectConfig["algorithms"]>["serverHostKey"] } } : {}),
    ...(sock ? { sock } : {}),
  };
  await new Promise<void>((resolve, reject) => {
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      ctx.hostKeyFailure = check.failure();
      client.end();
      reject(mapConnectError(error, ctx));
    };
    const onClose = (): void => {
      cleanup();
      ctx.hostKeyFailure = check.failure();
      reject(mapConnectError(firstError ?? Object.assign(new Error("Connection lost before handshake"), { level: "protocol" }), ctx));
    };
    // A host that does not answer would hold a stopped run until the connect timeout.
    const onStop = (): void => {
      client.destroy();
    };
    const cleanup = (): void => {
      client.off("ready", onReady);
      client.off("error", onError);
      client.off("close", onClose);
      options.stop?.removeEventListener("abort", onStop);
    };
    client.on("ready", onReady);
    client.on("error", onError);
    client.on("close", onClose);
    options.stop?.addEventListener("abort", onStop, { once: true });
    try {
      if (options.stop?.aborted) throw new Error("stopped before connecting");
      client.connect(config);
      // Small request/answer exchanges, the handshake's included: without TCP_NODELAY from the first
      // packet, the key exchange and every command wait ~40 ms on delayed ACKs (Nagle). Node applies
      // the option as soon as ssh2's socket connects.
      client.setNoDelay(true);
    } catch (error: unknown) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  });
  firstError = undefined;
  return { client, lastError: () => firstError };
}
