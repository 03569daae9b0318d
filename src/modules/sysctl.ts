// `sysctl`: a kernel parameter, persisted as one `name = value` line in a sysctl.d file (systemd-sysctl
// applies it at boot) and set live through /proc/sys. /proc/sys rather than the `sysctl` tool because
// minimal Debian hosts have no procps. The probe reads the live value and the file in one go; the file
// change is shown as a diff. The live value is set first: when the kernel refuses it, nothing is written,
// so a task that cannot succeed never leaves the file saying something the host does not do.
// A sysctl_file that is a symbolic link (Debian's /etc/sysctl.d/99-sysctl.conf -> ../sysctl.conf) is
// written through: replacing the link with a file would silently stop /etc/sysctl.conf from being read.
import { z } from "zod";
import { atomicWriteScript } from "../connection/atomic-write.js";
import { raw, sh, type Script } from "../util/shell.js";
import type { Module, Plan } from "./types.js";
import { asText } from "./lib/content.js";
import { crOf, lineBody } from "./lib/lines.js";
import { scriptProbe } from "./lib/lookup.js";
import { fact, hasFact, noiseText, parseProbe } from "./lib/probe.js";
import { tail } from "./lib/tail.js";

export const SYSCTL_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/;

export const PROC_SYS = "/proc/sys";

/** `net.ipv4.ip_forward` -> net/ipv4/ip_forward; a name written with `/` keeps its dots (`conf/eth0.1/...`). */
export function procPath(name: string, procRoot = PROC_SYS): string {
  return `${procRoot}/${name.includes("/") ? name : name.replace(/\./g, "/")}`;
}

export const sysctlSchema = z
  .strictObject({
    name: z
      .string()
      .regex(SYSCTL_NAME, "not a sysctl name (e.g. net.ipv4.ip_forward)")
      .refine((n) => !n.split("/").includes(".."), "must stay below /proc/sys")
      .describe("Kernel parameter, e.g. net.ipv4.ip_forward."),
    value: z
      .union([z.string().regex(/^[^\n]*$/, "must be one line"), z.number(), z.boolean()])
      .optional()
      .describe("Wanted value (booleans become 1/0). Required with state present."),
    state: z.enum(["present", "absent"]).default("present").describe("present: the line is in the file; absent: no line for it."),
    sysctl_file: z
      .string()
      .regex(/^\/[^\n]*$/, "must be an absolute path")
      .default("/etc/sysctl.d/99-deploy.conf")
      .describe("File that persists the value across reboots."),
    reload: z.boolean().default(true).describe("Also set the live value now (state present), not only at the next boot."),
  })
  .refine((p) => p.state === "absent" || p.value !== undefined, { message: "is required with state present", path: ["value"] })
  .describe("Set a kernel parameter now and at boot.");

export type SysctlParams = z.infer<typeof sysctlSchema>;

/** Values as the kernel prints them: booleans as 1/0, runs of whitespace (tabs in multi-value keys) as one space. */
export function normalizeValue(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value).trim().split(/\s+/).join(" ");
}

/** `net/ipv4/ip_forward` and `net.ipv4.ip_forward` are the same key. */
function sameKey(a: string, b: string): boolean {
  return a.replace(/\//g, ".") === b.replace(/\//g, ".");
}

export function sysctlProbe(params: SysctlParams, procRoot = PROC_SYS): Script {
  return raw(
    [
      sh`p=${procPath(params.name, procRoot)}`,
      `if [ -f "$p" ] && [ -r "$p" ]; then printf '#deploy:live %s\\n' "$(tr '\\t\\n' '  ' < "$p")"; else echo '#deploy:no-key'; fi`,
      // Root on a read-only /proc/sys (a container) cannot set it either; access(2) says so without writing.
      `if [ -f "$p" ] && [ ! -w "$p" ]; then if [ "$(id -u)" = 0 ]; then echo '#deploy:live-readonly'; else echo '#deploy:live-needs-root'; fi; fi`,
      sh`f=${params.sysctl_file}`,
      // A link is followed to the file it names (readlink -f fails when a directory on the way is missing).
      `if [ -L "$f" ]; then if t=$(readlink -f -- "$f") && [ -n "$t" ]; then printf '#deploy:link %s\\n' "$t"; f=$t; else echo '#deploy:link-broken'; exit 0; fi; fi`,
      `if [ ! -e "$f" ]; then echo '#deploy:no-file'; elif [ ! -r "$f" ]; then echo '#deploy:file-unreadable'; else echo '#deploy:b64 file'; base64 < "$f"; echo '#deploy:end'; fi`,
    ]
      .map(String)
      .join("\n"),
  );
}

export interface SysctlObservation {
  /** undefined when the kernel has no such key. */
  live?: string;
  /** undefined when the file does not exist. */
  file?: string;
  /** Why the file could not be read, when it could not (never taken for a missing file). */
  unreadable?: string;
  /** The file holds bytes that are not UTF-8 text (or NULs): editing it as text would corrupt them. */
  notText?: boolean;
  /** Why the live value cannot be set: /proc/sys is read-only, or the probe was not root. */
  liveUnwritable?: "read-only" | "needs-root";
  /** The file the sysctl_file link leads to, when it is a link. */
  linkTarget?: string;
  /** sysctl_file is a link that leads nowhere readlink can resolve. */
  brokenLink?: boolean;
}

export function parseSysctlProbe(output: string): SysctlObservation {
  const report = parseProbe(output);
  const live = fact(report, "live");
  const bytes = report.blobs.get("file");
  const text = bytes === undefined ? undefined : asText(bytes);
  const seen: SysctlObservation = {
    live: live === undefined ? undefined : normalizeValue(live),
    file: text,
  };
  if (bytes !== undefined && text === undefined) seen.notText = true;
  if (hasFact(report, "live-readonly")) seen.liveUnwritable = "read-only";
  else if (hasFact(report, "live-needs-root")) seen.liveUnwritable = "needs-root";
  const link = fact(report, "link");
  if (link !== undefined) seen.linkTarget = link;
  if (hasFact(report, "link-broken")) {
    seen.brokenLink = true;
    return seen;
  }
  if (hasFact(report, "file-unreadable")) seen.unreadable = "permission denied (use become)";
  // No content and no word that the file is missing: something else went wrong, which the output may say.
  else if (!hasFact(report, "no-file") && !report.blobs.has("file")) seen.unreadable = noiseText(report);
  return seen;
}

/**
 * The file with exactly one line for `name` (the first one rewritten in place, repeats dropped), or none.
 * Line endings are kept: a rewritten line keeps its own, a new one takes the file's (CRLF or LF).
 */
export function editSysctlFile(before: string, name: string, value: string | undefined): string {
  const lines = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const cr = crOf(lines);
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    const m = /^\s*-?\s*([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(lineBody(line));
    if (m && sameKey(m[1]!, name)) {
      // A line that already says the same value is kept as written (spacing, `net/ipv4/...` spelling).
      const ending = line.endsWith("\r") ? "\r" : "";
      if (value !== undefined && !placed) out.push(normalizeValue(m[2]!) === value ? line : `${name} = ${value}${ending}`);
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (value !== undefined && !placed) {
    // The old last line had no newline; it gets the file's ending along with the one joined after it.
    if (!before.endsWith("\n") && out.length > 0 && !out[out.length - 1]!.endsWith("\r")) out[out.length - 1] += cr;
    out.push(`${name} = ${value}${cr}`);
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

export interface SysctlChange {
  content?: string;
  setLive: boolean;
  /** The file written: sysctl_file, or the file its link leads to. */
  path?: string;
}

export const sysctlModule: Module<SysctlParams, undefined> = {
  name: "sysctl",
  description: "Set a kernel parameter (sysctl) now and persist it in a sysctl.d file.",
  schema: sysctlSchema,

  probe(params) {
    return scriptProbe(sysctlProbe(params));
  },

  decide(params, _prepared, observed): Plan {
    const seen = parseSysctlProbe(observed?.output ?? "");
    const file = seen.linkTarget ?? params.sysctl_file;
    // How the plan names the file: the link and where it leads, so nobody wonders why another file changes.
    const shown = seen.linkTarget !== undefined ? `${params.sysctl_file} -> ${seen.linkTarget}` : file;
    if (seen.brokenLink) {
      return { kind: "fail", message: `${params.sysctl_file} is a symbolic link to a path that does not resolve; fix or remove the link` };
    }
    if (seen.unreadable !== undefined) return { kind: "fail", message: `cannot read ${shown}: ${seen.unreadable}` };
    if (seen.notText) return { kind: "fail", message: `${shown} is not a text file (not UTF-8); sysctl would rewrite its bytes` };
    const value = params.state === "present" && params.value !== undefined ? normalizeValue(params.value) : undefined;
    if (value !== undefined && seen.live === undefined) {
      return { kind: "fail", message: `the kernel has no parameter ${params.name}` };
    }
    const before = seen.file ?? "";
    const after = editSysctlFile(before, params.name, value);
    const fileChanges = after !== before && !(seen.file === undefined && value === undefined);
    const setLive = value !== undefined && params.reload && seen.live !== value;
    if (!fileChanges && !setLive) return { kind: "ok" };
    if (setLive && seen.liveUnwritable !== undefined) {
      const why = seen.liveUnwritable === "read-only" ? "/proc/sys is read-only on this host (a container?)" : "writing /proc/sys needs root (use become)";
      return {
        kind: "fail",
        message: `cannot set ${params.name} ${seen.live ?? "?"} -> ${value}: ${why}; reload: false only persists it for the next boot`,
      };
    }
    const parts: string[] = [];
    if (setLive) parts.push(`${params.name} ${seen.live ?? "?"} -> ${value}`);
    if (fileChanges) parts.push(value === undefined ? `remove ${params.name} from ${shown}` : `persist in ${shown}`);
    const detail: SysctlChange = { content: fileChanges ? after : undefined, setLive, ...(seen.linkTarget !== undefined ? { path: file } : {}) };
    return {
      kind: "change",
      summary: parts.join(", "),
      diffs: fileChanges ? [{ path: file, before, after }] : undefined,
      detail,
    };
  },

  async apply(params, _prepared, change, ctx) {
    const detail = change.detail as SysctlChange;
    const result = await ctx.run(sysctlApplyScript(params, detail), detail.content !== undefined ? { stdin: detail.content } : {});
    if (result.exitCode !== 0) return { changed: false, failed: `sysctl ${params.name}: ${tail(result.stderr || result.stdout)}` };
    return { changed: true };
  },
};

/**
 * Set the live value, then write the file (content on stdin), in one script: the kernel refusing the value
 * (read-only /proc/sys, a value out of range) stops it before the file changes.
 */
export function sysctlApplyScript(params: SysctlParams, detail: SysctlChange, procRoot = PROC_SYS): Script {
  const steps: Script[] = [];
  if (detail.setLive && params.value !== undefined) {
    steps.push(sh`printf '%s\\n' ${normalizeValue(params.value)} > ${procPath(params.name, procRoot)}`);
  }
  if (detail.content !== undefined) {
    const file = detail.path ?? params.sysctl_file;
    steps.push(sh`mkdir -p -- "$(dirname -- ${file})"`);
    steps.push(raw(`(\n${atomicWriteScript(file, Buffer.byteLength(detail.content), { mode: "0644" }).text}\n)`));
  }
  return raw(steps.map(String).join(" &&\n"));
}
