// `copy` of a directory tree: every file of the source compared by sha256 in ONE probe (one sha256sum
// over a checksum list), only differing files rewritten, extra files removed when asked.
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { raw, sh, type Script } from "../../util/shell.js";
import type { ApplyContext, ApplyResult, Change, FileDiff, Plan, ProbeOutput } from "../types.js";
import { attrChanges, attrScript, describeAttrChanges, type AttrChange, type Attrs } from "./attrs.js";
import { compareContent, sha256 } from "./content.js";
import { accountLookups, type Lookup, type Probe } from "./lookup.js";
import {
  CONTENT_CAP,
  fact,
  hasFact,
  joinScript,
  LIST_FORMAT,
  missingAccounts,
  missingParent,
  noiseText,
  parseListRecord,
  parseProbe,
  parseStat,
  TAG,
  type StatInfo,
} from "./probe.js";
import { tarArchive } from "./tar.js";

export interface TreeFile {
  /** Path relative to the tree's root, `/`-separated. */
  rel: string;
  content: Buffer;
  sha256: string;
  /** Mode the file gets when the task sets none: the source's executable bit decides. */
  sourceMode: string;
}

export interface SourceTree {
  /** Directories relative to the root, parents before children. */
  dirs: string[];
  files: TreeFile[];
}

/** Mode of directories a copy creates. */
const DIR_MODE = "0755";

/**
 * Read a directory of the control machine. Symbolic links are followed to their content; names with a
 * newline, tab or backslash are refused because the checksum list and the manifest cannot carry them.
 */
export async function readSourceTree(root: string): Promise<SourceTree> {
  const tree: SourceTree = { dirs: [], files: [] };
  // Directories being walked, by real path: a symlink back up the tree would otherwise recurse forever.
  const open = new Set<string>();
  async function walk(dir: string, relDir: string): Promise<void> {
    const real = await realpath(dir);
    if (open.has(real)) throw new Error(`${dir}: symbolic link loop`);
    open.add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (/[\n\t\\]/.test(entry.name)) throw new Error(`${path.join(dir, entry.name)}: file names with a newline, tab or backslash are not supported`);
    }
    // A directory's entries are read all at once (a node_modules has hundreds of small files), then
    // recorded in name order so the tree is the same from run to run.
    const read = await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(dir, entry.name);
        const info = await stat(full);
        return { entry, full, info, content: info.isFile() ? await readFile(full) : undefined };
      }),
    );
    for (const { entry, full, info, content } of read) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (info.isDirectory()) {
        tree.dirs.push(rel);
        await walk(full, rel);
      } else if (content) {
        tree.files.push({ rel, content, sha256: sha256(content), sourceMode: info.mode & 0o111 ? "0755" : "0644" });
      }
    }
    open.delete(real);
  }
  await walk(root, "");
  return tree;
}

export interface TreeParams extends Attrs {
  dest: string;
  delete: boolean;
}

// A checksum list line cannot contain this delimiter line, since names with newlines are refused.
const SUMS_EOF = "DEPLOY_SUMS_EOF";
/** Largest checksum list embedded in the probe (about 700 files); beyond it the host hashes everything. */
export const INLINE_SUMS_MAX = 64 * 1024;

/**
 * A tree creating more files than this shows no diffs for them: a new file's diff is its whole content, and
 * shipping e.g. node_modules would print hundreds of thousands of lines. The summary still names them, and
 * changed files keep their diffs.
 */
export const NEW_FILE_DIFFS_MAX = 10;

/** New files named one per line when they get no diff; the summary counts the rest (a node_modules again). */
export const NEW_FILES_LISTED_MAX = 20;

export function treeProbe(params: TreeParams, tree: SourceTree): Probe {
  const lookups: Lookup[] = [{ kind: "entry", path: params.dest }, ...accountLookups(params.owner, params.group)];
  const lines: Script[] = [sh`p=${params.dest}`];
  lines.push(raw(`if [ -d "$p" ] && [ ! -L "$p" ]; then`), raw(`cd -- "$p" || exit 1`));
  lines.push(raw(`printf '${TAG}list\\n'; find . -mindepth 1 -printf '${LIST_FORMAT}'; printf '${TAG}end\\n'`));
  const sums = tree.files.map((f) => `${f.sha256}  ./${f.rel}`);
  if (sums.join("\n").length > INLINE_SUMS_MAX) {
    // Too many files to embed their checksums (a command must stay well under the 128 KiB a single
    // argument may have under sudo): hash every file under dest and compare here; updates get no diff.
    lines.push(raw(`printf '${TAG}hashes\\n${TAG}list\\n'; find . -type f -exec sha256sum -z -- {} +; printf '${TAG}end\\n'`));
  } else if (sums.length > 0) {
    // sha256sum -c --quiet prints only the files that differ or are missing: a converged tree prints nothing.
    lines.push(
      raw(
        [
          `show() {`,
          `  printf '${TAG}differs %s\\n' "$1"`,
          `  if [ -f "$1" ] && [ ! -L "$1" ] && [ "$(stat -c %s -- "$1")" -le ${CONTENT_CAP} ]; then`,
          `    printf '${TAG}b64 %s\\n' "$1"; base64 < "$1"; printf '${TAG}end\\n'`,
          `  fi`,
          `}`,
          `sha256sum --quiet -c - 2>/dev/null <<'${SUMS_EOF}' | while IFS= read -r l; do show "\${l%: FAILED*}"; done`,
          ...sums,
          SUMS_EOF,
        ].join("\n"),
      ),
    );
  }
  lines.push(raw("fi"));
  return { lookups, script: joinScript(lines) };
}

export interface TreeDetail {
  mkdirs: string[];
  removes: string[];
  writes: { rel: string; mode: string; keep?: { uid: number; gid: number } }[];
  attrFixes: { rel: string; changes: AttrChange[] }[];
}

function join(root: string, rel: string): string {
  return rel === "" ? root : `${root.replace(/\/+$/, "")}/${rel}`;
}

function names(list: string[]): string {
  return list.length <= 5 ? list.join(", ") : `${list.slice(0, 5).join(", ")} and ${list.length - 5} more`;
}

export function decideTree(params: TreeParams, tree: SourceTree, observed: ProbeOutput | undefined, secrets: ReadonlySet<string>): Plan {
  if (!observed) return { kind: "fail", message: "the directory was not checked" };
  const report = parseProbe(observed.output);
  const statText = fact(report, "stat");
  const noParent = missingParent(report);
  if (statText === undefined && noParent !== undefined) return { kind: "blocked", reason: noParent };
  const accounts = missingAccounts(report);
  if (accounts) return { kind: "blocked", reason: accounts };
  if (statText === undefined && !hasFact(report, "absent")) return { kind: "fail", message: `probe failed: ${noiseText(report)}` };
  const rootStat = statText !== undefined ? parseStat(statText) : undefined;
  if (rootStat && rootStat.type !== "directory") return { kind: "fail", message: `${params.dest} exists and is not a directory` };

  const existing = new Map<string, StatInfo>();
  for (const record of report.lists[0] ?? []) {
    const entry = parseListRecord(record);
    if (entry) existing.set(entry.path, entry.stat);
  }
  const differs = new Set((report.facts.get("differs") ?? []).map((f) => f.replace(/^\.\//, "")));
  const hashed = hasFact(report, "hashes");
  if (hashed) {
    // `hash  ./path` records of every file under dest: the ones differing from the source are updates.
    const onHost = new Map<string, string>();
    for (const record of report.lists[1] ?? []) onHost.set(record.slice(68), record.slice(0, 64));
    for (const file of tree.files) if (onHost.get(file.rel) !== file.sha256) differs.add(file.rel);
  }
  // Owner and group apply to the directories too; modes only to files (directories are created 0755).
  const dirAttrs: Attrs = {
    ...(params.owner !== undefined ? { owner: params.owner } : {}),
    ...(params.group !== undefined ? { group: params.group } : {}),
  };
  const detail: TreeDetail = { mkdirs: [], removes: [], writes: [], attrFixes: [] };
  const diffs: FileDiff[] = [];
  const created: string[] = [];
  const updated: string[] = [];
  const conflicts: string[] = [];
  // One line per file whose change no diff shows (binary, too large, removed, mode or owner only), under
  // the summary: the plan names every file it touches, as a diff names a text file.
  const listing: string[] = [];
  let newUnlisted = 0;

  if (!rootStat) detail.mkdirs.push("");
  else {
    const changes = attrChanges(dirAttrs, rootStat);
    if (changes.length) detail.attrFixes.push({ rel: "", changes });
  }
  for (const dir of tree.dirs) {
    const stat = existing.get(dir);
    if (!stat) detail.mkdirs.push(dir);
    else if (stat.type !== "directory") {
      if (params.delete) {
        detail.removes.push(dir);
        detail.mkdirs.push(dir);
      } else conflicts.push(`${dir} is not a directory`);
    } else {
      const changes = attrChanges(dirAttrs, stat);
      if (changes.length) detail.attrFixes.push({ rel: dir, changes });
    }
  }
  for (const fix of detail.attrFixes) listing.push(`${join(params.dest, fix.rel)}: ${describeAttrChanges(fix.changes)}`);
  const newFiles = tree.files.filter((f) => existing.get(f.rel)?.type !== "file").length;
  for (const file of tree.files) {
    const stat = existing.get(file.rel);
    const mode = params.mode ?? file.sourceMode;
    const wanted: Attrs = { ...dirAttrs, mode };
    if (stat && stat.type !== "file") {
      if (!params.delete) {
        conflicts.push(`${file.rel} is not a regular file`);
        continue;
      }
      detail.removes.push(file.rel);
    }
    const isNew = !stat || stat.type !== "file";
    if (isNew || differs.has(file.rel)) {
      detail.writes.push({ rel: file.rel, mode, ...(stat && !isNew ? { keep: { uid: stat.uid, gid: stat.gid } } : {}) });
      (isNew ? created : updated).push(file.rel);
      const target = join(params.dest, file.rel);
      const before = isNew ? Buffer.alloc(0) : report.blobs.get(`./${file.rel}`);
      if (isNew && newFiles > NEW_FILE_DIFFS_MAX) {
        if (created.length <= NEW_FILES_LISTED_MAX) listing.push(`new file: ${target}`);
        else newUnlisted++;
      } else if (before === undefined && hashed) listing.push(`file differs: ${target}`);
      else {
        const cmp = compareContent(target, before, file.content, secrets);
        // An empty new file, or one differing only in redacted text, has a diff that prints nothing.
        if (cmp.diff && cmp.diff.before !== cmp.diff.after) diffs.push(cmp.diff);
        else listing.push(unshownChange(target, isNew, cmp.noDiffKind));
      }
      // A rewrite gives the file the task's mode (or the source's) and owner, which its diff does not show.
      const changes = isNew ? [] : attrChanges(wanted, stat!);
      if (changes.length) listing.push(`${target}: ${describeAttrChanges(changes)}`);
    } else {
      const changes = attrChanges(wanted, stat!);
      if (changes.length) {
        detail.attrFixes.push({ rel: file.rel, changes });
        listing.push(`${join(params.dest, file.rel)}: ${describeAttrChanges(changes)}`);
      }
    }
  }
  if (conflicts.length) return { kind: "fail", message: `${params.dest}: ${conflicts.join("; ")} (set delete: true to replace)` };
  if (params.delete) {
    const wanted = new Set([...tree.dirs, ...tree.files.map((f) => f.rel)]);
    const extras = [...existing.keys()].filter((rel) => !wanted.has(rel)).sort();
    // Remove only the topmost extra entry of a subtree; rm -rf takes the rest with it.
    for (const rel of extras) {
      if (!detail.removes.some((r) => rel.startsWith(`${r}/`))) detail.removes.push(rel);
    }
  }

  const removed = detail.removes.filter((r) => !detail.mkdirs.includes(r) && !detail.writes.some((w) => w.rel === r));
  // A directory goes with everything under it: its trailing slash says so.
  for (const rel of removed) listing.push(`removed: ${join(params.dest, rel)}${existing.get(rel)?.type === "directory" ? "/" : ""}`);
  if (newUnlisted) listing.push(`... and ${newUnlisted} more new ${newUnlisted === 1 ? "file" : "files"}`);
  const parts: string[] = [];
  if (!rootStat) parts.push(`create directory`);
  if (created.length) parts.push(`create ${names(created)}${created.length > NEW_FILE_DIFFS_MAX ? " (no diffs for this many new files)" : ""}`);
  if (updated.length) parts.push(`update ${names(updated)}${hashed ? " (no diffs for trees this large)" : ""}`);
  if (removed.length) parts.push(`remove ${names(removed)}`);
  if (detail.attrFixes.length) {
    // What changes, of which entries; each entry's old and new values are in the listing below.
    const what = [...new Set(detail.attrFixes.flatMap((fix) => fix.changes.map((c) => c.what)))].join(", ");
    parts.push(`change ${what} of ${names(detail.attrFixes.map((fix) => fix.rel || "."))}`);
  }
  const newDirs = detail.mkdirs.filter((d) => d !== "");
  if (newDirs.length) parts.push(`create ${newDirs.length === 1 ? "directory" : "directories"} ${names(newDirs)}`);
  if (parts.length === 0) return { kind: "ok" };
  // The summary's first line is the overview; the listing follows on lines of their own.
  const summary = [`${params.dest}: ${parts.join("; ")}`, ...listing].join("\n");
  return { kind: "change", summary, ...(diffs.length ? { diffs } : {}), detail };
}

/** The listing's line for a changed file without a diff: "binary file differs: /srv/a.png", "new file: ...". */
function unshownChange(target: string, isNew: boolean, kind: "binary" | "large" | undefined): string {
  const what = kind === "binary" ? (isNew ? "new binary file" : "binary file differs") : isNew ? "new file" : "file differs";
  return kind === "large" ? `${what} (larger than ${CONTENT_CAP / 1024} KiB, no diff): ${target}` : `${what}: ${target}`;
}

/** Removals, directories and attribute fixes: the first part of the apply script. */
function treeSetupLines(params: TreeParams, detail: TreeDetail): Script[] {
  const lines: Script[] = [];
  for (const rel of detail.removes) lines.push(sh`rm -rf -- ${join(params.dest, rel)}`);
  for (const rel of detail.mkdirs) {
    const dir = join(params.dest, rel);
    lines.push(sh`mkdir -m ${DIR_MODE} -- ${dir}`);
    if (params.owner !== undefined || params.group !== undefined) {
      lines.push(sh`chown -- ${ownerSpec(params)} ${dir}`);
    }
  }
  for (const fix of detail.attrFixes) lines.push(...attrScript(join(params.dest, fix.rel), fix.changes));
  return lines;
}

function ownerSpec(params: Attrs): string {
  return `${params.owner ?? ""}${params.group !== undefined ? `:${params.group}` : ""}`;
}

/** Name of the list inside the archive: `index TAB keep TAB path` per file (index = the member's name). */
const MANIFEST = "manifest";

/**
 * The whole apply in ONE exec: setup, then the files to write arrive as a tar archive on stdin, unpack into
 * a staging directory inside dest, get their owner, are fsynced, and are renamed over their targets one by
 * one (each rename atomic, as for a single file). An updated file keeps its owner unless the task sets one.
 */
export function treeApplyScript(params: TreeParams, detail: TreeDetail): Script {
  const lines: Script[] = [raw("set -e"), ...treeSetupLines(params, detail)];
  if (detail.writes.length > 0) {
    lines.push(
      sh`dest=${params.dest.replace(/\/+$/, "") || "/"}`,
      raw(`s=$(mktemp -d "$dest/.deploy-tree.XXXXXXXX")`),
      raw(`trap 'rm -rf -- "$s"' EXIT`),
      // -p: the modes in the archive exactly, whatever the umask; ownership is set below, not by tar.
      raw(`tar -x -p --no-same-owner -f - -C "$s"`),
      raw(`t=$(printf '\t')`),
    );
    if (detail.writes.some((w) => w.keep)) {
      lines.push(raw(`while IFS="$t" read -r i keep rel; do [ "$keep" = 0 ] || chown --reference="$dest/$rel" -- "$s/$i"; done < "$s/${MANIFEST}"`));
    }
    if (params.owner !== undefined || params.group !== undefined) lines.push(sh`chown -R -- ${ownerSpec(params)} "$s"`);
    // Without the fsync a crash right after the rename could leave empty files (as in atomic-write).
    lines.push(
      raw(`find "$s" -type f ! -name ${MANIFEST} -exec sync -- {} +`),
      raw(`while IFS="$t" read -r i keep rel; do mv -f -- "$s/$i" "$dest/$rel"; done < "$s/${MANIFEST}"`),
    );
  }
  return joinScript(lines);
}

/** The archive treeApplyScript reads: the files to write, named by index, and the manifest. */
export function treeArchive(tree: SourceTree, detail: TreeDetail): Buffer {
  const byRel = new Map(tree.files.map((f) => [f.rel, f]));
  const manifest = detail.writes.map((w, i) => `${i}\t${w.keep ? 1 : 0}\t${w.rel}\n`).join("");
  return tarArchive([
    ...detail.writes.map((w, i) => ({ name: String(i), content: byRel.get(w.rel)!.content, mode: parseInt(w.mode, 8) })),
    { name: MANIFEST, content: Buffer.from(manifest, "utf8"), mode: 0o600 },
  ]);
}

export async function applyTree(params: TreeParams, tree: SourceTree, change: Change, ctx: ApplyContext): Promise<ApplyResult> {
  const detail = change.detail as TreeDetail;
  const stdin = detail.writes.length > 0 ? treeArchive(tree, detail) : undefined;
  const result = await ctx.run(treeApplyScript(params, detail), stdin ? { stdin } : {});
  if (result.exitCode !== 0) return { changed: true, failed: `${params.dest}: ${(result.stderr || result.stdout).trim() || `exit ${String(result.exitCode)}`}` };
  return { changed: true };
}
