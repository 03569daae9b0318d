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
  /** Show only the head of a longer diff, then one line saying how much was left out. Default: all of it. */
  limit?: DiffLimit;
}

export interface DiffLimit {
  lines: number;
  bytes: number;
}

/**
 * What the text output (plan and apply, plain lines and terminal) shows of ONE file's diff; --json keeps
 * every diff whole. Lines, because that is what a reader reviews and what floods a terminal or a CI log:
 * 300 lines hold any hand-made change of a config file with its context, while a file rewritten beyond
 * that (a 169 KB file printed 6,000 lines) is not reviewed line by line anyway. Bytes as well, because a
 * minified or generated file is a handful of lines of 100 KiB each: 64 KiB is about 800 lines of ordinary
 * text, so for text the line count decides.
 */
export const DIFF_LIMIT: DiffLimit = { lines: 300, bytes: 64 * 1024 };

const ANSI = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1 } as const;

/**
 * `--- path (before)` / `+++ path (after)` then the hunks. Empty string when the texts are equal.
 * The modules redact secrets before a FileDiff exists; only the lines a change of secret removes are
 * hidden here.
 */
export function unifiedDiff(diff: FileDiff, options: DiffOptions): string {
  if (diff.before === diff.after) return "";
  const hunks = structuredPatch(diff.path, diff.path, diff.before, diff.after, "before", "after", {
    context: options.context ?? 3,
    maxEditLength: MAX_EDITS,
  })?.hunks ?? [wholeFileHunk(diff.before, diff.after)];
  const out: Line[] = [
    ["bold", `--- ${diff.path} (before)`],
    ["bold", `+++ ${diff.path} (after)`],
  ];
  for (const hunk of hunks) {
    out.push(["cyan", `@@ -${range(hunk.oldStart, hunk.oldLines)} +${range(hunk.newStart, hunk.newLines)} @@`]);
    // A change that writes a secret replaces the previous one, which no redaction knows: what it removes
    // is hidden too (an old password, every line of an old private key).
    const replacesSecret = hunk.lines.some((line) => line.startsWith("+") && (line.includes(REDACTED) || line.includes(NEW_SECRET)));
    for (const line of hunk.lines) {
      if (line.startsWith("+")) out.push(["green", showCR(line)]);
      else if (line.startsWith("-")) out.push(["red", replacesSecret ? `-${REDACTED}` : showCR(line)]);
      else out.push([undefined, line]);
    }
  }
  const shown = options.limit ? head(out, options.limit) : out;
  return shown.map(([code, text]) => (options.color && code ? `\x1b[${ANSI[code]}m${text}\x1b[0m` : text)).join("\n") + "\n";
}

/**
 * A line's carriage return (CRLF endings) as `^M`, as git shows it: printed raw, `-Port 22\r` and
 * `+Port 22` look the same, so a change of line endings alone would read as no change.
 */
function showCR(line: string): string {
  return line.endsWith("\r") ? `${line.slice(0, -1)}^M` : line;
}

/**
 * Beyond this many changed lines the diff is not searched for the fewest edits: the search costs time
 * growing with the square of the changes, and a rewritten 6,000-line file took 5.5 s of the one thread
 * every host's connection shares. A change this large is shown as the whole file replaced (a correct
 * diff, only not the shortest), found in about 50 ms at most.
 */
const MAX_EDITS = 1000;

interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: string[];
}

/** One hunk removing every line of `before` and adding every line of `after`, as jsdiff writes hunks. */
function wholeFileHunk(before: string, after: string): Hunk {
  const side = (text: string, sign: string): string[] => {
    if (text === "") return [];
    const lines = (text.endsWith("\n") ? text.slice(0, -1) : text).split("\n").map((l) => sign + l);
    return text.endsWith("\n") ? lines : [...lines, "\\ No newline at end of file"];
  };
  const removed = side(before, "-");
  const added = side(after, "+");
  const count = (lines: string[]) => lines.filter((l) => !l.startsWith("\\")).length;
  return { oldStart: 1, oldLines: count(removed), newStart: 1, newLines: count(added), lines: [...removed, ...added] };
}

type Line = [colour: keyof typeof ANSI | undefined, text: string];

/**
 * The first lines within the limit (whole lines; the two headers always, so the file is named), then one
 * line counting the rest and saying where they are.
 */
function head(lines: Line[], limit: DiffLimit): Line[] {
  let bytes = 0;
  let shown = 0;
  for (const [, text] of lines) {
    bytes += Buffer.byteLength(text) + 1;
    if (shown >= 2 && (shown >= limit.lines || bytes > limit.bytes)) break;
    shown++;
  }
  if (shown === lines.length) return lines;
  const left = lines.length - shown;
  return [...lines.slice(0, shown), ["yellow", `... ${left} more ${left === 1 ? "line" : "lines"} of this diff not shown (--json has every diff whole)`]];
}

// diff -u writes a one-line range as just its start, and an empty range as the line BEFORE it (`0,0`
// for a file that was empty), which jsdiff's structured hunks leave to the formatter.
function range(start: number, lines: number): string {
  if (lines === 0) return `${start - 1},0`;
  return lines === 1 ? String(start) : `${start},${lines}`;
}
