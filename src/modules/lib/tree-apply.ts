// Applying a copied tree's plan in ONE exec. Everything that can fail without changing anything (unpacking,
// ownership, fsync) comes first; then the changes, each reporting on stdout once done, so a failure halfway
// can say what was already changed instead of leaving the user to find out.
import { raw, sh, type Script } from "../../util/shell.js";
import type { ApplyContext, ApplyResult, Change } from "../types.js";
import { attrScript, type Attrs } from "./attrs.js";
import { modeBits } from "./params.js";
import { joinScript } from "./probe.js";
import { tarArchive } from "./tar.js";
import { join, names, type SourceTree, type TreeDetail, type TreeParams, type TreeWrite } from "./tree.js";

/** Mode of directories a copy creates. */
const DIR_MODE = "0755";

/** Name of the list inside the archive: `index TAB keep TAB mode TAB path` per file (index = the member's name). */
const MANIFEST = "manifest";

/** One change of the script, as the failure message names it. */
interface Step {
  /** "remove a.txt": what failed. */
  doing: string;
  /** "removed a.txt": what was already done. */
  done: string;
  lines: Script[];
}

function ownerSpec(params: Attrs): string {
  return `${params.owner ?? ""}${params.group !== undefined ? `:${params.group}` : ""}`;
}

function shown(name: string): string {
  return name || ".";
}

function removal(params: TreeParams, name: string): Step {
  return { doing: `remove ${name}`, done: `removed ${name}`, lines: [sh`rm -rf -- ${join(params.dest, name)}`] };
}

function mkdir(params: TreeParams, name: string): Step {
  const dir = join(params.dest, name);
  const lines = [sh`mkdir -m ${DIR_MODE} -- ${dir}`];
  if (params.owner !== undefined || params.group !== undefined) lines.push(sh`chown -- ${ownerSpec(params)} ${dir}`);
  return { doing: `create directory ${shown(name)}`, done: `created directory ${shown(name)}`, lines };
}

/**
 * chown clears setuid and setgid (root's too): a file written with such a mode gets it again after its
 * owner is set, or `mode: "4755", owner: nobody` would end 0755 and the next run change it again.
 */
function modeAfterChown(params: TreeParams, write: TreeWrite): boolean {
  const chowned = write.keep !== undefined || params.owner !== undefined || params.group !== undefined;
  return chowned && (modeBits(write.mode) & 0o6000) !== 0;
}

/**
 * The changes in the order they run: `first` (dest itself, where the files are unpacked), then unpacking
 * (nothing changes yet), `middle` (what is in the way of the files, and new directories), the files, then
 * `last` (attribute fixes and removal of extra entries), so a failing write leaves those as they were.
 */
function steps(params: TreeParams, detail: TreeDetail): { first: Step[]; middle: Step[]; last: Step[] } {
  return {
    first: detail.mkdirs.includes("") ? [mkdir(params, "")] : [],
    middle: [...detail.replaces.map((name) => removal(params, name)), ...detail.mkdirs.filter((name) => name !== "").map((name) => mkdir(params, name))],
    last: [
      ...detail.attrFixes.map((fix) => {
        const what = fix.changes.map((c) => c.what).join(", ");
        return { doing: `change ${what} of ${shown(fix.rel)}`, done: `changed ${what} of ${shown(fix.rel)}`, lines: attrScript(join(params.dest, fix.rel), fix.changes) };
      }),
      ...detail.removes.map((name) => removal(params, name)),
    ],
  };
}

/** Each step's commands, then `done N` (N counting from `from`) once they succeeded. */
function numbered(list: Step[], from: number): Script[] {
  return list.flatMap((step, i) => [...step.lines, raw(`echo done ${from + i}`)]);
}

/**
 * The whole apply as one script: the files to write arrive as a tar archive on stdin, unpack into a staging
 * directory inside dest, get their owner (then their mode again), are fsynced, and are renamed over their
 * targets one by one (each rename atomic, as for a single file). An updated file keeps its owner unless the
 * task sets one. stdout says what is done: `done N` per step, `staged`, `wrote I` / `failed I` per file.
 */
export function treeApplyScript(params: TreeParams, detail: TreeDetail): Script {
  const { first, middle, last } = steps(params, detail);
  const lines: Script[] = [raw("set -e"), ...numbered(first, 0)];
  if (detail.writes.length > 0) {
    lines.push(
      sh`dest=${params.dest.replace(/\/+$/, "") || "/"}`,
      raw(`s=$(mktemp -d "$dest/.deploy-tree.XXXXXXXX")`),
      raw(`trap 'rm -rf -- "$s"' EXIT`),
      // -p: the modes in the archive exactly, whatever the umask; ownership is set below, not by tar.
      raw(`tar -x -p --no-same-owner -f - -C "$s"`),
      raw(`t=$(printf '\t')`),
    );
    // A rewritten file keeps its owner, not its file capabilities (setcap): those belonged to the old content.
    if (detail.writes.some((w) => w.keep)) {
      lines.push(raw(`while IFS="$t" read -r i keep mode rel; do [ "$keep" = 0 ] || chown --reference="$dest/$rel" -- "$s/$i"; done < "$s/${MANIFEST}"`));
    }
    if (params.owner !== undefined || params.group !== undefined) lines.push(sh`chown -R -- ${ownerSpec(params)} "$s"`);
    if (detail.writes.some((w) => modeAfterChown(params, w))) {
      lines.push(raw(`while IFS="$t" read -r i keep mode rel; do [ "$mode" = - ] || chmod -- "$mode" "$s/$i"; done < "$s/${MANIFEST}"`));
    }
    // Without the fsync a crash right after the rename could leave empty files (as in atomic-write).
    lines.push(raw(`find "$s" -type f ! -name ${MANIFEST} -exec sync -- {} +`), raw("echo staged"));
  }
  lines.push(...numbered(middle, first.length));
  if (detail.writes.length > 0) {
    lines.push(raw(`while IFS="$t" read -r i keep mode rel; do mv -f -- "$s/$i" "$dest/$rel" || { echo "failed $i"; exit 1; }; echo "wrote $i"; done < "$s/${MANIFEST}"`));
  }
  lines.push(...numbered(last, first.length + middle.length));
  return joinScript(lines);
}

/** The archive treeApplyScript reads: the files to write, named by index, and the manifest. */
export function treeArchive(params: TreeParams, tree: SourceTree, detail: TreeDetail): Buffer {
  const byRel = new Map(tree.files.map((f) => [f.rel, f]));
  const manifest = detail.writes.map((w, i) => `${i}\t${w.keep ? 1 : 0}\t${modeAfterChown(params, w) ? w.mode : "-"}\t${w.rel}\n`).join("");
  return tarArchive([
    ...detail.writes.map((w, i) => ({ name: String(i), content: byRel.get(w.rel)!.content, mode: modeBits(w.mode) })),
    { name: MANIFEST, content: Buffer.from(manifest, "utf8"), mode: 0o600 },
  ]);
}

export async function applyTree(params: TreeParams, tree: SourceTree, change: Change, ctx: ApplyContext): Promise<ApplyResult> {
  const detail = change.detail as TreeDetail;
  const stdin = detail.writes.length > 0 ? treeArchive(params, tree, detail) : undefined;
  const result = await ctx.run(treeApplyScript(params, detail), stdin ? { stdin } : {});
  if (result.exitCode === 0) return { changed: true };
  return explainFailure(params, detail, result.stdout, result.stderr || `exit ${String(result.exitCode)}`);
}

/**
 * "/srv/tree: cannot write sub/b.txt: Operation not permitted; already changed: wrote a.txt": the source
 * file (not the staging member the shell names) and the reason, then what the script did before it stopped.
 */
export function explainFailure(params: TreeParams, detail: TreeDetail, stdout: string, stderr: string): ApplyResult {
  const { first, middle, last } = steps(params, detail);
  const all = [...first, ...middle, ...last];
  let doneSteps = 0;
  let staged = false;
  let failedWrite: TreeWrite | undefined;
  const wrote: string[] = [];
  for (const line of stdout.split("\n")) {
    const [word, arg] = line.trim().split(" ");
    if (word === "done") doneSteps = Math.max(doneSteps, Number(arg) + 1);
    else if (word === "staged") staged = true;
    else if (word === "wrote") wrote.push(detail.writes[Number(arg)]?.rel ?? String(arg));
    else if (word === "failed") failedWrite = detail.writes[Number(arg)];
  }
  const reason = stderr.trim().split("\n").at(-1) ?? "";
  let what: string;
  let partly: string | undefined;
  if (failedWrite) {
    // "mv: cannot move '/srv/tree/.deploy-tree.X/4' to '/srv/tree/sub/b.txt': Operation not permitted"
    const cause = /^mv: cannot .*: ([^:]+)$/.exec(reason)?.[1] ?? reason;
    what = `cannot write ${failedWrite.rel}: ${cause}`;
  } else if (detail.writes.length > 0 && !staged && doneSteps === first.length) {
    what = `could not prepare the files to write: ${reason}`;
  } else {
    const step = all[doneSteps];
    what = step ? `could not ${step.doing}: ${reason}` : reason;
    if (step?.doing.startsWith("remove ")) partly = `${step.doing.slice("remove ".length)} may be partly removed`;
  }
  const before = Math.min(doneSteps, first.length + middle.length);
  const done = [...all.slice(0, before).map((s) => s.done), ...wrote.map((name) => `wrote ${name}`), ...all.slice(before, doneSteps).map((s) => s.done)];
  const status = done.length ? `already changed: ${names(done)}${partly ? ` (${partly})` : ""}` : (partly ?? "nothing was changed");
  return { changed: done.length > 0 || partly !== undefined, failed: `${params.dest}: ${what}; ${status}` };
}
