// ssh2 failures (errors with a `level`, socket errno codes) as one-line ConnectionErrors in the user's words.
import { ConnectionError, type ConnectionTarget } from "./types.js";

export interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
  reason?: unknown;
}

export interface HandshakeContext {
  target: ConnectionTarget;
  /** Set by the host key check when it refused the key. */
  hostKeyFailure?: ConnectionError;
  /** Key types recorded for the host (a server offering none of them is a changed key). */
  knownKeyTypes: string[];
  /** Authentication methods tried, for "authentication failed (tried: ...)". */
  authMethods: string[];
}

function endpoint(target: ConnectionTarget): string {
  return target.port === 22 ? target.address : `${target.address}:${target.port}`;
}

/** An error during connect (before `ready`). */
export function mapConnectError(error: unknown, ctx: HandshakeContext): ConnectionError {
  if (error instanceof ConnectionError) return error;
  if (ctx.hostKeyFailure) return ctx.hostKeyFailure;
  const { target } = ctx;
  const err = (error instanceof Error ? error : new Error(String(error))) as Ssh2Error;
  const where = endpoint(target);
  const seconds = Math.round(target.connectTimeoutMs / 100) / 10;
  const make = (kind: ConnectionError["kind"], message: string, hint?: string): ConnectionError =>
    new ConnectionError(kind, target.name, message, hint, { cause: error });
  switch (err.level) {
    case "client-authentication":
      return make(
        "auth-failed",
        `authentication failed for ${target.user}@${where} (tried: ${ctx.authMethods.join(", ") || "nothing"})`,
        "Check the host's user and identity_file, or add the key to ssh-agent.",
      );
    case "client-timeout":
      return make("timeout", `no SSH answer from ${where} within ${seconds}s`);
    case "client-dns":
      return make("unreachable", `cannot resolve ${target.address}`);
    case "client-socket":
      return socketError(err, where, seconds, make);
    case "handshake":
      if (/no matching host key/i.test(err.message) && ctx.knownKeyTypes.length > 0) {
        return make(
          "host-key-changed",
          `${where} offers none of the host key types recorded for it (${ctx.knownKeyTypes.join(", ")}): refusing to connect`,
          "If the host was reinstalled, remove its old known_hosts lines and connect again.",
        );
      }
      return make("protocol", `SSH handshake with ${where} failed: ${err.message}`);
    default:
      if (/Connection lost before handshake/i.test(err.message)) return make("unreachable", `${where} closed the connection before the SSH handshake`);
      return make("protocol", `SSH connection to ${where} failed: ${err.message}`);
  }
}

function socketError(
  err: Ssh2Error,
  where: string,
  seconds: number,
  make: (kind: ConnectionError["kind"], message: string) => ConnectionError,
): ConnectionError {
  switch (err.code) {
    case "ECONNREFUSED":
      return make("unreachable", `connection refused by ${where} (is sshd running?)`);
    case "EHOSTUNREACH":
      return make("unreachable", `no route to ${where} (host down or not on this network)`);
    case "ENETUNREACH":
      return make("unreachable", `network unreachable for ${where}`);
    case "ETIMEDOUT":
      return make("timeout", `no answer from ${where} within ${seconds}s`);
    case "ECONNRESET":
    case "EPIPE":
      return make("unreachable", `${where} reset the connection during the SSH handshake`);
    default:
      return make("unreachable", `cannot connect to ${where}: ${err.message}`);
  }
}

/** An error after `ready`: the transport broke under running commands. */
export function connectionLost(target: ConnectionTarget, cause: unknown): ConnectionError {
  const err = cause as Ssh2Error | undefined;
  const why = err?.message === "Keepalive timeout"
    ? "no keepalive answer (host down or network cut)"
    : err?.message
      ? err.message
      : "closed by the remote side";
  return new ConnectionError("connection-lost", target.name, `connection to ${endpoint(target)} lost: ${why}`, undefined, { cause });
}

/** Prefix a failure of a jump hop with the hop, keep the kind, report it for the host we wanted. */
export function viaJump(error: ConnectionError, hop: ConnectionTarget, hostName: string): ConnectionError {
  return new ConnectionError(error.kind, hostName, `jump host ${hop.name}: ${error.message}`, error.hint, { cause: error });
}
