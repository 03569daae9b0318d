// The host lock: an apply holds it on each host from its facts gathering until it disconnects, so two
// applies never write to one host at once. It costs no round trip: the facts exec takes it, prints the facts,
// then keeps running, holding it, until the SSH session ends (Connection.hold).
//
// Why it never goes stale: the lock is an flock(2) held by that shell's open file, and nothing else. When
// the session ends, for whatever reason (deploy exits, is killed with SIGKILL, the connection is closed),
// sshd closes the shell's stdin, the shell exits and the kernel drops the lock with its last open file. A
// network cut sshd does not notice (no ClientAliveInterval) is covered by a heartbeat: deploy writes a byte
// on that stdin every HEARTBEAT_MS, and the shell gives up after SILENCE_SECONDS without one.
//
// Where the lock lives: /run/lock (tmpfs, emptied at boot, world-writable with the sticky bit on Debian,
// Ubuntu, RHEL), so a root login and any login user (become or not) lock THE SAME file and exclude each
// other. The facts run as the login user, so the file is made by whoever came first, and Debian's
// fs.protected_regular refuses an O_CREAT open of another user's file in a sticky world-writable directory.
// So the file is created 0666 only when absent, then opened read-only for the lock (flock needs no write
// access) and written (the holder's name) with dd conv=nocreat: no open of it ever has O_CREAT once it
// exists. Where /run/lock is not writable for the login user (some distributions make it root:lock 0775),
// /tmp is the fallback: that user then excludes only the users who fall back too.
//
// Plan never takes it: it reads the holder line, and believes it only while the process that wrote it is
// alive with the holder's own words on its command line (a holder killed with SIGKILL leaves its line).
import { quote, raw, type Script } from "../util/shell.js";

/** Tried in order; the first that is a writable directory holds `deploy.lock`. */
export const LOCK_DIRS = ["/run/lock", "/var/lock", "/tmp"] as const;
export const LOCK_FILE = "deploy.lock";
/** The held command's ready line: facts complete, lock held. */
export const LOCK_READY = "@@deploy-lock ready";
const STATE_MARK = "@@deploy-lock ";
export const HEARTBEAT_MS = 5000;
export const SILENCE_SECONDS = 60;

/** Who holds (or wants) the lock: written into the lock by the holder, read by the others. */
export interface LockHolder {
  user: string;
  machine: string;
  pid: number;
  since: Date;
}

export type LockIntent = "apply" | "plan";

/**
 * What the facts exec found. held: this apply holds it; busy: another apply holds it (holder unknown when its
 * line could not be read); free: nobody holds it (plan); unsupported: no lock could be taken (why).
 */
export type LockState =
  | { kind: "held" }
  | { kind: "busy"; holder?: LockHolder }
  | { kind: "free" }
  | { kind: "unsupported"; why: string };

export interface LockScriptOptions {
  dirs?: readonly string[];
  silenceSeconds?: number;
}

/** The holder's words in the lock, after its shell's pid: `SINCE-EPOCH-SECONDS PID USER@MACHINE`. */
export function holderWords(holder: LockHolder): string {
  return `${Math.floor(holder.since.getTime() / 1000)} ${holder.pid} ${holder.user}@${holder.machine}`;
}

/** `PID SINCE PID USER@MACHINE` (the first pid is the holder's shell on the host) into a holder. */
export function parseHolder(line: string): LockHolder | undefined {
  const match = /^\d+ (\d+) (\d+) ([^@\s]*)@(\S+)$/.exec(line.trim());
  if (!match) return undefined;
  const [, since, pid, user, machine] = match;
  // The line is world-writable: show nothing a terminal would act on.
  const printable = (s: string): string => s.replace(/[^\x20-\x7e]/g, "?");
  return { since: new Date(Number(since) * 1000), pid: Number(pid), user: printable(user!), machine: printable(machine!) };
}

/** Shell lines that set `h` to the live holder's line, or leave it empty. */
const READ_HOLDER = [
  `h=; IFS= read -r h < "$l" || :; p=\${h%% *}; r=\${h#* }`,
  `case $p in ''|*[!0-9]*) h= ;; *) grep -qF -- "$r" "/proc/$p/cmdline" 2>/dev/null || h= ;; esac`,
].join("\n");

/**
 * The facts script inside the lock. apply: take the lock (or report who holds it and stop), print the facts,
 * print LOCK_READY and hold. plan: report a live holder, print the facts, end.
 */
export function lockScript(intent: LockIntent, holder: LockHolder, facts: Script, options: LockScriptOptions = {}): Script {
  const dirs = (options.dirs ?? LOCK_DIRS).map(quote).join(" ");
  const silence = options.silenceSeconds ?? SILENCE_SECONDS;
  const find = `l=; for d in ${dirs}; do if [ -d "$d" ] && [ -w "$d" ]; then l=$d/${LOCK_FILE}; break; fi; done`;
  const plan = [
    find,
    `s=free; if [ -n "$l" ] && [ -r "$l" ]; then ${READ_HOLDER.replaceAll("\n", "; ")}; [ -n "$h" ] && s="busy $h"; fi`,
    `printf '%s\\n' "${STATE_MARK}$s"`,
    facts.text,
  ];
  if (intent === "plan") return raw(plan.join("\n"));
  const me = quote(holderWords(holder));
  const apply = [
    find,
    "s=held",
    `if [ -z "$l" ]; then s="unsupported no writable directory among ${LOCK_DIRS.join(" ")}"`,
    `elif ! command -v flock >/dev/null 2>&1; then s="unsupported flock is not installed"`,
    "else",
    // 0666: the next deploy may be another login user, who must open it and write its name in it.
    `  [ -e "$l" ] || (umask 0; : >>"$l") 2>/dev/null`,
    `  if [ ! -r "$l" ]; then s="unsupported $l is not readable"`,
    "  else",
    `    exec 9<"$l"`,
    "    if flock -n 9; then",
    `      w="$$ "${me}`,
    `      printf '%s\\n' "$w" | dd of="$l" conv=nocreat 2>/dev/null || printf '%s\\n' "$w" 2>/dev/null >"$l"`,
    "    else",
    // The holder may not have written its line yet (two applies started together): look again, briefly.
    "      i=0; while :; do",
    `        ${READ_HOLDER.replaceAll("\n", "\n        ")}`,
    `        i=$((i+1)); if [ -n "$h" ] || [ "$i" -ge 20 ]; then break; fi; sleep 0.05`,
    "      done",
    `      printf '%s\\n' "${STATE_MARK}busy $h"; exit 0`,
    "    fi",
    "  fi",
    "fi",
    `printf '%s\\n' "${STATE_MARK}$s"`,
    facts.text,
    `[ "$s" = held ] || exit 0`,
    `printf '%s\\n' '${LOCK_READY}'`,
    // Held until stdin ends (the session is gone) or stays silent too long; the readers run without fd 9,
    // so none of them can keep the lock after this shell is gone.
    `t=; command -v timeout >/dev/null 2>&1 && t="timeout ${silence}"`,
    `while b=$($t dd bs=1 count=1 2>/dev/null 9<&-) && [ -n "$b" ]; do :; done`,
  ];
  return raw(apply.join("\n"));
}

/** The lock's state line out of the script's stdout (the facts' sections follow it). */
export function readLockState(stdout: string): LockState {
  const line = stdout.split("\n").find((l) => l.startsWith(STATE_MARK));
  const state = line?.slice(STATE_MARK.length) ?? "";
  if (state === "held") return { kind: "held" };
  if (state === "free") return { kind: "free" };
  if (state.startsWith("busy")) {
    const holder = parseHolder(state.slice("busy".length));
    return holder ? { kind: "busy", holder } : { kind: "busy" };
  }
  if (state.startsWith("unsupported ")) return { kind: "unsupported", why: state.slice("unsupported ".length) };
  return { kind: "unsupported", why: "the lock script printed no state" };
}

/** `alice@laptop pid 4242, since 16:40:02 UTC` (the date too when it is not today's). */
export function describeHolder(holder: LockHolder | undefined, now: Date = new Date()): string {
  if (!holder) return "its holder could not be read";
  const iso = holder.since.toISOString();
  const time = `${iso.slice(11, 19)} UTC`;
  const when = iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
  return `${holder.user}@${holder.machine} pid ${holder.pid}, since ${when}`;
}

/** An apply reached a host another apply holds: that host fails, the run goes on with the others. */
export class HostBusy extends Error {
  override readonly name = "HostBusy";
  constructor(
    readonly hostName: string,
    readonly holder: LockHolder | undefined,
  ) {
    super(`another deploy is applying to this host (${describeHolder(holder)}); try again when it ends`);
  }
}

/** Plan's warning when an apply holds the host. */
export function planWarning(holder: LockHolder | undefined): string {
  return `another deploy is applying to this host (${describeHolder(holder)}): this plan may be outdated when it ends`;
}

/** Said when an apply could not lock a host and goes on without the lock. */
export function unlockedWarning(why: string): string {
  return `not locked against another deploy's apply: ${why}`;
}
