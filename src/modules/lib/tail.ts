/** The last few lines of a command's error output, for one-line failure messages. */
export function tail(text: string, lines = 5): string {
  const kept = text.trimEnd().split("\n").filter((l) => l.trim() !== "").slice(-lines);
  return kept.join(" / ");
}
