// Probes print their findings as tagged lines (`deploy:<tag>\t<field>\t<field>...`) because the engine merges
// a probe's stderr into its output: any tool's warning can land between them, and tagged lines let the
// parser ignore it instead of misreading it.

export const TAG = "deploy:";

export interface ProbeLine {
  tag: string;
  fields: string[];
}

/** Every tagged line of a probe's output, in order; untagged lines (tool noise) are dropped. */
export function probeLines(output: string): ProbeLine[] {
  const lines: ProbeLine[] = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith(TAG)) continue;
    const [tag = "", ...fields] = line.slice(TAG.length).replace(/\r$/, "").split("\t");
    lines.push({ tag, fields });
  }
  return lines;
}

/** The fields of the first line with `tag`, or undefined. */
export function firstLine(lines: ProbeLine[], tag: string): string[] | undefined {
  return lines.find((l) => l.tag === tag)?.fields;
}

export function hasLine(lines: ProbeLine[], tag: string): boolean {
  return lines.some((l) => l.tag === tag);
}

/** The last few lines of a command's error output, for one-line failure messages. */
export function tail(text: string, lines = 5): string {
  const kept = text.trimEnd().split("\n").filter((l) => l.trim() !== "").slice(-lines);
  return kept.join(" / ");
}
