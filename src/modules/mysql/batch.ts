// Reading what the client prints in `--batch` mode: one row per line, fields separated by tabs, with tab,
// newline, NUL and backslash inside a value escaped (\t \n \0 \\), so a value can never start a line of its
// own. Probes select a tag as the first column (`SELECT '#deploy:user', ...`): the row is then a fact of the
// probe protocol (probe.ts) whose value is the other columns, and tool noise merged in from stderr is told
// apart from it.
import { parseProbe, TAG } from "../lib/probe.js";

const UNESCAPES: Record<string, string> = { "\\": "\\", t: "\t", n: "\n", "0": "\0", r: "\r", b: "\b", Z: "\x1a" };

/** One batch-mode field as the value the server holds. */
export function unescapeField(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => UNESCAPES[c] ?? c);
}

/** Fields of one batch-mode line, unescaped. */
export function splitRow(line: string): string[] {
  return line.replace(/\r$/, "").split("\t").map(unescapeField);
}

/** Every row tagged `#deploy:<tag>`, as its fields after the tag (none for a bare tag). */
export function taggedRows(output: string, tag: string): string[][] {
  return (parseProbe(output).facts.get(tag) ?? []).map((value) => (value === "" ? [] : splitRow(value)));
}

export function taggedRow(output: string, tag: string): string[] | undefined {
  return taggedRows(output, tag)[0];
}

/**
 * A result printed WITH column names (SHOW REPLICA STATUS) between the lines `#deploy:<name>-begin` and
 * `#deploy:<name>-end`: each row as a column -> value map. Lines that do not have the header's column count
 * (an error message merged from stderr) are skipped.
 */
export function namedRows(output: string, name: string): Array<Record<string, string>> | undefined {
  const lines = output.split("\n").map((l) => l.replace(/\r$/, ""));
  const begin = lines.indexOf(`${TAG}${name}-begin`);
  const end = lines.indexOf(`${TAG}${name}-end`, begin + 1);
  if (begin < 0 || end < 0) return undefined;
  const body = lines.slice(begin + 1, end).filter((l) => l.includes("\t"));
  const [header, ...rows] = body;
  if (header === undefined) return [];
  const columns = header.split("\t");
  return rows
    .map((line) => line.split("\t"))
    .filter((fields) => fields.length === columns.length)
    .map((fields) => Object.fromEntries(columns.map((c, i) => [c, unescapeField(fields[i] ?? "")])));
}

/** The last error line the client printed (`ERROR 1045 (28000): Access denied ...`), if any. */
export function clientError(output: string): { code: number; message: string } | undefined {
  const lines = output.split("\n").filter((l) => /^ERROR \d+/.test(l));
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  const m = /^ERROR (\d+)(?: \([0-9A-Z]+\))?(?: at line \d+)?: ?(.*)$/.exec(last.trim());
  return { code: Number(m?.[1] ?? 0), message: last.trim() };
}
