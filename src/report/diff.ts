// Unified diffs of a file's before/after text, as `plan` shows them. The diff algorithm is jsdiff's;
// this file only chooses the headers and the colours.
import { structuredPatch } from "diff";
import type { FileDiff } from "../modules/types.js";
import { NEW_SECRET } from "../modules/lib/content.js";
import { REDACTED } from "./redact.js";

export interface DiffOptions {
  /** ANSI colours (removed red, added green, hunk headers cyan). */
  color: boolean;
  /** Unchanged lines shown around each change. Default 3, like diff -u. */
  context?: number;
}

const ANSI = { red: 31, green: 32, cyan: 36, bold: 1 } as const;

/**
 * `--- path (before)` / `+++ path (after)` then the hunks. Empty string when the texts are equal.
 * The modules redact secrets before a FileDiff exists; only the lines a change of secret removes are
 * hidden here.
 */
export function unifiedDiff(diff: FileDiff, options: DiffOptions): string {
  if (diff.before === diff.after) return "";
  const paint = (code: keyof typeof ANSI, text: string) => (options.color ? `\x1b[${ANSI[code]}m${text}\x1b[0m` : text);
  const patch = structuredPatch(diff.path, diff.path, diff.before, diff.after, "before", "after", {
    context: options.context ?? 3,
  });
  const out: string[] = [paint("bold", `--- ${diff.path} (before)`), paint("bold", `+++ ${diff.path} (after)`)];
  for (const hunk of patch.hunks) {
    out.push(paint("cyan", `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`));
    // A change that writes a secret replaces the previous one, which no redaction knows: what it removes
    // is hidden too (an old password, every line of an old private key).
    const replacesSecret = hunk.lines.some((line) => line.startsWith("+") && (line.includes(REDACTED) || line.includes(NEW_SECRET)));
    for (const line of hunk.lines) {
      if (line.startsWith("+")) out.push(paint("green", line));
      else if (line.startsWith("-")) out.push(paint("red", replacesSecret ? `-${REDACTED}` : line));
      else out.push(line);
    }
  }
  return out.join("\n") + "\n";
}

// diff -u writes a one-line range as just its start, and an empty range as the line BEFORE it (`0,0`
// for a file that was empty), which jsdiff's structured hunks leave to the formatter.
function range(start: number, lines: number): string {
  if (lines === 0) return `${start - 1},0`;
  return lines === 1 ? String(start) : `${start},${lines}`;
}
