// Every fact: the shell command that reads it and the parser that types it. One entry per field of
// Facts (the mapped type makes a missing or extra fact a compile error). Commands use only POSIX sh and
// tools a minimal host has, with fallbacks, and print nothing but the value.
import {
  parseAddresses,
  parseCount,
  parseInit,
  parseMemoryMb,
  parseOsRelease,
  parsePackageManager,
  parseWord,
} from "./parsers.js";
import type { Facts } from "./types.js";

export interface FactDefinition<T> {
  /** Trusted script text (ours), run with stderr discarded. */
  command: string;
  parse(output: string): T;
}

export type FactTable = { [K in keyof Facts]: FactDefinition<Facts[K]> };

export const FACTS: FactTable = {
  os: {
    command: "cat /etc/os-release || cat /usr/lib/os-release",
    parse: parseOsRelease,
  },
  arch: { command: "uname -m", parse: parseWord },
  init: {
    command: "cat /proc/1/comm; if [ -d /run/systemd/system ]; then echo systemd-running; fi",
    parse: parseInit,
  },
  packageManager: {
    command: "for p in apt-get dnf yum apk zypper pacman; do if command -v \"$p\" >/dev/null 2>&1; then echo \"$p\"; break; fi; done",
    parse: parsePackageManager,
  },
  hostname: { command: "uname -n", parse: parseWord },
  addresses: {
    command: "ip -o -4 addr show 2>/dev/null || ip addr 2>/dev/null || hostname -I",
    parse: parseAddresses,
  },
  memoryMb: { command: "cat /proc/meminfo", parse: parseMemoryMb },
  cpus: {
    command: "nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo",
    parse: parseCount,
  },
};
