// Summaries of system modules can contain values from vars (a command line, a sysctl value); a secret
// among them must not reach the report.

export const REDACTED = "********";

export function redact(text: string, secrets: ReadonlySet<string>): string {
  let out = text;
  // Longest first, so a secret containing another one is hidden whole.
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** One line, at most `max` characters: for naming a command in a summary. */
export function oneLine(text: string, max = 100): string {
  const line = text.replace(/\s*\n\s*/g, " ⏎ ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
