// A mode written as YAML 1.2's octal or hex (`mode: 0o755`, `0x1ed`) is a number YAML read right, as the
// mode's bits (493): only its type is wrong. "YAML reads 493 as a decimal number" would blame a reading
// that did not happen, so the message says what the text is and the string to write. An unquoted `0755` is
// YAML 1.2's decimal 755, which the modules' own message says.
import { isScalar } from "yaml";
import { formatMode } from "../modules/lib/params.js";
import { walk } from "./locate.js";
import type { PathSegment, SourceFile } from "./source.js";

/** The message for a mode YAML read from octal or hex text, or undefined for any other number. */
export function radixModeMessage(value: number, text: string | undefined): string | undefined {
  const radix = text === undefined ? undefined : /^0[oO]/.test(text) ? "an octal" : /^0[xX]/.test(text) ? "a hexadecimal" : undefined;
  if (radix === undefined || !Number.isInteger(value) || value < 0 || value > 0o7777) return undefined;
  const mode = formatMode(value);
  return `mode must be a quoted string: \`${text}\` is ${radix} number, which YAML turned into the number ${value} (the mode ${mode}); write it quoted: "${mode}"`;
}

/** The text a scalar was written as in its file (`0o755`, `0644`), when the path reaches one. */
export function writtenText(source: SourceFile, path: readonly PathSegment[]): string | undefined {
  const { located, depth } = walk(source, path);
  const node = depth === path.length ? located.node : undefined;
  return isScalar(node) && typeof node.source === "string" ? node.source : undefined;
}
