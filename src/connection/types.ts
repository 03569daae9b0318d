// The connection contract every transport implements (ssh, local). Modules and the engine talk only to this.
import type { Script } from "../util/shell.js";

export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Enforced on the remote side (the command is wrapped in `timeout`); the result then has timedOut. */
  timeoutMs?: number;
  /** Override the host's become setting for this command (false = run as the login user). */
  become?: boolean;
}

export interface ExecResult {
  /** null when the command was killed by a signal. */
  exitCode: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export interface PutOptions {
  /** File mode as an octal string, e.g. "0644". Default "0644". */
  mode?: string;
  owner?: string;
  group?: string;
  become?: boolean;
}

export interface ConnectionStats {
  /** Commands run (each exec/put/get is one round trip on an already open connection). */
  roundTrips: number;
  bytesUp: number;
  bytesDown: number;
}

/** Capability flags, so callers can ask instead of checking the implementation's class. */
export interface ConnectionCapabilities {
  remote: boolean;
}

/**
 * A command that prints its output, then `readyLine`, and then keeps running for as long as the connection
 * is open: the host's deploy lock is such a command (facts/host-lock.ts).
 */
export interface HoldOptions {
  readyLine: string;
  /**
   * Bytes written to the command's stdin every `everyMs` while it is held, so that it can tell a session
   * whose client is gone (a network cut sshd does not notice) from one that is only quiet.
   */
  heartbeat?: { bytes: string; everyMs: number };
}

/** Held: what it printed before its ready line. Not held: it ended first, and this is how. */
export type HoldResult = { held: true; stdout: string } | { held: false; result: ExecResult };

export interface Connection {
  readonly hostName: string;
  readonly capabilities: ConnectionCapabilities;
  readonly stats: ConnectionStats;
  /** Run a shell command (`sh -c`). A non-zero exit is data, not an error; a broken transport throws ConnectionError. */
  exec(command: string | Script, options?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically: temp file in the target directory, fsync, rename over. */
  put(path: string, content: string | Buffer, options?: PutOptions): Promise<void>;
  /** Read a whole file. */
  get(path: string, options?: { become?: boolean }): Promise<Buffer>;
  /**
   * Run a command as the login user that stays running until the connection closes (see HoldOptions).
   * One round trip, like exec. Absent where nothing outlives a command (the local connection).
   */
  hold?(command: Script, options: HoldOptions): Promise<HoldResult>;
  close(): Promise<void>;
}

export type ConnectionErrorKind =
  | "unreachable"
  | "auth-failed"
  | "host-key-unknown"
  | "host-key-changed"
  | "timeout"
  | "connection-lost"
  | "protocol";

/** A broken transport. `message` is one human line; details (fingerprints, the line to add) go in `hint`. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    readonly kind: ConnectionErrorKind,
    readonly hostName: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * sudo refused to run a command (a password needed or wrong, a user it does not allow): the host's
 * configuration, not its transport. The task that needed it fails, as any failing task does.
 */
export class BecomeError extends Error {
  override readonly name = "BecomeError";
  readonly kind = "become-failed";
  constructor(
    readonly hostName: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export type HostKeyPolicy = "strict" | "accept-new" | "off";

/** Everything needed to reach one host, resolved from the inventory (and ~/.ssh/config). */
export interface ConnectionTarget {
  /** Inventory name, used in messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  identityFiles: string[];
  /** Jump host, itself a full target (its own key checks apply). */
  jump?: ConnectionTarget;
  become: boolean;
  becomeUser?: string;
  /** sudo password, if sudo needs one (from the vault or the environment). Never logged. */
  becomePassword?: string;
  connectTimeoutMs: number;
  hostKeyPolicy: HostKeyPolicy;
  /** Extra known_hosts files checked after ~/.ssh/known_hosts; the first one receives accept-new records. */
  knownHostsFiles: string[];
}
