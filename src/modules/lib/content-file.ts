// One file whose whole content the task knows (copy of content or a role file, template, lineinfile's
// result): probe, decide, apply. The probe compares a sha256 computed on the host with the expected hash,
// so a converged file costs one hash and prints nothing; only a differing file's bytes come back, for the diff.
import { atomicWriteScript, VALIDATE_FAILED_EXIT } from "../../connection/atomic-write.js";
import { raw, sh, type Script } from "../../util/shell.js";
import type { ApplyContext, ApplyResult, Change, Plan, ProbeOutput } from "../types.js";
import { attrChanges, attrScript, describeAttrChanges, type AttrChange, type Attrs } from "./attrs.js";
import { compareContent, sha256, size } from "./content.js";
import { formatMode, modeBits } from "./params.js";
import { accountLookups, type Probe } from "./lookup.js";
import { fact, hasFact, joinScript, missingAccounts, missingParent, noiseText, parseProbe, parseStat, type ProbeReport, type StatInfo } from "./probe.js";

export interface DesiredFile extends Attrs {
  path: string;
  content: Buffer;
  backup?: boolean;
  validate?: string;
}

/** What a task's params may say about the file it writes. */
export interface FileParams {
  owner?: string | undefined;
  group?: string | undefined;
  mode?: string | undefined;
  backup?: boolean | undefined;
  validate?: string | undefined;
}

/** The file a task wants: its path and content, with the attributes and options its params set. */
export function desiredFile(path: string, content: Buffer, params: FileParams): DesiredFile {
  return {
    path,
    content,
    ...(params.owner !== undefined ? { owner: params.owner } : {}),
    ...(params.group !== undefined ? { group: params.group } : {}),
    ...(params.mode !== undefined ? { mode: params.mode } : {}),
    ...(params.backup ? { backup: true } : {}),
    ...(params.validate !== undefined ? { validate: params.validate } : {}),
  };
}

/** What apply needs from decide; lives in Change.detail. */
export interface ContentFileDetail {
  write: boolean;
  attrs: AttrChange[];
  /** The existing file's mode and ids, kept when the task does not set them (a rewrite must not reset them). */
  keep?: { mode: string; uid: number; gid: number };
  /** sha256 the file had when probed; apply refuses to overwrite a file edited since (lineinfile). */
  guardSha256?: string;
}

/** Exit status of the guard when the file changed between probe and apply. */
const CHANGED_SINCE_EXIT = 66;

/**
 * Probe for `path`. With `expectedSha256` the content is printed only when it differs (the no-op case
 * prints a hash and a stat line); without it (lineinfile, which computes the new content from the old)
 * the content is always printed, up to CONTENT_CAP.
 */
export function contentFileProbe(path: string, expectedSha256: string | undefined, attrs: Attrs): Probe {
  return {
    lookups: [
      { kind: "entry", path },
      { kind: "content", path, ...(expectedSha256 !== undefined ? { expectedSha256 } : {}) },
      ...accountLookups(attrs.owner, attrs.group),
    ],
  };
}

/** The current state of the file as the probe reported it. */
export type ObservedFile =
  /** `noParent`: why the file cannot be created (its directory is missing, or not a directory). */
  | { state: "absent"; noParent?: string; report: ProbeReport }
  | { state: "present"; stat: StatInfo; sha256?: string; content?: Buffer; report: ProbeReport }
  | { state: "unknown"; message: string };

export function observeFile(observed: ProbeOutput | undefined): ObservedFile {
  if (!observed) return { state: "unknown", message: "the file was not checked" };
  const report = parseProbe(observed.output);
  const statText = fact(report, "stat");
  if (statText !== undefined) {
    const stat = parseStat(statText);
    if (!stat) return { state: "unknown", message: `unreadable stat output: ${statText}` };
    return { state: "present", stat, sha256: fact(report, "sha256"), content: report.blobs.get("current"), report };
  }
  if (hasFact(report, "absent")) return { state: "absent", noParent: missingParent(report), report };
  return { state: "unknown", message: `probe failed: ${noiseText(report)}` };
}

/**
 * Decide for a file that must have exactly `desired.content`. `observedFile` comes from observeFile.
 * Summaries name the path; diffs are redacted.
 */
export function decideContentFile(
  desired: DesiredFile,
  file: ObservedFile,
  secrets: ReadonlySet<string>,
  /** What an update does, in the module's words (lineinfile: "replace line 3"); default "update PATH". */
  updateWords?: string,
): Plan {
  if (file.state === "unknown") return { kind: "fail", message: file.message };
  if (file.state === "absent" && file.noParent !== undefined) {
    return { kind: "blocked", reason: file.noParent };
  }
  const accounts = missingAccounts(file.report);
  if (accounts) return { kind: "blocked", reason: accounts };
  const wantedSha = sha256(desired.content);

  if (file.state === "absent") {
    const cmp = compareContent(desired.path, Buffer.alloc(0), desired.content, secrets);
    const attrs = [
      desired.mode !== undefined ? `mode ${formatMode(modeBits(desired.mode))}` : undefined,
      desired.owner !== undefined ? `owner ${desired.owner}` : undefined,
      desired.group !== undefined ? `group ${desired.group}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    const detail: ContentFileDetail = { write: true, attrs: [] };
    return {
      kind: "change",
      summary: `create ${desired.path} (${size(desired.content.length)}${attrs ? `, ${attrs}` : ""}${cmp.noDiff ? `; ${cmp.noDiff}` : ""})`,
      ...(cmp.diff ? { diffs: [cmp.diff] } : {}),
      detail,
    };
  }

  const { stat } = file;
  if (stat.type === "directory") return { kind: "fail", message: `${desired.path} is a directory` };
  if (stat.type === "other") return { kind: "fail", message: `${desired.path} exists and is not a regular file` };
  if (stat.type === "link") {
    const detail: ContentFileDetail = { write: true, attrs: [] };
    return { kind: "change", summary: `replace symbolic link ${desired.path} with a file (${size(desired.content.length)})`, detail };
  }
  if (file.sha256 === undefined) {
    // The hash is read with errors silenced: with nothing else said, a file others may not read is the
    // usual cause (a task on /etc/shadow without become).
    const unreadable = file.report.noise.length === 0 && (stat.mode & 0o004) === 0;
    const why = unreadable ? `permission denied? (owner ${stat.user}, mode ${formatMode(stat.mode)}: use become)` : noiseText(file.report);
    return { kind: "fail", message: `cannot read ${desired.path}: ${why}` };
  }
  const attrs = attrChanges(desired, stat);
  const keep = { mode: formatMode(stat.mode), uid: stat.uid, gid: stat.gid };
  if (file.sha256 === wantedSha) {
    if (attrs.length === 0) return { kind: "ok" };
    const detail: ContentFileDetail = { write: false, attrs, keep };
    return { kind: "change", summary: `${desired.path}: ${describeAttrChanges(attrs)}`, detail };
  }
  const cmp = compareContent(desired.path, file.content, desired.content, secrets);
  const detail: ContentFileDetail = { write: true, attrs, keep, guardSha256: file.sha256 };
  const extra = [cmp.noDiff, attrs.length ? describeAttrChanges(attrs) : undefined].filter(Boolean).join("; ");
  return {
    kind: "change",
    summary: `${updateWords ?? `update ${desired.path}`}${extra ? ` (${extra})` : ""}`,
    ...(cmp.diff ? { diffs: [cmp.diff] } : {}),
    detail,
  };
}

/** The script that carries a content-file change out (ONE exec; content on stdin when written). */
export function contentFileApplyScript(desired: DesiredFile, detail: ContentFileDetail, guard: boolean): Script {
  if (!detail.write) return joinScript([raw("set -e"), ...attrScript(desired.path, detail.attrs)]);
  // New content is a new file: file capabilities (setcap) the old one had are not carried over, as
  // rewriting a binary drops them on every system; they belonged to the old content.
  const write = atomicWriteScript(desired.path, desired.content.length, {
    mode: desired.mode ?? detail.keep?.mode ?? "0644",
    // A rewrite keeps the existing owner and group unless the task sets them (numeric: the ids stat saw).
    owner: desired.owner ?? (detail.keep ? String(detail.keep.uid) : undefined),
    group: desired.group ?? (detail.keep ? String(detail.keep.gid) : undefined),
    ...(desired.validate !== undefined ? { validate: desired.validate } : {}),
    ...(desired.backup ? { backup: true } : {}),
  });
  if (!guard || detail.guardSha256 === undefined) return write;
  return joinScript([
    sh`h=$(sha256sum < ${desired.path}) || exit ${CHANGED_SINCE_EXIT}`,
    sh`[ "\${h%% *}" = ${detail.guardSha256} ] || { echo ${`${desired.path} changed since it was checked; run again`} >&2; exit ${CHANGED_SINCE_EXIT}; }`,
    write,
  ]);
}

/** Apply a change decided by decideContentFile. */
export async function applyContentFile(
  desired: DesiredFile,
  change: Change,
  ctx: ApplyContext,
  options: { guard?: boolean } = {},
): Promise<ApplyResult> {
  const detail = change.detail as ContentFileDetail;
  const script = contentFileApplyScript(desired, detail, options.guard ?? false);
  const result = await ctx.run(script, detail.write ? { stdin: desired.content } : {});
  if (result.exitCode === 0) return { changed: true };
  const output = (result.stderr || result.stdout).trim();
  if (result.exitCode === VALIDATE_FAILED_EXIT) {
    return { changed: false, failed: `validation failed, ${desired.path} left unchanged: ${output || "no output"}` };
  }
  return { changed: false, failed: `writing ${desired.path} failed (exit ${String(result.exitCode)}): ${output || "no output"}` };
}
