// `copy` of a directory tree: every file of the source compared by sha256 in ONE probe (one sha256sum
// over a checksum list), only differing files rewritten, extra files removed when asked.
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { limiter } from "../../util/limit.js";
import { raw, sh, type Script } from "../../util/shell.js";
import type { FileDiff, Plan, ProbeOutput } from "../types.js";
import { attrChanges, describeAttrChanges, type AttrChange, type Attrs } from "./attrs.js";
import { compareContent, sha256 } from "./content.js";
import { accountLookups, type Lookup, type Probe } from "./lookup.js";
import { formatMode } from "./params.js";
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

export interface TreeFile {
  /** Path relative to the tree's root, `/`-separated. */
  rel: string;
  content: Buffer;
  sha256: string;
  /** An executable source file makes its copy 0755 when the task sets no mode (as a single-file copy does). */
  executable: boolean;
}

export interface SourceTree {
  /** Directories relative to the root, parents before children. */
  dirs: string[];
  files: TreeFile[];
}

/** More gains nothing (libuv reads with 4 threads) and a tree of thousands of files would exhaust descriptors. */
const FILES_READ_AT_ONCE = 32;

/**
 * Read a directory of the control machine. Symbolic links are followed to their content; names with a
 * newline, tab or backslash are refused because the checksum list and the manifest cannot carry them.
 */
export async function readSourceTree(root: string): Promise<SourceTree> {
  const reading = limiter(FILES_READ_AT_ONCE);
  // Each directory's entries are read all at once, and its subdirectories side by side (a node_modules has
  // hundreds of small files in dozens of directories), then recorded in name order so the tree is the
  // same from run to run. `above`: the real paths of the directories on the way down, for symlink loops.
  async function walk(dir: string, relDir: string, above: ReadonlySet<string>): Promise<SourceTree> {
    const real = await realpath(dir);
    if (above.has(real)) throw new Error(`${dir}: symbolic link loop`);
    const down = new Set(above).add(real);
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (/[\n\t\\]/.test(entry.name)) throw new Error(`${path.join(dir, entry.name)}: file names with a newline, tab or backslash are not supported`);
    }
    const read = await Promise.all(
      entries.map(async (entry): Promise<SourceTree> => {
        const full = path.join(dir, entry.name);
        const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
        const info = await stat(full);
        if (info.isDirectory()) {
          const sub = await walk(full, rel, down);
          return { dirs: [rel, ...sub.dirs], files: sub.files };
        }
        if (!info.isFile()) return { dirs: [], files: [] };
        const content = await reading(() => readFile(full));
        return { dirs: [], files: [{ rel, content, sha256: sha256(content), executable: (info.mode & 0o111) !== 0 }] };
      }),
    );
    return { dirs: read.flatMap((r) => r.dirs), files: read.flatMap((r) => r.files) };
  }
  return walk(root, "", new Set());
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
  // What cannot be changed at all, found before the first change so a failure leaves the tree as it was:
  // for root only an immutable entry (chattr +i) or a read-only file system is unwritable; for another
  // user a file it may not write can still be replaced, so only its directories count.
  lines.push(
    raw(
      `if [ "$(id -u)" = 0 ]; then printf '${TAG}as-root\\n'; find . ! -type l ! -writable -printf '${TAG}unwritable %P\\n'; ` +
        `else find . -type d ! -writable -printf '${TAG}unwritable %P\\n'; fi`,
    ),
  );
  // Append-only entries (chattr +a) pass -writable, even for root, yet refuse a rename over them, removal,
  // chown and chmod; a directory refuses those for its entries. lsattr says which: without it (no
  // e2fsprogs) they are found only when the change fails.
  lines.push(
    raw(
      `if command -v lsattr >/dev/null 2>&1; then find . \\( -type f -o -type d \\) -exec lsattr -d -- {} + 2>/dev/null | ` +
        `while IFS= read -r l; do f=\${l%% *}; case $f in *a*) p=\${l#* }; p=\${p#./}; [ "$p" = . ] && p=; printf '${TAG}append-only %s\\n' "$p" ;; esac; done; fi`,
    ),
  );
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
  /** Entries of the wrong kind where the source has a file or directory: removed before the writes. */
  replaces: string[];
  /** Entries the source does not have (delete: true): removed after the writes. */
  removes: string[];
  writes: TreeWrite[];
  attrFixes: { rel: string; changes: AttrChange[] }[];
}

export interface TreeWrite {
  rel: string;
  /** The mode written: the task's, an executable source's 0755, the existing file's, or 0644 for a new one. */
  mode: string;
  /** An existing file keeps its owner and group unless the task sets them. */
  keep?: { uid: number; gid: number };
}

export function join(root: string, rel: string): string {
  return rel === "" ? root : `${root.replace(/\/+$/, "")}/${rel}`;
}

export function names(list: string[]): string {
  return list.length <= 5 ? list.join(", ") : `${list.slice(0, 5).join(", ")} and ${list.length - 5} more`;
}

/** An entry of the wrong kind where the source has a file or directory, in the words the plan uses for it. */
function existingEntry(rel: string, stat: StatInfo, existing: ReadonlyMap<string, StatInfo>): { word: string; below: string } {
  if (stat.type !== "directory") return { word: { file: "file", link: "symbolic link", other: "special file" }[stat.type], below: "" };
  const count = [...existing.keys()].filter((other) => other.startsWith(`${rel}/`)).length;
  return { word: "directory", below: ` (${count} ${count === 1 ? "entry" : "entries"} below it)` };
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf("/");
  return slash < 0 ? "" : rel.slice(0, slash);
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
  const detail: TreeDetail = { mkdirs: [], replaces: [], removes: [], writes: [], attrFixes: [] };
  const diffs: FileDiff[] = [];
  const created: string[] = [];
  const updated: string[] = [];
  // "directory a.txt (3 entries below it) with a file": what delete: true removes to put the source's entry there.
  const replaced: string[] = [];
  const conflicts: string[] = [];
  // One line per file whose change no diff shows (binary, too large, removed, mode or owner only), under
  // the summary: the plan names every file it touches, as a diff names a text file.
  const listing: string[] = [];
  const replacedListing: string[] = [];
  let newListed = 0;
  let newUnlisted = 0;

  /** Note an entry of the wrong kind where the source has a `kind`; false when it blocks the task. */
  const replace = (rel: string, stat: StatInfo, kind: "file" | "directory"): boolean => {
    const { word, below } = existingEntry(rel, stat, existing);
    if (!params.delete) {
      conflicts.push(`${rel} is a ${word}${below}, not a ${kind}`);
      return false;
    }
    // Removing a directory takes everything below it: the plan says so, as file: state: absent does.
    detail.replaces.push(rel);
    replaced.push(`${word} ${rel}${below} with a ${kind}`);
    const target = join(params.dest, rel);
    replacedListing.push(`removed: ${stat.type === "directory" ? `${target}/${below}` : `${target} (a ${word})`}, replaced with a ${kind}`);
    return true;
  };

  if (!rootStat) detail.mkdirs.push("");
  else {
    const changes = attrChanges(dirAttrs, rootStat);
    if (changes.length) detail.attrFixes.push({ rel: "", changes });
  }
  for (const dir of tree.dirs) {
    const stat = existing.get(dir);
    if (!stat) detail.mkdirs.push(dir);
    else if (stat.type !== "directory") {
      if (replace(dir, stat, "directory")) detail.mkdirs.push(dir);
    } else {
      const changes = attrChanges(dirAttrs, stat);
      if (changes.length) detail.attrFixes.push({ rel: dir, changes });
    }
  }
  for (const fix of detail.attrFixes) listing.push(`${join(params.dest, fix.rel)}: ${describeAttrChanges(fix.changes)}`);
  const newFiles = tree.files.filter((f) => existing.get(f.rel)?.type !== "file").length;
  for (const file of tree.files) {
    const stat = existing.get(file.rel);
    // An existing file keeps its mode unless the task sets one (copy's documented default); an executable
    // source makes it 0755, as a single-file copy of it does.
    const taskMode = params.mode ?? (file.executable ? "0755" : undefined);
    const wanted: Attrs = { ...dirAttrs, ...(taskMode !== undefined ? { mode: taskMode } : {}) };
    if (stat && stat.type !== "file" && !replace(file.rel, stat, "file")) continue;
    const isNew = !stat || stat.type !== "file";
    if (isNew || differs.has(file.rel)) {
      const mode = taskMode ?? (isNew ? "0644" : formatMode(stat!.mode));
      detail.writes.push({ rel: file.rel, mode, ...(!isNew ? { keep: { uid: stat!.uid, gid: stat!.gid } } : {}) });
      if (!stat) created.push(file.rel);
      else if (!isNew) updated.push(file.rel);
      const target = join(params.dest, file.rel);
      const before = isNew ? Buffer.alloc(0) : report.blobs.get(`./${file.rel}`);
      if (isNew && newFiles > NEW_FILE_DIFFS_MAX) {
        if (++newListed <= NEW_FILES_LISTED_MAX) listing.push(`new file: ${target}`);
        else newUnlisted++;
      } else if (before === undefined && hashed) listing.push(`file differs: ${target}`);
      else {
        const cmp = compareContent(target, before, file.content, secrets);
        // An empty new file, or one differing only in redacted text, has a diff that prints nothing.
        if (cmp.diff && cmp.diff.before !== cmp.diff.after) diffs.push(cmp.diff);
        else listing.push(unshownChange(target, isNew, cmp.noDiffKind));
      }
      // A rewrite gives the file the task's mode and owner, which its diff does not show.
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
      if (![...detail.replaces, ...detail.removes].some((r) => rel.startsWith(`${r}/`))) detail.removes.push(rel);
    }
  }
  const stuck = unchangeable(detail, existing, new Set(report.facts.get("unwritable") ?? []));
  const appendOnly = appendOnlyInTheWay(detail, existing, new Set(report.facts.get("append-only") ?? []));
  if (stuck.length || appendOnly.length) {
    const why = hasFact(report, "as-root") ? "not writable even for root: immutable (chattr +i) or on a read-only file system" : "not writable by the login user";
    const reasons = [
      ...(stuck.length ? [`cannot change ${names(stuck.map((rel) => rel || "."))}: ${why}`] : []),
      ...(appendOnly.length ? [`cannot change ${names(appendOnly.map((rel) => rel || "."))}: append-only (chattr +a): it may be appended to, not replaced, removed or have its owner or mode changed`] : []),
    ];
    return { kind: "fail", message: `${params.dest}: ${reasons.join("; ")}; nothing was changed` };
  }

  // A directory goes with everything under it: its trailing slash says so.
  listing.push(...replacedListing);
  for (const rel of detail.removes) listing.push(`removed: ${join(params.dest, rel)}${existing.get(rel)?.type === "directory" ? "/" : ""}`);
  if (newUnlisted) listing.push(`... and ${newUnlisted} more new ${newUnlisted === 1 ? "file" : "files"}`);
  const parts: string[] = [];
  if (!rootStat) parts.push(`create directory`);
  if (replaced.length) parts.push(`replace ${names(replaced)}`);
  if (created.length) parts.push(`create ${names(created)}${newFiles > NEW_FILE_DIFFS_MAX ? " (no diffs for this many new files)" : ""}`);
  if (updated.length) parts.push(`update ${names(updated)}${hashed ? " (no diffs for trees this large)" : ""}`);
  if (detail.removes.length) parts.push(`remove ${names(detail.removes)}`);
  if (detail.attrFixes.length) {
    // What changes, of which entries; each entry's old and new values are in the listing below.
    const what = [...new Set(detail.attrFixes.flatMap((fix) => fix.changes.map((c) => c.what)))].join(", ");
    parts.push(`change ${what} of ${names(detail.attrFixes.map((fix) => fix.rel || "."))}`);
  }
  const newDirs = detail.mkdirs.filter((d) => d !== "" && !detail.replaces.includes(d));
  if (newDirs.length) parts.push(`create ${newDirs.length === 1 ? "directory" : "directories"} ${names(newDirs)}`);
  if (parts.length === 0) return { kind: "ok" };
  // The summary's first line is the overview; the listing follows on lines of their own.
  const summary = [`${params.dest}: ${parts.join("; ")}`, ...listing].join("\n");
  return { kind: "change", summary, ...(diffs.length ? { diffs } : {}), detail };
}

/**
 * The entries the plan would change, or whose directory it would change, that the probe found unwritable:
 * caught here, the task fails before its first change instead of halfway through (extras removed, some
 * files rewritten, then a rename refused).
 */
function unchangeable(detail: TreeDetail, existing: ReadonlyMap<string, StatInfo>, unwritable: ReadonlySet<string>): string[] {
  if (unwritable.size === 0) return [];
  const stuck = new Set<string>();
  const check = (rel: string) => {
    if (unwritable.has(rel)) stuck.add(rel);
  };
  for (const rel of [...detail.replaces, ...detail.removes]) {
    check(parentOf(rel));
    check(rel);
    // rm -rf must unlink everything below it.
    for (const other of unwritable) if (other.startsWith(`${rel}/`)) stuck.add(other);
  }
  for (const write of detail.writes) {
    check(parentOf(write.rel));
    if (existing.get(write.rel)?.type === "file") check(write.rel);
  }
  for (const dir of detail.mkdirs) if (dir !== "") check(parentOf(dir));
  for (const fix of detail.attrFixes) check(fix.rel);
  // The files to write are unpacked in a staging directory inside dest.
  if (detail.writes.length) check("");
  return [...stuck].sort();
}

/**
 * The append-only entries the plan would change: replaced by a rename, removed, chowned or chmodded, or
 * an entry of an append-only directory renamed over or removed. A new file in such a directory is fine
 * (adding is what append-only allows), but not in dest itself: the staging directory made there could
 * not be removed afterwards.
 */
function appendOnlyInTheWay(detail: TreeDetail, existing: ReadonlyMap<string, StatInfo>, appendOnly: ReadonlySet<string>): string[] {
  if (appendOnly.size === 0) return [];
  const stuck = new Set<string>();
  const check = (rel: string) => {
    if (appendOnly.has(rel)) stuck.add(rel);
  };
  for (const rel of [...detail.replaces, ...detail.removes]) {
    check(parentOf(rel));
    check(rel);
    for (const other of appendOnly) if (other.startsWith(`${rel}/`)) stuck.add(other);
  }
  for (const write of detail.writes) {
    if (existing.get(write.rel)?.type !== "file") continue;
    check(parentOf(write.rel));
    check(write.rel);
  }
  for (const fix of detail.attrFixes) check(fix.rel);
  if (detail.writes.length) check("");
  return [...stuck].sort();
}

/** The listing's line for a changed file without a diff: "binary file differs: /srv/a.png", "new file: ...". */
function unshownChange(target: string, isNew: boolean, kind: "binary" | "large" | undefined): string {
  const what = kind === "binary" ? (isNew ? "new binary file" : "binary file differs") : isNew ? "new file" : "file differs";
  return kind === "large" ? `${what} (larger than ${CONTENT_CAP / 1024} KiB, no diff): ${target}` : `${what}: ${target}`;
}
