// The words of `-e 'a=1 msg="hello world"'`: key=value pairs separated by spaces, as ansible-playbook reads
// them. Quotes anywhere in a value group its words (`opts=--label="a b"` is one word); they are removed only
// when they wrap the whole value, as Ansible's unquote does: `msg="hello world"` is `hello world`, while
// `opts=--label="a b"` keeps its quotes for the program that reads it. A wrapping "..." takes \" and \\ as
// escapes, '...' is literal. Inside [...] and {...} (a JSON list or map, a `{{ }}` expression) spaces do not
// split either. A backslash outside quotes is an ordinary character, as it always was in deploy's -e values
// (`path=C:\dir`).

export interface KeyValueWord {
  /** Offset of the word in the argument (0-based), for the column of a message. */
  at: number;
  /** The text before the first `=`; undefined for a word without one. */
  key?: string;
  /** The value, without the quotes that wrap all of it; the whole word when it has no `=`. */
  value: string;
  /** Quotes wrapped the whole value: it is a string as written, never JSON nor a `!secret` tag. */
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
    /** How to write it, quoting the user's word: left out of a message that could show a secret. */
    readonly example?: string,
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
    const read = readValue(arg, i, key);
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

function readValue(arg: string, start: number, key: string | undefined): { value: string; quoted: boolean; end: number } {
  let raw = "";
  const open: Array<{ char: string; at: number }> = [];
  let i = start;
  for (; i < arg.length; i++) {
    const c = arg[i]!;
    if (isSpace(c) && open.length === 0) break;
    if (c === "'" || c === '"') {
      const end = closingQuote(arg, i, start, key);
      raw += arg.slice(i, end + 1);
      i = end;
      continue;
    }
    if (c in CLOSING) open.push({ char: c, at: i });
    else if (open.length > 0 && c === CLOSING[open[open.length - 1]!.char]) open.pop();
    raw += c;
  }
  const unclosed = open[open.length - 1];
  if (unclosed) {
    throw new KeyValueError(`\`${unclosed.char}\` without its closing \`${CLOSING[unclosed.char]}\` (a value holding one alone is quoted: k="${unclosed.char}...")`, unclosed.at);
  }
  return { ...unquote(raw), end: i };
}

/**
 * Ansible's unquote: the same quote first and last (every quote read here is closed, so the last one
 * closes). Only a wrapping pair goes; quotes inside the value are the value's own.
 */
function unquote(raw: string): { value: string; quoted: boolean } {
  const q = raw[0];
  if (raw.length < 2 || (q !== "'" && q !== '"') || raw[raw.length - 1] !== q) return { value: raw, quoted: false };
  const inner = raw.slice(1, -1);
  return { value: q === '"' ? inner.replace(/\\(["\\])/g, "$1") : inner, quoted: true };
}

/** Where the quote at `at` closes; an unclosed one is refused with the value quoted by the other quote. */
function closingQuote(arg: string, at: number, valueStart: number, key: string | undefined): number {
  const quote = arg[at]!;
  for (let j = at + 1; j < arg.length; j++) {
    if (quote === '"' && arg[j] === "\\") j++;
    else if (arg[j] === quote) return j;
  }
  // `name=O'Brien`: an apostrophe is a quote here, as in Ansible; the other quote around it keeps it.
  const word = /^\S*/.exec(arg.slice(valueStart))![0];
  const other = quote === "'" ? '"' : "'";
  const example = !word.includes(other) ? ` (write \`${key !== undefined ? `${key}=` : ""}${other}${word}${other}\` for a value holding a ${quote})` : "";
  throw new KeyValueError(`unclosed ${quote === '"' ? "double" : "single"} quote`, at, example);
}
