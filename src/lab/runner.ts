// The lab runs machine tools (debootstrap, ip, nft, mount, ssh-keygen) by argv, never through a shell,
// so no value is ever re-parsed as script. The runner is injectable so planning code can be tested
// without root or a lab.
import { spawn, type ChildProcess } from "node:child_process";

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Return a non-zero exit as data instead of throwing. */
  allowFailure?: boolean;
  /** Called with each chunk of output (long builds show progress). */
  onOutput?: (chunk: string) => void;
}

export type Runner = (command: string, args: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** A tool that exited non-zero: carries the command, exit code and output for the message. */
export class CommandFailed extends Error {
  override readonly name = "CommandFailed";
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly result: RunResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-5).join("\n  ");
    super(`${[command, ...args].join(" ")} exited ${result.code ?? "by signal"}${detail ? `:\n  ${detail}` : ""}`);
  }
}

/** The tools running now, for stopTools. */
const running = new Set<ChildProcess>();

/**
 * The lab operation was interrupted: end the tools it started. A Ctrl-C at a terminal reaches them with
 * the process group, but a SIGINT or SIGTERM sent to deploy alone would leave a debootstrap writing the
 * image after deploy has exited and given the lab lock back.
 */
export function stopTools(): void {
  for (const child of running) child.kill("SIGTERM");
}

export const runCommand: Runner = (command, args, options = {}) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    running.add(child);
    child.on("exit", () => running.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      options.onOutput?.(chunk);
    });
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
      options.onOutput?.(chunk);
    });
    child.on("error", (error) => reject(new Error(`cannot run ${command}: ${error.message}`, { cause: error })));
    child.on("close", (code) => {
      const result = { code, stdout, stderr };
      if (code !== 0 && !options.allowFailure) reject(new CommandFailed(command, args, result));
      else resolve(result);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
