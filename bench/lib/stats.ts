// Figures for the tables: median of several runs with min and max, formatted the same way everywhere.

export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function figure(runs: number[]): Figure {
  if (runs.length === 0) throw new Error("no runs to summarize");
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs };
}

/** "1.23 s (1.20-1.31)" */
export function seconds(f: Figure): string {
  return f.runs.length > 1 ? `${f.median.toFixed(2)} s (${f.min.toFixed(2)}-${f.max.toFixed(2)})` : `${f.median.toFixed(2)} s`;
}

/** A plain table with aligned columns; the first row is the header. Markdown when asked. */
export function table(rows: string[][], markdown = false): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    markdown ? `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |` : r.map((cell, c) => cell.padEnd(widths[c]!)).join("  ").trimEnd();
  const out = [line(rows[0]!)];
  out.push(markdown ? `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |` : widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) out.push(line(r));
  return out.join("\n");
}
