// The Connection behaviour both transports share: build the command line (sh -c, timeout, sudo), send
// stdin, turn the raw outcome into an ExecResult, and implement put (the atomic-write script) and get
// (cat) on top of exec. A transport only provides `CommandRunner`: run one line, collect bytes.
import { sh, type Script } from "../util/shell.js";
import { atomicWriteScript } from "./atomic-write.js";
import { finishResult, KILL_AFTER_SECONDS, prepareCommand, type PreparedCommand, type RawResult } from "./remote-command.js";
import type {
  Connection,
  ConnectionCapabilities,
  ConnectionStats,
  ExecOptions,
  ExecResult,
  HoldOptions,
  HoldResult,
  PutOptions,
} from "./types.js";

export interface RunRequest {
  line: string;
  stdin?: Buffer;
  /** Give up locally after this long (the remote `timeout` should have acted well before). */
  abandonAfterMs?: number;
}

export interface CommandRunner {
  run(request: RunRequest): Promise<RawResult>;
  /** See Connection.hold; a runner without it cannot keep a command running between commands. */
  hold?(request: RunRequest, options: HoldOptions): Promise<{ held: true; stdout: Buffer } | { held: false; raw: RawResult }>;
  close(): Promise<void>;
}

/** How every command of a connection runs. */
export interface ExecDefaults {
  /** Whether commands run through sudo unless ExecOptions.become says otherwise. */
  become: boolean;
  becomeUser?: string;
  becomePassword?: string;
  /** The run's secrets: a command holding one travels on stdin (see remote-command.ts). */
  secrets?: ReadonlySet<string>;
}

/** A command the transport could run, but that reported failure (put/get): carries what it said. */
export class RemoteCommandError extends Error {
  override readonly name = "RemoteCommandError";
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Local safety margin past the remote timeout (and its SIGKILL grace) before abandoning a command. */
const ABANDON_MARGIN_MS = (KILL_AFTER_SECONDS + 10) * 1000;

export class ShellConnection implements Connection {
  readonly stats: ConnectionStats = { roundTrips: 0, bytesUp: 0, bytesDown: 0 };

  constructor(
    readonly hostName: string,
    readonly capabilities: ConnectionCapabilities,
    private readonly runner: CommandRunner,
    private readonly defaults: ExecDefaults,
  ) {}

  async exec(command: string | Script, options: ExecOptions = {}): Promise<ExecResult> {
    const stdin = options.stdin === undefined ? undefined : Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin);
    const prepared = this.prepare(String(command), options.become, options.timeoutMs);
    const started = Date.now();
    const rawResult = await this.send(prepared, stdin);
    return finishResult(rawResult, prepared, Date.now() - started, this.hostName);
  }

  async put(path: string, content: string | Buffer, options: PutOptions = {}): Promise<void> {
    const script = atomicWriteScript(path, Buffer.byteLength(content), {
      mode: options.mode ?? "0644",
      ...(options.owner !== undefined ? { owner: options.owner } : {}),
      ...(options.group !== undefined ? { group: options.group } : {}),
    });
    const result = await this.exec(script, { stdin: content, ...(options.become !== undefined ? { become: options.become } : {}) });
    if (result.exitCode !== 0) {
      throw new RemoteCommandError(`${this.hostName}: cannot write ${path}: ${lastLine(result.stderr) || `exit status ${result.exitCode}`}`, result.exitCode, result.stderr);
    }
  }

  async get(path: string, options: { become?: boolean } = {}): Promise<Buffer> {
    const prepared = this.prepare(sh`cat -- ${path}`.text, options.become, undefined);
    const started = Date.now();
    const rawResult = await this.send(prepared, undefined);
    // finishResult checks sudo's verdict and strips its marker; stdout must stay bytes, so keep rawResult's.
    const result = finishResult({ ...rawResult, stdout: Buffer.alloc(0) }, prepared, Date.now() - started, this.hostName);
    if (result.exitCode !== 0) {
      throw new RemoteCommandError(`${this.hostName}: cannot read ${path}: ${lastLine(result.stderr) || `exit status ${result.exitCode}`}`, result.exitCode, result.stderr);
    }
    return rawResult.stdout;
  }

  async hold(command: Script, options: HoldOptions): Promise<HoldResult> {
    if (!this.runner.hold) throw new Error(`${this.hostName}: this connection cannot keep a command running`);
    // As the login user, whatever the host's become says, as facts are (facts/definitions.ts).
    const prepared = this.prepare(command.text, false, undefined);
    this.stats.roundTrips++;
    this.stats.bytesUp += Buffer.byteLength(prepared.line) + (prepared.stdinPrefix?.length ?? 0);
    const started = Date.now();
    const outcome = await this.runner.hold({ line: prepared.line, ...(prepared.stdinPrefix ? { stdin: prepared.stdinPrefix } : {}) }, options);
    if (outcome.held) {
      this.stats.bytesDown += outcome.stdout.length;
      return { held: true, stdout: outcome.stdout.toString("utf8") };
    }
    this.stats.bytesDown += outcome.raw.stdout.length + outcome.raw.stderr.length;
    return { held: false, result: finishResult(outcome.raw, prepared, Date.now() - started, this.hostName) };
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  private prepare(command: string, become: boolean | undefined, timeoutMs: number | undefined): PreparedCommand {
    const useBecome = become ?? this.defaults.become;
    return prepareCommand({
      command,
      ...(useBecome
        ? {
            become: {
              user: this.defaults.becomeUser ?? "root",
              ...(this.defaults.becomePassword !== undefined ? { password: this.defaults.becomePassword } : {}),
            },
          }
        : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(this.defaults.secrets ? { secrets: this.defaults.secrets } : {}),
    });
  }

  private async send(prepared: PreparedCommand, stdin: Buffer | undefined): Promise<RawResult> {
    const input = prepared.stdinPrefix ? Buffer.concat([prepared.stdinPrefix, stdin ?? Buffer.alloc(0)]) : stdin;
    this.stats.roundTrips++;
    this.stats.bytesUp += Buffer.byteLength(prepared.line) + (input?.length ?? 0);
    const result = await this.runner.run({
      line: prepared.line,
      ...(input !== undefined ? { stdin: input } : {}),
      ...(prepared.timeoutMs !== undefined ? { abandonAfterMs: prepared.timeoutMs + ABANDON_MARGIN_MS } : {}),
    });
    this.stats.bytesDown += result.stdout.length + result.stderr.length;
    return result;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split("\n");
  return (lines[lines.length - 1] ?? "").trim();
}

