// Parsers from a fact command's output to a typed value. Pure and forgiving: a tool missing on a minimal
// host gives an empty value ("unknown", 0, []), never an exception, so one odd host does not stop a run.
import type { Facts, PendingHandler } from "./types.js";

/** `KEY=value` / `KEY="value"` lines of /etc/os-release. */
export function parseOsRelease(text: string): Facts["os"] {
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = (m[2] ?? "").trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1).replace(/\\(["$`\\])/g, "$1");
    }
    fields.set(m[1]!, value);
  }
  const id = (fields.get("ID") ?? "unknown").toLowerCase();
  const like = (fields.get("ID_LIKE") ?? "").toLowerCase().split(/\s+/).filter((s) => s !== "");
  return {
    id,
    version: fields.get("VERSION_ID") ?? "",
    codename: fields.get("VERSION_CODENAME") ?? fields.get("UBUNTU_CODENAME") ?? "",
    family: [...new Set([...like, id])],
  };
}

export function parseWord(text: string): string {
  return text.trim().split(/\s+/)[0] || "unknown";
}

/** A word that may rightly be absent (empty, not "unknown"). */
export function parseOptionalWord(text: string): string {
  return text.trim().split(/\s+/)[0] ?? "";
}

/** `/proc/1/comm`, then `systemd-running` when /run/systemd/system exists (systemd's own test). */
export function parseInit(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (lines.includes("systemd-running")) return "systemd";
  return lines[0] ?? "unknown";
}

const PACKAGE_MANAGERS: Record<string, string> = { "apt-get": "apt", dnf: "dnf", yum: "yum", apk: "apk", zypper: "zypper", pacman: "pacman" };

export function parsePackageManager(text: string): string {
  const found = text.trim().split(/\s+/)[0] ?? "";
  return PACKAGE_MANAGERS[found] ?? "unknown";
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `ip addr` output (any layout: every `inet A.B.C.D/n`), or `hostname -I` (bare addresses). */
export function parseAddresses(text: string): string[] {
  const fromIp = [...text.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
  const candidates = fromIp.length > 0 || /\binet\b/.test(text) ? fromIp : text.split(/\s+/);
  const out: string[] = [];
  for (const address of candidates) {
    const m = IPV4.exec(address);
    if (!m || m.slice(1).some((o) => Number(o) > 255)) continue;
    if (address.startsWith("127.")) continue;
    if (!out.includes(address)) out.push(address);
  }
  return out;
}

/** MemTotal of /proc/meminfo (kB) in MB. */
export function parseMemoryMb(text: string): number {
  const m = /^MemTotal:\s+(\d+)\s*kB/m.exec(text);
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

export function parseCount(text: string): number {
  const n = Number.parseInt(text.trim().split(/\s+/)[0] ?? "", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/**
 * The pending-handlers record: one JSON object per line (any handler name fits, and a line cut short by a
 * full disk spoils only itself). Lines that are not a handler's identity are skipped.
 */
export function parsePendingHandlers(text: string): PendingHandler[] | undefined {
  const found: PendingHandler[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (!value || typeof value !== "object") continue;
    const { handler, role, playbook, play } = value as Record<string, unknown>;
    if (typeof handler !== "string") continue;
    if (typeof role === "string") found.push({ handler, role });
    else if (typeof playbook === "string" && typeof play === "string") found.push({ handler, playbook, play });
  }
  return found.length > 0 ? found : undefined;
}
