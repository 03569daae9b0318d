// lineinfile's edit, as a pure function of the file's text (the semantics of Ansible's lineinfile).
// A file written on Windows (or by a tool that writes CRLF) ends its lines with "\r\n": lines are matched
// without their "\r" (JavaScript's `$` and `.` stop before "\n" only, so `^Port .*$` found no line and a
// second `Port` line was added, which sshd ignores), and a line written keeps the file's ending.

export interface LineEdit {
  state: "present" | "absent";
  line?: string;
  regexp?: RegExp;
  /** "EOF", "BOF" is insertbefore only; otherwise a regular expression whose LAST match is the anchor. */
  insertafter?: string;
  insertbefore?: string;
}

export interface LineEditResult {
  text: string;
  changed: boolean;
  /** One human phrase: "replace line 3", "add line at end", "remove 2 lines". */
  what: string;
}

function splitLines(text: string): { lines: string[]; trailingNewline: boolean } {
  if (text === "") return { lines: [], trailingNewline: true };
  const trailingNewline = text.endsWith("\n");
  const lines = (trailingNewline ? text.slice(0, -1) : text).split("\n");
  return { lines, trailingNewline };
}

/** A line without the "\r" of a CRLF ending. */
export function lineBody(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** "\r" when most of the lines (split on "\n") end with CRLF, else "": what a new line of the file ends with. */
export function crOf(lines: string[]): string {
  const crlf = lines.filter((l) => l.endsWith("\r")).length;
  return crlf > 0 && crlf * 2 >= lines.length ? "\r" : "";
}

function lastIndex(lines: string[], test: (line: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (test(lines[i]!)) return i;
  return -1;
}

/** Where a missing line goes: index to insert at. */
function insertionPoint(lines: string[], edit: LineEdit): number {
  if (edit.insertbefore !== undefined) {
    if (edit.insertbefore === "BOF") return 0;
    const re = new RegExp(edit.insertbefore);
    const at = lastIndex(lines, (l) => re.test(lineBody(l)));
    return at < 0 ? lines.length : at;
  }
  if (edit.insertafter !== undefined && edit.insertafter !== "EOF") {
    const re = new RegExp(edit.insertafter);
    const at = lastIndex(lines, (l) => re.test(lineBody(l)));
    return at < 0 ? lines.length : at + 1;
  }
  return lines.length;
}

export function editLines(text: string, edit: LineEdit): LineEditResult {
  const { lines, trailingNewline } = splitLines(text);
  const join = (out: string[], newline: boolean) => (out.length === 0 ? "" : out.join("\n") + (newline ? "\n" : ""));
  const unchanged = { text, changed: false, what: "" };

  if (edit.state === "absent") {
    const matches = edit.regexp ? (l: string) => edit.regexp!.test(l) : (l: string) => l === edit.line;
    const kept = lines.filter((l) => !matches(lineBody(l)));
    const removed = lines.length - kept.length;
    if (removed === 0) return unchanged;
    return { text: join(kept, trailingNewline), changed: true, what: `remove ${removed} ${removed === 1 ? "line" : "lines"}` };
  }

  const line = edit.line ?? "";
  if (edit.regexp) {
    const at = lastIndex(lines, (l) => edit.regexp!.test(lineBody(l)));
    if (at >= 0) {
      const old = lines[at]!;
      if (lineBody(old) === line) return unchanged;
      const out = [...lines];
      // The replaced line's own ending, so one edit never turns a CRLF line into an LF one.
      out[at] = line + (old.endsWith("\r") ? "\r" : "");
      return { text: join(out, trailingNewline), changed: true, what: `replace line ${at + 1}` };
    }
  }
  if (lines.some((l) => lineBody(l) === line)) return unchanged;
  const at = insertionPoint(lines, edit);
  const cr = crOf(lines);
  const out = [...lines.slice(0, at), line + cr, ...lines.slice(at)];
  // The old last line had no ending at all: it gets the file's, not a bare "\n".
  if (at === lines.length && !trailingNewline && at > 0) out[at - 1] += cr;
  // A line appended at the end is a complete line even if the file's last one was not.
  const newline = at === lines.length ? true : trailingNewline;
  const where = at === lines.length ? "at end" : at === 0 ? "at beginning" : `as line ${at + 1}`;
  return { text: join(out, newline), changed: true, what: `add line ${where}` };
}
