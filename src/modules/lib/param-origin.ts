// Messages that depend on where a parameter's value came from. A number given as a file mode is the one case
// so far: written in YAML, it is an unquoted 0644 that YAML read as the decimal 644; given by an expression
// (`mode: "{{ file_mode }}"`), it may be such a var, or the mode's bits as a number (0o644 is 420), and the
// message must not blame the quoting of a value that is quoted. zod lets a schema's own message win over one
// given to parse, so the mode schema has none for numbers and each caller passes the map for its origin.
import type { z } from "zod";
import { formatMode, modeSchema } from "./params.js";

/** Values read from the YAML files (load time), or rendered from `{{ }}` (run time). */
export type ValueOrigin = "yaml" | "expression";

export function modeNumberMessage(n: number, origin: ValueOrigin): string {
  if (origin === "yaml") return `mode must be a quoted string such as "0644" (unquoted, YAML reads ${n} as a decimal number)`;
  const head = `mode must be a string such as "0644", but the expression gave the number ${n}`;
  const readings: string[] = [];
  // Bits in decimal: what a computed mode or a stat result gives. Above 0777 it would be a setuid, setgid
  // or sticky mode, which nobody computes by accident.
  if (Number.isInteger(n) && n >= 0 && n <= 0o777) {
    readings.push(`if ${n} is meant as decimal, it is the mode "${formatMode(n)}" (\`.toString(8)\` in the expression gives "${n.toString(8)}")`);
  }
  const digits = String(n);
  if (/^[0-7]{3,4}$/.test(digits)) {
    const written = digits.padStart(4, "0");
    readings.push(`if it comes from a var or a loop item written unquoted, YAML read ${written} as the decimal number ${n}: quote it there ("${written}")`);
  }
  return readings.length > 0 ? `${head}: ${readings.join("; ")}` : head;
}

/** zod's per-parse error map for values of `origin`. */
export function paramErrors(origin: ValueOrigin): z.core.$ZodErrorMap {
  return (issue) =>
    issue.code === "invalid_type" && issue.inst === modeSchema && typeof issue.input === "number" ? modeNumberMessage(issue.input, origin) : undefined;
}
