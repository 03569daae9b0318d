// Runs generated scripts on THIS machine with a PATH that holds only harmless real tools and recording
// stubs for the system tools (apt-get, systemctl, useradd, sysctl...). A tool that is neither is "not
// found", so a generated script can never reach the real package manager or user database here.
// The stubs record their exact argv, which is how the tests check that hostile values arrive as one
// literal word each.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ExecResult } from "../../../src/connection/types.js";
import type { Facts } from "../../../src/facts/types.js";
import type { ApplyContext, ProbeOutput } from "../../../src/modules/types.js";
import { buildProbeBatch } from "../../../src/engine/probe-batch.js";
import type { Probe } from "../../../src/modules/lib/lookup.js";
import { Script } from "../../../src/util/shell.js";

/** Real tools a generated script may use here: none of them changes the system outside the temp dirs tests give. */
const SAFE_TOOLS = [
  "sh", "bash", "cat", "awk", "sed", "tr", "date", "head", "grep", "mktemp", "dirname", "chmod", "sync", "mv",
  "rm", "mkdir", "env", "timeout", "sleep", "cut", "curl", "wget", "printf", "true", "false", "base64", "wc",
];

export interface StubCall {
  tool: string;
  args: string[];
}

export interface StubRun extends ExecResult {
  calls: StubCall[];
}

export class StubShell {
  readonly dir: string;
  private readonly bin: string;
  private readonly log: string;

  /**
   * `stubs`: tool name -> sh body run after the call is recorded (may print, exit...). `$@` are its args.
   * `without`: safe tools to leave out (to test fallbacks, e.g. no curl).
   */
  constructor(stubs: Record<string, string>, options: { without?: string[] } = {}) {
    this.dir = mkdtempSync(path.join(tmpdir(), "deploy-stub-"));
    this.bin = path.join(this.dir, "bin");
    this.log = path.join(this.dir, "calls");
    writeFileSync(this.log, "");
    mkdirP(this.bin);
    for (const tool of SAFE_TOOLS) {
      if (options.without?.includes(tool) || stubs[tool] !== undefined) continue;
      const real = ["/usr/bin", "/bin"].map((d) => path.join(d, tool)).find((p) => existsSync(p));
      if (real) symlinkSync(real, path.join(this.bin, tool));
    }
    for (const [tool, body] of Object.entries(stubs)) {
      const file = path.join(this.bin, tool);
      // Each arg is NUL-terminated, each call ends with a \x1e record separator: args may hold newlines.
      writeFileSync(file, `#!/bin/sh\n{ printf '%s\\0' ${tool} "$@"; printf '\\036'; } >> "$STUB_CALLS"\n${body}\n`);
      chmodSync(file, 0o755);
    }
  }

  run(script: Script | string, options: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<StubRun> {
    const text = typeof script === "string" ? script : script.text;
    return new Promise((resolve, reject) => {
      // Like the real connections, a timeout is enforced by `timeout` around the command (exit 124).
      const argv = options.timeoutMs
        ? ["/usr/bin/timeout", "-k", "1", `${options.timeoutMs / 1000}`, "/bin/sh", "-c", text]
        : ["/bin/sh", "-c", text];
      const child = spawn(argv[0]!, argv.slice(1), {
        cwd: this.dir,
        env: { PATH: this.bin, STUB_CALLS: this.log, HOME: this.dir, LC_ALL: "C" },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code, signal) => {
        const timedOut = options.timeoutMs !== undefined && (code === 124 || code === 137) ? true : undefined;
        resolve({ exitCode: code, signal: signal ?? undefined, stdout, stderr, timedOut, calls: this.calls() });
      });
      // A script that never reads stdin may exit before we finish writing it.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.stdin ?? "");
    });
  }

  /** Run a probe the way the engine does (in a batch of one, stderr merged into the output). */
  async probe(probe: Probe | Script | undefined): Promise<ProbeOutput | undefined> {
    if (!probe) return undefined;
    const batch = buildProbeBatch([probe instanceof Script ? { script: probe } : probe]);
    return batch.parse((await this.run(batch.script)).stdout)[0];
  }

  calls(): StubCall[] {
    const text = readFileSync(this.log, "utf8");
    return text
      .split("\x1e")
      .filter((record) => record !== "")
      .map((record) => {
        const [tool = "", ...args] = record.split("\0").slice(0, -1);
        return { tool, args };
      });
  }

  clearCalls(): void {
    writeFileSync(this.log, "");
  }

  /** An ApplyContext whose commands run in this stub shell. */
  context(overrides: Partial<ApplyContext> = {}): ApplyContext {
    return {
      ...taskContext(),
      conn: undefined as never,
      run: (command, options) => this.run(command, options),
      ...overrides,
    };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function mkdirP(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export const debianFacts: Facts = {
  os: { id: "debian", version: "12", codename: "bookworm", family: ["debian"] },
  arch: "x86_64",
  init: "systemd",
  packageManager: "apt",
  hostname: "web-01",
  addresses: ["10.77.0.11"],
  memoryMb: 1024,
  sshClient: "10.0.0.1",
  cpus: 2,
};

export function taskContext(facts: Partial<Facts> = {}, secrets: string[] = []) {
  return { hostName: "web-01", facts: { ...debianFacts, ...facts }, vars: {}, secrets: new Set(secrets) };
}

/** Values that break naive quoting. */
export const HOSTILE = [
  "two words",
  "it's",
  'say "hi"',
  "$(touch pwned)",
  "`touch pwned`",
  "a; touch pwned",
  "line1\nline2",
  "back\\slash",
  "*",
  "-rf",
];
