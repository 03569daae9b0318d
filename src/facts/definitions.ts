// Every fact: the shell command that reads it and the parser that types it. One entry per field of
// Facts (the mapped type makes a missing or extra fact a compile error). Commands use only POSIX sh and
// tools a minimal host has, with fallbacks, and print nothing but the value. They run on every host at
// every connection, so a small file is read with the shell's `read` rather than a `cat` process.
import {
  parseAddresses,
  parseCount,
  parseInit,
  parseMemoryMb,
  parseOptionalWord,
  parseOsRelease,
  parsePackageManager,
  parsePendingHandlers,
  parseWord,
} from "./parsers.js";
import type { Facts } from "./types.js";

export interface FactDefinition<T> {
  /** Trusted script text (ours), run with stderr discarded. */
  command: string;
  parse(output: string): T;
}

/** Where an apply that did not finish records the handlers it owes the host (engine/handler-record.ts). */
export const PENDING_HANDLERS_FILE = "/var/lib/deploy/pending-handlers";

// Required<>: an optional fact (undefined when the host has none) still has its command and parser.
export type FactTable = { [K in keyof Required<Facts>]: FactDefinition<Facts[K]> };

export const FACTS: FactTable = {
  os: {
    command: `f=/etc/os-release; [ -r "$f" ] || f=/usr/lib/os-release; while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$f"`,
    parse: parseOsRelease,
  },
  arch: { command: "uname -m", parse: parseWord },
  init: {
    command: "read -r c < /proc/1/comm && echo \"$c\"; if [ -d /run/systemd/system ]; then echo systemd-running; fi",
    parse: parseInit,
  },
  packageManager: {
    command: "for p in apt-get dnf yum apk zypper pacman; do if command -v \"$p\" >/dev/null 2>&1; then echo \"$p\"; break; fi; done",
    parse: parsePackageManager,
  },
  hostname: { command: "read -r h < /proc/sys/kernel/hostname && echo \"$h\" || uname -n", parse: parseWord },
  addresses: {
    command: "ip -o -4 addr show 2>/dev/null || ip addr 2>/dev/null || hostname -I",
    parse: parseAddresses,
  },
  // MemTotal is the first line; reading stops there.
  memoryMb: { command: `while read -r k v u; do if [ "$k" = MemTotal: ]; then echo "$k $v $u"; break; fi; done < /proc/meminfo`, parse: parseMemoryMb },
  cpus: {
    command: "nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo",
    parse: parseCount,
  },
  // Facts run as the login user: sudo would drop SSH_CONNECTION.
  sshClient: { command: 'c=${SSH_CONNECTION:-}; echo "${c%% *}"', parse: parseOptionalWord },
  // Read here, as the login user (the file is 0644: handler names are not secret), so that knowing there is
  // nothing pending costs no round trip of its own.
  pendingHandlers: {
    command: `f=${PENDING_HANDLERS_FILE}; if [ -r "$f" ]; then while IFS= read -r l || [ -n "$l" ]; do printf '%s\\n' "$l"; done < "$f"; fi`,
    parse: parsePendingHandlers,
  },
};
