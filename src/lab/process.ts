// One host = one detached systemd-nspawn process. We remember its pid in a file and, before ever signalling
// it, check that the pid still belongs to OUR nspawn for THAT host root: pids are reused, and the lab never
// kills anything by name.
import { spawn } from "node:child_process";
import { open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { basename } from "node:path";

export interface BootOptions {
  root: string;
  machine: string;
  hostname: string;
  bridge: string;
  console: string;
  pidFile: string;
}

export function nspawnArgs(options: Pick<BootOptions, "root" | "machine" | "hostname" | "bridge">): string[] {
  return [
    "-q",
    "-D",
    options.root,
    "-M",
    options.machine,
    `--hostname=${options.hostname}`,
    "--boot",
    // This machine's PID 1 may not be systemd: no machined registration, no scope unit of our own.
    "--register=no",
    "--keep-unit",
    `--network-bridge=${options.bridge}`,
    // We write the host's resolv.conf ourselves; the machine's journal stays untouched.
    "--resolv-conf=off",
    "--link-journal=no",
    "--console=read-only",
  ];
}

/** Is `cmdline` (NUL-separated, from /proc/<pid>/cmdline) our nspawn for `root`? */
export function isNspawnFor(cmdline: string, root: string): boolean {
  const argv = cmdline.split("\0");
  if (basename(argv[0] ?? "") !== "systemd-nspawn") return false;
  const d = argv.indexOf("-D");
  return d >= 0 && argv[d + 1] === root;
}

/** A live process (zombies count as gone: they are dead, only not yet reaped). */
async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** The pid of the host's running nspawn, or undefined (no pid file, dead, or the pid now belongs to another process). */
export async function runningPid(pidFile: string, root: string): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, "utf8")).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 1) return undefined;
  if (!(await alive(pid))) return undefined;
  try {
    return isNspawnFor(await readFile(`/proc/${pid}/cmdline`, "utf8"), root) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Start the host detached (own session, stdin /dev/null, console into the log) and record its pid. */
export async function boot(options: BootOptions): Promise<number> {
  const log = await open(options.console, "w");
  try {
    const child = spawn("systemd-nspawn", nspawnArgs(options), {
      detached: true,
      stdio: ["ignore", log.fd, log.fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(new Error(`cannot start systemd-nspawn: ${error.message}`, { cause: error })));
      child.once("spawn", () => (child.pid ? resolve(child.pid) : reject(new Error("systemd-nspawn has no pid"))));
    });
    child.unref();
    await writeFile(options.pidFile, `${pid}\n`);
    return pid;
  } finally {
    await log.close();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gone(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!(await alive(pid))) return true;
    await sleep(100);
  }
  return !(await alive(pid));
}

/**
 * Stop a host's nspawn: SIGTERM asks the container to halt. Now and then the container's halt job fails
 * and it never ends, so a second SIGTERM follows, which nspawn answers by killing the container and
 * cleaning up after it. SIGKILL to nspawn is the last resort (it leaves the container running: the caller
 * then stops the orphaned init, see orphanedInits).
 */
export async function stop(pid: number, graceMs = 8_000): Promise<"stopped" | "killed"> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  if (await gone(pid, graceMs)) return "stopped";
  signal("SIGTERM");
  if (await gone(pid, 5_000)) return "killed";
  signal("SIGKILL");
  await gone(pid, 10_000);
  return "killed";
}

export async function forgetPid(pidFile: string): Promise<void> {
  await rm(pidFile, { force: true });
}

/** Does `address:22` answer with an SSH banner within `timeoutMs`? */
export function sshBanner(address: string, timeoutMs: number, port = 22): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    let data = "";
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      data += chunk;
      if (data.includes("\n")) done(data.startsWith("SSH-"));
    });
    socket.on("error", () => done(false));
    socket.on("close", () => done(false));
  });
}

export interface WaitForSsh {
  address: string;
  port?: number;
  timeoutMs: number;
  /** Still worth waiting for? (false once the host's process has died) */
  stillRunning: () => Promise<boolean>;
}

/** Poll until SSH answers; "died" as soon as the host's process is gone, "timeout" after the bound. */
export async function waitForSsh(options: WaitForSsh): Promise<"ready" | "died" | "timeout"> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    if (await sshBanner(options.address, Math.min(2000, Math.max(100, deadline - Date.now())), options.port)) return "ready";
    if (!(await options.stillRunning())) return "died";
    await sleep(200);
  }
  return "timeout";
}

/** Is this /proc/<pid>/status the PID 1 of a nested PID namespace (a container's init)? */
export function isNamespaceInit(status: string): boolean {
  const match = /^NSpid:\s*(.*)$/m.exec(status);
  const ids = match?.[1]?.trim().split(/\s+/) ?? [];
  return ids.length > 1 && ids[ids.length - 1] === "1";
}

/** Is `upper` the upper dir of the root mount in this /proc/<pid>/mountinfo? */
export function rootIsOverlayOf(mountinfo: string, upper: string): boolean {
  return mountinfo.split("\n").some((line) => {
    const [before, after] = line.split(" - ");
    return before?.split(" ")[4] === "/" && after?.startsWith("overlay ") === true && after.split(" ")[2]?.split(",").includes(`upperdir=${upper}`) === true;
  });
}

/**
 * Container inits left running when their systemd-nspawn was killed outright (SIGKILL does not reach the
 * container): they still hold the host's address and veth. Found by what they are — PID 1 of their own
 * namespace with the host's overlay as root — never by name.
 */
export async function orphanedInits(upper: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!isNamespaceInit(await readFile(`/proc/${entry}/status`, "utf8"))) continue;
      if (rootIsOverlayOf(await readFile(`/proc/${entry}/mountinfo`, "utf8"), upper)) found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** SIGKILL a container init (which ends its whole PID namespace) and wait until it is gone. */
export async function killInit(pid: number): Promise<void> {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 100 && (await alive(pid)); i++) await sleep(100);
}
