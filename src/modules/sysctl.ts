// `sysctl`: a kernel parameter, persisted as one `name = value` line in a sysctl.d file (systemd-sysctl
// applies it at boot) and set live through /proc/sys. /proc/sys rather than the `sysctl` tool because
// minimal Debian hosts have no procps. The probe reads the live value and the file in one go; the file
// change is shown as a diff.
import { z } from "zod";
import { atomicWriteScript } from "../connection/atomic-write.js";
import { raw, sh, type Script } from "../util/shell.js";
import type { Module, Plan } from "./types.js";
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
      sh`f=${params.sysctl_file}`,
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
}

export function parseSysctlProbe(output: string): SysctlObservation {
  const report = parseProbe(output);
  const live = fact(report, "live");
  const seen: SysctlObservation = {
    live: live === undefined ? undefined : normalizeValue(live),
    file: report.blobs.get("file")?.toString("utf8"),
  };
  if (hasFact(report, "file-unreadable")) seen.unreadable = "permission denied (use become)";
  // No content and no word that the file is missing: something else went wrong, which the output may say.
  else if (!hasFact(report, "no-file") && !report.blobs.has("file")) seen.unreadable = noiseText(report);
  return seen;
}

/** The file with exactly one line for `name` (the first one rewritten in place, repeats dropped), or none. */
export function editSysctlFile(before: string, name: string, value: string | undefined): string {
  const lines = before === "" ? [] : before.replace(/\n$/, "").split("\n");
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    const m = /^\s*-?\s*([^=#;\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && sameKey(m[1]!, name)) {
      // A line that already says the same value is kept as written (spacing, `net/ipv4/...` spelling).
      if (value !== undefined && !placed) out.push(normalizeValue(m[2]!) === value ? line : `${name} = ${value}`);
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (value !== undefined && !placed) out.push(`${name} = ${value}`);
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

export interface SysctlChange {
  content?: string;
  setLive: boolean;
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
    const file = params.sysctl_file;
    if (seen.unreadable !== undefined) return { kind: "fail", message: `cannot read ${file}: ${seen.unreadable}` };
    const value = params.state === "present" && params.value !== undefined ? normalizeValue(params.value) : undefined;
    if (value !== undefined && seen.live === undefined) {
      return { kind: "fail", message: `the kernel has no parameter ${params.name}` };
    }
    const before = seen.file ?? "";
    const after = editSysctlFile(before, params.name, value);
    const fileChanges = after !== before && !(seen.file === undefined && value === undefined);
    const setLive = value !== undefined && params.reload && seen.live !== value;
    if (!fileChanges && !setLive) return { kind: "ok" };
    const parts: string[] = [];
    if (setLive) parts.push(`${params.name} ${seen.live ?? "?"} -> ${value}`);
    if (fileChanges) parts.push(value === undefined ? `remove ${params.name} from ${file}` : `persist in ${file}`);
    const detail: SysctlChange = { content: fileChanges ? after : undefined, setLive };
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

/** Write the file (content on stdin) and/or set the live value, in one script. */
export function sysctlApplyScript(params: SysctlParams, detail: SysctlChange, procRoot = PROC_SYS): Script {
  const steps: Script[] = [];
  if (detail.content !== undefined) {
    steps.push(sh`mkdir -p -- "$(dirname -- ${params.sysctl_file})"`);
    steps.push(raw(`(\n${atomicWriteScript(params.sysctl_file, Buffer.byteLength(detail.content), { mode: "0644" }).text}\n)`));
  }
  if (detail.setLive && params.value !== undefined) {
    steps.push(sh`printf '%s\\n' ${normalizeValue(params.value)} > ${procPath(params.name, procRoot)}`);
  }
  return raw(steps.map(String).join(" &&\n"));
}
