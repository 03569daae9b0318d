// Minimal ANSI styling, off unless the output is a colour terminal.
import type { TaskStatus } from "../config/model.js";

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(enabled: boolean) {
  return (colour: Colour, text: string): string => (enabled ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text);
}

export const STATUS_COLOUR: Record<TaskStatus, Colour> = {
  ok: "green",
  changed: "yellow",
  failed: "red",
  skipped: "cyan",
  unreachable: "magenta",
};

/** Word used for a status in each mode: plan says what WOULD happen. */
export function statusWord(status: TaskStatus, mode: "plan" | "apply", pending?: boolean): string {
  if (mode === "plan" && status === "changed") return pending ? "pending" : "change";
  return status;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${(ms / 1000).toFixed(1)}s`;
}
