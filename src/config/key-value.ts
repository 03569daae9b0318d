// The words of `-e 'a=1 msg="hello world"'`: key=value pairs separated by spaces, as ansible-playbook reads
// them. Quotes group a value's words and are removed ('...' literal, "..." where \" and \\ escape); inside
// [...] and {...} (a JSON list or map, a `{{ }}` expression) spaces do not split and quotes stay, as they
// belong to the JSON or the expression. A backslash outside quotes is an ordinary character, as it always
// was in deploy's -e values (`path=C:\dir`).

export interface KeyValueWord {
  /** Offset of the word in the argument (0-based), for the column of a message. */
  at: number;
  /** The text before the first `=`; undefined for a word without one. */
  key?: string;
  /** The value with its quotes removed, or the whole word when it has no `=`. */
  value: string;
  /** Some of the value was quoted: it is a string as written, never JSON nor a `!secret` tag. */
  quoted: boolean;
  /**
   * `key=!secret VALUE`: the rest of the argument after the tag, verbatim. A password may hold any quote
   * or space, so it is not split; it must therefore be the argument's last pair.
   */
  secret?: string;
}

export class KeyValueError extends Error {
  override readonly name = "KeyValueError";
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const CLOSING: Record<string, string> = { "[": "]", "{": "}" };
const SECRET_TAG = /^!secret(?=\s|$)/;

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

/** The words of one `-e` argument; an unclosed quote or bracket throws a KeyValueError. */
export function keyValueWords(arg: string): KeyValueWord[] {
  const words: KeyValueWord[] = [];
  let i = 0;
  while (i < arg.length) {
    if (isSpace(arg[i]!)) {
      i++;
      continue;
    }
    const at = i;
    const eq = keyEnd(arg, i);
    const key = eq === undefined ? undefined : arg.slice(i, eq);
    if (eq !== undefined) i = eq + 1;
    const tag = key === undefined ? null : SECRET_TAG.exec(arg.slice(i));
    if (key !== undefined && tag) {
      words.push({ at, key, value: "", quoted: false, secret: arg.slice(i + tag[0].length).trim() });
      return words;
    }
    const read = readValue(arg, i);
    words.push({ at, ...(key !== undefined ? { key } : {}), value: read.value, quoted: read.quoted });
    i = read.end;
  }
  return words;
}

/** The offset of the `=` ending a key that starts at `i`, if the word has one before any quote or space. */
function keyEnd(arg: string, i: number): number | undefined {
  for (let j = i; j < arg.length; j++) {
    const c = arg[j]!;
    if (c === "=") return j;
    if (isSpace(c) || c === '"' || c === "'" || c in CLOSING) return undefined;
  }
  return undefined;
}

function readValue(arg: string, start: number): { value: string; quoted: boolean; end: number } {
  let value = "";
  let quoted = false;
  const open: Array<{ char: string; at: number }> = [];
  let i = start;
  for (; i < arg.length; i++) {
    const c = arg[i]!;
    if (isSpace(c) && open.length === 0) break;
    if (c === "'" || c === '"') {
      const end = closingQuote(arg, i);
      const inner = arg.slice(i + 1, end);
      // Inside brackets the quotes are JSON's or the expression's own: kept.
      value += open.length > 0 ? arg.slice(i, end + 1) : c === '"' ? inner.replace(/\\(["\\])/g, "$1") : inner;
      quoted ||= open.length === 0;
      i = end;
      continue;
    }
    if (c in CLOSING) open.push({ char: c, at: i });
    else if (open.length > 0 && c === CLOSING[open[open.length - 1]!.char]) open.pop();
    value += c;
  }
  const unclosed = open[open.length - 1];
  if (unclosed) {
    throw new KeyValueError(`\`${unclosed.char}\` without its closing \`${CLOSING[unclosed.char]}\` (a value holding one alone is quoted: k="${unclosed.char}...")`, unclosed.at);
  }
  return { value, quoted, end: i };
}

function closingQuote(arg: string, start: number): number {
  const quote = arg[start]!;
  for (let j = start + 1; j < arg.length; j++) {
    if (quote === '"' && arg[j] === "\\") j++;
    else if (arg[j] === quote) return j;
  }
  throw new KeyValueError(`unclosed ${quote === '"' ? "double" : "single"} quote`, start);
}
