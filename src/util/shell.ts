// The ONE place where values become shell words. Every command sent to a host is built from literal
// script text plus values passed through `quote` (directly, or via the `sh` tagged template).
// Never concatenate a user value into a command any other way.

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quote one value as a single POSIX shell word. */
export function quote(value: string | number): string {
  const s = String(value);
  if (s === "") return "''";
  if (SAFE.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Quote each value and join them with spaces. */
export function quoteAll(values: ReadonlyArray<string | number>): string {
  return values.map(quote).join(" ");
}

/** A piece of script that must not be quoted again (produced by `sh` or `raw`). */
export class Script {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Mark literal script text written by this project (never user input) as already safe. */
export function raw(text: string): Script {
  return new Script(text);
}

type Interpolation = string | number | Script | ReadonlyArray<string | number>;

/**
 * Tagged template: literal parts are script, every interpolated value is quoted.
 * Arrays become several words; a Script is inserted as is.
 *   sh`dpkg-query -W ${packages}`  ->  dpkg-query -W nginx 'foo bar'
 */
export function sh(parts: TemplateStringsArray, ...values: Interpolation[]): Script {
  let out = parts[0] ?? "";
  values.forEach((value, i) => {
    if (value instanceof Script) out += value.text;
    else if (Array.isArray(value)) out += quoteAll(value as ReadonlyArray<string | number>);
    else out += quote(value as string | number);
    out += parts[i + 1] ?? "";
  });
  return new Script(out);
}
