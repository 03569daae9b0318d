// The command line a Connection actually runs for exec(): POSIX `sh -c`, an optional remote `timeout`,
// and an optional sudo wrapper. Shared by the ssh and local connections so both behave the same.
//
// sudo and its password: the password must never be on a command line (visible in the process list),
// so it travels on stdin. With `sudo -S` the risk is that sudo does NOT read it (NOPASSWD, cached
// credentials) and the password flows into the command's stdin. So stdin carries
// `password \n nonce \n nonce \n` before the caller's bytes, and the shell that sudo starts discards
// lines up to the second nonce before running the command: whether sudo consumed the password or not,
// the command sees only the caller's bytes. A wrong password makes sudo try the nonce lines too (its
// three attempts) and fail without running anything.
//
// A marker written to stderr by the shell sudo starts tells "sudo refused" (no marker) apart from
// "the command ran and failed"; it is removed from the stderr the caller sees.
//
// Large commands: Linux caps ONE argument at 128 KiB (MAX_ARG_STRLEN), and the command is one argument
// twice over (sshd's `$SHELL -c LINE`, then `sh -c CMD`): a batched probe of many tasks can exceed it
// ("Argument list too long"). Past LARGE_COMMAND_BYTES the command travels on stdin instead, in front of
// the caller's own bytes: a small `sh -c` reads exactly its byte count with `head -c` (which never reads
// past it, so the caller's stdin is left intact for the command) and `eval`s it. Nothing is written to
// disk, and the command still sees only the caller's stdin. A command that holds one of the run's secrets
// takes the same path whatever its size: a command line is visible in the host's process list and sudo
// writes it to the host's log, where the secret would outlive the run. The connection decides this for
// every command it runs, so no caller can forget to ask.
import { randomBytes } from "node:crypto";
import { quote, quoteAll } from "../util/shell.js";
import { BecomeError, type ExecResult } from "./types.js";

export const BECOME_MARKER = "\u001edeploy-become-ok\u001e";
const MARKER_PRINTF = "printf '\\036deploy-become-ok\\036' >&2";

/** Grace after a remote timeout's SIGTERM before `timeout` sends SIGKILL. */
export const KILL_AFTER_SECONDS = 5;

export interface BecomeSettings {
  user: string;
  password?: string;
}

export interface CommandSpec {
  /** The user's shell command text. */
  command: string;
  become?: BecomeSettings;
  timeoutMs?: number;
  /** The run's secrets: a command holding one is sent on stdin even when it is small. */
  secrets?: ReadonlySet<string>;
}

export interface PreparedCommand {
  /** The full command line (given to the login shell over ssh, or to `sh -c` locally). */
  line: string;
  /** Bytes to send on stdin before the caller's own. */
  stdinPrefix?: Buffer;
  become?: BecomeSettings;
  timeoutMs?: number;
}

export function seconds(ms: number): string {
  const s = Math.max(ms, 1) / 1000;
  return s.toFixed(3).replace(/\.?0+$/, "");
}

/** argv of the command itself: `sh -c CMD`, under `timeout` when asked. */
function commandArgv(spec: CommandSpec, viaStdin: boolean): string[] {
  const text = viaStdin ? `${STDIN_VAR}=$(head -c ${Buffer.byteLength(spec.command)}) || exit 125; eval "$${STDIN_VAR}"` : spec.command;
  const base = ["sh", "-c", text];
  if (spec.timeoutMs === undefined) return base;
  return ["timeout", "-k", String(KILL_AFTER_SECONDS), seconds(spec.timeoutMs), ...base];
}

/** Command lines above this many bytes send the command on stdin (see the top of this file). */
export const LARGE_COMMAND_BYTES = 96 * 1024;
const STDIN_VAR = "deploy_command_text";

/**
 * Does this command text hold a secret? Also finds one inside a single-quoted shell word, where each `'`
 * of the secret is written `'\''`.
 */
export function holdsSecret(text: string, secrets: ReadonlySet<string>): boolean {
  for (const secret of secrets) {
    if (secret.length > 0 && (text.includes(secret) || text.includes(secret.replaceAll("'", "'\\''")))) return true;
  }
  return false;
}

export function prepareCommand(spec: CommandSpec, nonce: () => string = randomNonce): PreparedCommand {
  if (!spec.secrets || !holdsSecret(spec.command, spec.secrets)) {
    const inline = prepareLine(spec, false, nonce);
    if (Buffer.byteLength(inline.line) <= LARGE_COMMAND_BYTES) return inline;
  }
  const staged = prepareLine(spec, true, nonce);
  const text = Buffer.from(spec.command);
  return { ...staged, stdinPrefix: staged.stdinPrefix ? Buffer.concat([staged.stdinPrefix, text]) : text };
}

function prepareLine(spec: CommandSpec, viaStdin: boolean, nonce: () => string): PreparedCommand {
  const argv = commandArgv(spec, viaStdin);
  const common = {
    ...(spec.become ? { become: spec.become } : {}),
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
  };
  // `exec`: the login shell gives way to the command, so a signal that kills it is reported as such.
  if (!spec.become) return { line: `exec ${quoteAll(argv)}`, ...common };
  const user = spec.become.user;
  if (spec.become.password === undefined) {
    const wrapper = `${MARKER_PRINTF}; exec "$@"`;
    return { line: `exec sudo -n -u ${quote(user)} -- sh -c ${quote(wrapper)} sh ${quoteAll(argv)}`, ...common };
  }
  const token = nonce();
  // $0 is the nonce; `l` may hold the password (when sudo did not read it): it is dropped before exec.
  const wrapper = `n=0; while [ "$n" -lt 2 ] && IFS= read -r l; do [ "$l" = "$0" ] && n=$((n+1)); done; l=; ${MARKER_PRINTF}; exec "$@"`;
  return {
    line: `exec sudo -S -p '' -u ${quote(user)} -- sh -c ${quote(wrapper)} ${quote(token)} ${quoteAll(argv)}`,
    stdinPrefix: Buffer.from(`${spec.become.password}\n${token}\n${token}\n`),
    ...common,
  };
}

function randomNonce(): string {
  return `deploy-${randomBytes(12).toString("hex")}`;
}

export interface RawResult {
  exitCode: number | null;
  signal?: string;
  stdout: Buffer;
  stderr: Buffer;
  /** Set when the local safety timer had to give up on the command. */
  abandoned?: boolean;
}

/** Turn what came back into an ExecResult; throws become-failed when sudo refused to run the command. */
export function finishResult(raw: RawResult, prepared: PreparedCommand, elapsedMs: number, hostName: string): ExecResult {
  let stderr = raw.stderr;
  if (prepared.become && !raw.abandoned) {
    const at = stderr.indexOf(BECOME_MARKER);
    if (at < 0) throw becomeFailure(raw, prepared.become, hostName);
    // What sudo printed before the marker (e.g. "unable to resolve host") is sudo's, not the command's.
    stderr = stderr.subarray(at + Buffer.byteLength(BECOME_MARKER));
  }
  const result: ExecResult = {
    exitCode: raw.exitCode,
    stdout: raw.stdout.toString("utf8"),
    stderr: stderr.toString("utf8"),
  };
  if (raw.signal !== undefined) result.signal = raw.signal;
  if (prepared.timeoutMs !== undefined) {
    // `timeout` exits 124 (137 after its SIGKILL); the elapsed time rules out a command exiting 124 itself.
    const byTimeout = (raw.exitCode === 124 || raw.exitCode === 137) && elapsedMs >= prepared.timeoutMs * 0.9;
    if (byTimeout || raw.abandoned) result.timedOut = true;
  }
  return result;
}

export function becomeFailure(raw: RawResult, become: BecomeSettings, hostName: string): BecomeError {
  const text = raw.stderr.toString("utf8");
  const said = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !/unable to resolve host/.test(l));
  const last = said[said.length - 1] ?? `exit status ${raw.exitCode ?? raw.signal ?? "unknown"}`;
  let message: string;
  let hint: string | undefined;
  if (/a password is required/.test(text)) {
    message = `sudo needs a password to become ${become.user}`;
    hint = "Set the host var become_password (in a vault file) or DEPLOY_BECOME_PASSWORD, or allow NOPASSWD sudo.";
  } else if (/incorrect password|Sorry, try again/.test(text)) {
    message = `sudo rejected the become password (become user ${become.user})`;
  } else if (/not in the sudoers file|is not allowed to execute|may not run sudo/.test(text)) {
    message = `the login user may not run commands as ${become.user} through sudo`;
  } else if (raw.exitCode === 127 || /sudo: (command )?not found/.test(text)) {
    message = "sudo is not installed on the host (become needs it)";
  } else {
    message = `sudo failed: ${last}`;
  }
  return new BecomeError(hostName, message, hint);
}
