// Runs commands on this machine with the same semantics as ssh (sh -c, sudo, remote-style timeout,
// put through the atomic-write script): for tests and `connection: local` hosts.
import { spawn } from "node:child_process";
import type { RawResult } from "./remote-command.js";
import { ShellConnection, type CommandRunner, type ExecDefaults, type RunRequest } from "./shell-connection.js";
import { ConnectionError, type Connection } from "./types.js";

export interface LocalConnectionOptions extends Partial<ExecDefaults> {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** The shell that receives the command line; default /bin/sh. */
  shell?: string;
}

export function createLocalConnection(name: string, options: LocalConnectionOptions = {}): Connection {
  const children = new Set<ReturnType<typeof spawn>>();
  const shell = options.shell ?? "/bin/sh";
  const runner: CommandRunner = {
    run: (request) => runLocal(name, shell, request, options, children),
    async close() {
      // Nothing stays open between commands; a close while commands run stops them.
      for (const child of children) child.kill("SIGTERM");
    },
  };
  return new ShellConnection(name, { remote: false }, runner, {
    become: options.become ?? false,
    ...(options.becomeUser !== undefined ? { becomeUser: options.becomeUser } : {}),
    ...(options.becomePassword !== undefined ? { becomePassword: options.becomePassword } : {}),
    ...(options.secrets ? { secrets: options.secrets } : {}),
  });
}

function runLocal(
  name: string,
  shell: string,
  request: RunRequest,
  options: LocalConnectionOptions,
  children: Set<ReturnType<typeof spawn>>,
): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ["-c", request.line], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    children.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let abandoned = false;
    const timer = request.abandonAfterMs !== undefined
      ? setTimeout(() => {
          abandoned = true;
          child.kill("SIGKILL");
        }, request.abandonAfterMs)
      : undefined;
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    // A command that exits without reading its stdin makes our write fail with EPIPE: not an error.
    child.stdin.on("error", () => undefined);
    child.on("error", (error) => {
      if (timer) clearTimeout(timer);
      children.delete(child);
      reject(new ConnectionError("unreachable", name, `cannot start ${shell}: ${error.message}`, undefined, { cause: error }));
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      children.delete(child);
      resolve({
        exitCode: code,
        ...(signal !== null ? { signal } : {}),
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        ...(abandoned ? { abandoned } : {}),
      });
    });
    child.stdin.end(request.stdin);
  });
}
