// Running the tools under test as child processes: wall time, exit code, output, and the child's peak
// resident memory (GNU time's "maximum resident set size" when /usr/bin/time exists, else VmHWM polled from
// /proc — the same figure, read a little less precisely).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Timed {
  code: number | null;
  seconds: number;
  /** Peak resident memory of the child in MiB (the largest process for a tool that forks). */
  peakMb: number;
  /** CPU seconds (user + system) of the child and its descendants; undefined without GNU time. */
  cpuSeconds?: number;
  /** CPU seconds the whole machine was busy meanwhile: the lab hosts' own work runs on the same cores. */
  machineBusySeconds: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that count as success (default [0]). */
  okCodes?: number[];
  /** Label used in the error message when the command fails. */
  label?: string;
}

const GNU_TIME = "/usr/bin/time";

/** Busy CPU seconds of the whole machine since boot (all cores; user, nice, system, irq, softirq, steal). */
export async function machineBusy(): Promise<number> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).map(Number);
  return (user + nice + system + irq + softirq + steal) / 100; // USER_HZ is 100 on Linux
}

async function vmHwmKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

/** Runs a command to completion; throws with its output when the exit code is not accepted. */
export async function timed(command: string, args: string[], options: RunOptions): Promise<Timed> {
  const useTime = existsSync(GNU_TIME);
  const tmp = useTime ? await mkdtemp(path.join(tmpdir(), "deploy-bench-")) : undefined;
  const timeFile = tmp ? path.join(tmp, "rusage") : undefined;
  const [file, argv] = timeFile ? [GNU_TIME, ["-f", "%M %U %S", "-o", timeFile, command, ...args]] : [command, args];
  const busyBefore = await machineBusy();
  const started = process.hrtime.bigint();
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  let polledKb = 0;
  const poll = timeFile
    ? undefined
    : setInterval(() => {
        if (child.pid) void vmHwmKb(child.pid).then((kb) => (polledKb = Math.max(polledKb, kb)));
      }, 20);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c));
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const machineBusySeconds = (await machineBusy()) - busyBefore;
  if (poll) clearInterval(poll);
  let peakKb = polledKb;
  let cpuSeconds: number | undefined;
  if (timeFile && tmp) {
    const text = await readFile(timeFile, "utf8").catch(() => "");
    // GNU time writes "Command exited with non-zero status N" before the figures on failure.
    const [rss = "", user = "", system = ""] = (text.trim().split("\n").pop() ?? "").split(" ");
    peakKb = Number(rss) || 0;
    cpuSeconds = (Number(user) || 0) + (Number(system) || 0);
    await rm(tmp, { recursive: true, force: true });
  }
  const result: Timed = { code, seconds, peakMb: peakKb / 1024, ...(cpuSeconds !== undefined ? { cpuSeconds } : {}), machineBusySeconds, stdout, stderr };
  if (!(options.okCodes ?? [0]).includes(code ?? -1)) {
    const what = options.label ?? [command, ...args].join(" ");
    const tail = (s: string) => s.trimEnd().split("\n").slice(-30).join("\n");
    throw new Error(`${what}: exit ${code}\n--- stdout (tail)\n${tail(stdout)}\n--- stderr (tail)\n${tail(stderr)}`);
  }
  return result;
}

/** How many cores other work on this machine keeps busy (sampled over `ms`): benchmarks on a shared box say so. */
export async function backgroundLoad(ms = 3000): Promise<number> {
  const before = await machineBusy();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await machineBusy()) - before) / (ms / 1000);
}
