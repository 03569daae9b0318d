// File content on the control side: hashes, whether bytes are text a diff can show, and redaction of
// secrets before any text leaves the module.
import { createHash } from "node:crypto";
import type { FileDiff } from "../types.js";
import { CONTENT_CAP } from "./probe.js";

export const REDACTED = "<redacted>";
/** Where a file gets a secret value it did not hold: redacted alone, a rotated password would show no change. */
export const NEW_SECRET = "<redacted, new value>";

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text, or undefined when they are not UTF-8 text (NUL bytes or invalid sequences). */
export function asText(content: Buffer): string | undefined {
  if (content.includes(0)) return undefined;
  try {
    return utf8.decode(content);
  } catch {
    return undefined;
  }
}

/**
 * Replace every secret value in `text`; longest first, so a secret containing another goes whole.
 * `marker` says what stands for each (default REDACTED).
 */
export function redact(text: string, secrets: ReadonlySet<string>, marker: (secret: string) => string = () => REDACTED): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret !== "" && out.includes(secret)) out = out.split(secret).join(marker(secret));
  }
  return out;
}

/**
 * Both sides redacted. A secret the file did not hold before (a rotated password, a new key) is marked
 * NEW_SECRET on the after side: with the same marker on both sides its line would read unchanged, and the
 * plan would hide that the secret changes. A new file has nothing to compare: plain markers.
 */
export function redactDiff(diff: FileDiff, secrets: ReadonlySet<string>): FileDiff {
  const fresh = (secret: string) => diff.before !== "" && !diff.before.includes(secret);
  return { path: diff.path, before: redact(diff.before, secrets), after: redact(diff.after, secrets, (s) => (fresh(s) ? NEW_SECRET : REDACTED)) };
}

export interface ContentComparison {
  /** The diff, when both sides are text within the size cap. */
  diff?: FileDiff;
  /** Why there is no diff ("binary content", "larger than 256 KiB"). */
  noDiff?: string;
  /** The same reason as a word, for a listing that words it its own way. */
  noDiffKind?: "binary" | "large";
}

/**
 * Build the before/after diff of a file, redacted. `before` is undefined when the probe did not print
 * the current content (too large); an absent file has before = empty.
 */
export function compareContent(
  path: string,
  before: Buffer | undefined,
  after: Buffer,
  secrets: ReadonlySet<string>,
): ContentComparison {
  if (before === undefined || after.length > CONTENT_CAP) {
    return { noDiff: `larger than ${CONTENT_CAP / 1024} KiB, no diff`, noDiffKind: "large" };
  }
  const beforeText = asText(before);
  const afterText = asText(after);
  if (beforeText === undefined || afterText === undefined) return { noDiff: "binary content, no diff", noDiffKind: "binary" };
  return { diff: redactDiff({ path, before: beforeText, after: afterText }, secrets) };
}

/** "12 B", "3.4 KiB" for summaries. */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
