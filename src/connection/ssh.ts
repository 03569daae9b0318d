// The ssh transport: ONE ssh2 connection per host for the whole run, commands on channels from a bounded
// pool, keepalive so a dead host is noticed, and every pending command rejected promptly when the
// connection drops (connection-lost) rather than hanging.
import { homedir } from "node:os";
import { join } from "node:path";
import type { Client as Ssh2Client, ClientChannel } from "ssh2";
import { ChannelPool, isResourceShortage } from "./channel-pool.js";
import { createIdentityStore, PASSPHRASE_ENV, type IdentityStore } from "./identity.js";
import type { RawResult } from "./remote-command.js";
import { openClientChain, type ClientChain } from "./ssh-client.js";
import { connectionLost } from "./ssh-errors.js";
import { ShellConnection, type CommandRunner, type RunRequest } from "./shell-connection.js";
import { holdChannel, type HeldOutcome } from "./held-channel.js";
import { ConnectionError, type Connection, type ConnectionTarget, type HoldOptions } from "./types.js";

export interface SshOptions {
  /** Shared across the hosts of a run so each key file is read (and its passphrase asked) once. */
  identities?: IdentityStore;
  /** ssh-agent socket; default SSH_AUTH_SOCK of `env`. */
  agentSocket?: string;
  /** Default ~/.ssh/known_hosts (from `env.HOME`). */
  userKnownHostsFile?: string;
  /** Where warnings go (host key checking off, a key recorded). Default stderr. */
  warn?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Concurrent channels per connection (sshd's MaxSessions is 10). */
  maxChannels?: number;
  /** The run's secrets: a command holding one travels on stdin (see remote-command.ts). */
  secrets?: ReadonlySet<string>;
  /** Aborted: give up connecting. */
  stop?: AbortSignal;
}

// A host that vanishes without closing its TCP connection (power cut, network gone) is noticed only by
// unanswered keepalives: ssh2 gives up after about (count + 1) x interval. sshd answers keepalives even
// while a command runs silently for minutes, so a short interval costs nothing but a few bytes; 2 s x 3
// reports such a host in about 8 s (5 s x 3 took about 18 s on the lab).
const KEEPALIVE_INTERVAL_MS = 2000;
const KEEPALIVE_COUNT_MAX = 3;

export async function connectSsh(target: ConnectionTarget, options: SshOptions = {}): Promise<Connection> {
  const env = options.env ?? process.env;
  const passphrase = env[PASSPHRASE_ENV];
  const chain = await openClientChain(target, {
    identities: options.identities ?? createIdentityStore(passphrase !== undefined ? { passphrase } : {}),
    agentSocket: options.agentSocket ?? (env["SSH_AUTH_SOCK"] || undefined),
    userKnownHostsFile: options.userKnownHostsFile ?? join(env["HOME"] || homedir(), ".ssh", "known_hosts"),
    warn: options.warn ?? ((line) => process.stderr.write(`${line}\n`)),
    keepaliveIntervalMs: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: options.keepaliveCountMax ?? KEEPALIVE_COUNT_MAX,
    ...(options.stop ? { stop: options.stop } : {}),
  });
  const runner = new SshRunner(target, chain, new ChannelPool({ ...(options.maxChannels !== undefined ? { max: options.maxChannels } : {}) }));
  return new ShellConnection(target.name, { remote: true }, runner, {
    become: target.become,
    ...(target.becomeUser !== undefined ? { becomeUser: target.becomeUser } : {}),
    ...(target.becomePassword !== undefined ? { becomePassword: target.becomePassword } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}

class SshRunner implements CommandRunner {
  private lost: ConnectionError | undefined;
  private closing = false;
  private readonly pending = new Set<(error: ConnectionError) => void>();
  private readonly closed: Promise<void>;

  constructor(
    private readonly target: ConnectionTarget,
    private readonly chain: ClientChain,
    private readonly pool: ChannelPool,
  ) {
    this.closed = new Promise((resolve) => chain.client.once("close", () => resolve()));
    chain.client.once("close", () => {
      for (const hop of chain.hops) hop.end();
      if (this.closing) return;
      this.lost = connectionLost(target, chain.lastError());
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    });
  }

  get client(): Ssh2Client {
    return this.chain.client;
  }

  run(request: RunRequest): Promise<RawResult> {
    return this.pool.run(() => this.runOnChannel(request));
  }

  /**
   * Outside the pool: the held channel is opened first of all (facts, before any other command), and the
   * pool's 8 plus this one stay under sshd's default MaxSessions of 10, so the run's other commands keep
   * all their parallel channels.
   */
  hold(request: RunRequest, options: HoldOptions): Promise<HeldOutcome> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<HeldOutcome>((resolve, reject) => {
      this.client.exec(request.line, (error, stream) => {
        if (error) return reject(this.lost ?? new ConnectionError("protocol", this.target.name, `cannot open a session channel: ${error.message}`, undefined, { cause: error }));
        holdChannel(stream, request.stdin, options, {
          settle: (outcome) => resolve(outcome),
          fail: () => reject(this.lost ?? connectionLost(this.target, this.chain.lastError())),
          // The held command ended while the run goes on (deploy was suspended longer than the command
          // waits for a heartbeat, or someone killed it): what it held is gone, so is the connection.
          ended: () => this.loseHold(),
        });
      });
    });
  }

  private loseHold(): void {
    if (this.closing || this.lost) return;
    this.lost = new ConnectionError("connection-lost", this.target.name, "this run's lock on the host ended before the run did (deploy was suspended, or its process on the host was killed)");
    for (const reject of this.pending) reject(this.lost);
    this.pending.clear();
  }

  private runOnChannel(request: RunRequest): Promise<RawResult> {
    return new Promise<RawResult>((resolve, reject) => {
      if (this.lost) return reject(this.lost);
      if (this.closing) return reject(new ConnectionError("connection-lost", this.target.name, "the connection was closed"));
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        this.pending.delete(fail);
        outcome();
      };
      const fail = (error: ConnectionError): void => settle(() => reject(error));
      this.pending.add(fail);
      try {
        this.client.exec(request.line, (error, stream) => {
          if (error) {
            // reason 2 goes back to the pool, which retries it; anything else is a broken transport.
            if (isResourceShortage(error)) return settle(() => reject(error));
            return fail(this.lost ?? new ConnectionError("protocol", this.target.name, `cannot open a session channel: ${error.message}`, undefined, { cause: error }));
          }
          this.collect(stream, request, (result) => settle(() => resolve(result)), fail, (t) => (timer = t));
        });
      } catch (error: unknown) {
        fail(this.lost ?? connectionLost(this.target, error));
      }
    });
  }

  private collect(
    stream: ClientChannel,
    request: RunRequest,
    done: (result: RawResult) => void,
    fail: (error: ConnectionError) => void,
    setTimer: (timer: NodeJS.Timeout) => void,
  ): void {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exitCode: number | null | undefined;
    let signal: string | undefined;
    let abandoned = false;
    // Both streams must be consumed or 'close' never fires.
    stream.on("data", (chunk: Buffer) => stdout.push(chunk));
    stream.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    stream.on("exit", (code: number | null, sig?: string) => {
      exitCode = code;
      if (sig) signal = sig;
    });
    stream.on("error", () => undefined);
    stream.on("close", () => {
      if (exitCode === undefined && !abandoned) {
        // Closed without an exit status: the connection is going away; let its close handler decide.
        setImmediate(() => (this.lost ? fail(this.lost) : done(result(null))));
        return;
      }
      done(result(exitCode ?? null));
    });
    const result = (code: number | null): RawResult => ({
      exitCode: code,
      ...(signal !== undefined ? { signal } : {}),
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr),
      ...(abandoned ? { abandoned } : {}),
    });
    if (request.abandonAfterMs !== undefined) {
      setTimer(setTimeout(() => {
        // Closing a channel does not kill the remote command; the remote `timeout` is the real limit.
        abandoned = true;
        stream.close();
      }, request.abandonAfterMs));
    }
    stream.end(request.stdin);
  }

  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    for (const reject of this.pending) reject(new ConnectionError("connection-lost", this.target.name, "the connection was closed"));
    this.pending.clear();
    this.client.end();
    for (const hop of this.chain.hops) hop.end();
    // Do not wait forever on a peer that never answers the disconnect.
    await Promise.race([this.closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  }
}
