// Which parts of an expression's source are code, and which are text: strings, template-literal text, regular
// expressions and comments. The Ansible-habit checks must look at code only (`' and '` in a string is no
// Jinja `and`, `'http://x'` no comment), and whether a `//` was meant as floor division depends on what stands
// around it. Not a parser: it tells apart only what those checks need, and the compiler has the last word.

/** A `//` comment: where it starts, and whether an operand (a name, a number, `)`, a string) ends just before it on its line. */
export interface LineComment {
  at: number;
  afterOperand: boolean;
}

export interface ScannedSource {
  /** The source with the contents of strings, regular expressions, template text and comments blanked (same length; quotes, slashes and newlines kept). */
  code: string;
  lineComments: LineComment[];
}

/** Words after which a `/` starts a regular expression, as after an operator. */
const BEFORE_OPERAND = new Set(["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield", "await"]);

const WORD = /[\p{ID_Continue}$\u200c\u200d]/u;

export function scanSource(source: string): ScannedSource {
  const length = source.length;
  const code = source.split("");
  const lineComments: LineComment[] = [];
  const blank = (from: number, to: number) => {
    for (let k = from; k < Math.min(to, length); k++) if (code[k] !== "\n") code[k] = " ";
  };
  /** For each open `${` of a template literal, the brace depth its `}` returns to. */
  const templates: number[] = [];
  let depth = 0;
  // Whether the last token ends an operand: then `/` divides, otherwise it starts a regular expression.
  let operand = false;
  let lastEnd = 0;

  // Template text from `from` up to its closing backtick or its next `${`; returns where code resumes.
  const templateText = (from: number): number => {
    for (let k = from; k < length; k++) {
      const c = source[k];
      if (c === "\\") {
        k++;
      } else if (c === "`") {
        blank(from, k);
        operand = true;
        return k + 1;
      } else if (c === "$" && source[k + 1] === "{") {
        blank(from, k);
        templates.push(depth++);
        operand = false;
        return k + 2;
      }
    }
    blank(from, length);
    return length;
  };

  let i = 0;
  while (i < length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "/") {
      const end = lineEnd(source, i);
      lineComments.push({ at: i, afterOperand: operand && !source.slice(lastEnd, i).includes("\n") });
      blank(i, end);
      i = end;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      const end = close < 0 ? length : close + 2;
      blank(i, end);
      i = end;
      continue;
    }
    if (c === "'" || c === '"') {
      let k = i + 1;
      while (k < length && source[k] !== c && source[k] !== "\n") k += source[k] === "\\" ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else if (c === "`") {
      i = templateText(i + 1);
      lastEnd = i;
      continue;
    } else if (c === "/" && !operand) {
      const end = regexEnd(source, i);
      blank(i + 1, end);
      i = end;
    } else if (WORD.test(c)) {
      let k = i;
      while (k < length && WORD.test(source[k]!)) k++;
      operand = !BEFORE_OPERAND.has(source.slice(i, k));
      i = k;
      lastEnd = i;
      continue;
    } else if (c === "}" && templates.length > 0 && templates.at(-1) === depth - 1) {
      templates.pop();
      depth--;
      i = templateText(i + 1);
      lastEnd = i;
      continue;
    } else {
      if (c === "{") depth++;
      if (c === "}") depth--;
      operand = c === ")" || c === "]" || c === "}";
      i++;
      lastEnd = i;
      continue;
    }
    operand = true;
    lastEnd = i;
  }
  return { code: code.join(""), lineComments };
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf("\n", from);
  return end < 0 ? source.length : end;
}

/** The end (after its flags) of the regular expression literal starting at `start`. */
function regexEnd(source: string, start: number): number {
  let inClass = false;
  let k = start + 1;
  for (; k < source.length && source[k] !== "\n"; k++) {
    const c = source[k];
    if (c === "\\") k++;
    else if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "/") break;
  }
  k++;
  while (k < source.length && /[a-z]/i.test(source[k]!)) k++;
  return Math.min(k, source.length);
}

/**
 * The function an expression compiles to. Sloppy mode, so `with` can route every free name through the
 * strict scope proxy; the newline before `)` keeps a trailing `//` comment from swallowing the closing paren.
 * Throws SyntaxError for invalid JavaScript; never runs anything.
 */
export function expressionFunction(expr: string): (scope: object) => unknown {
  return new Function("__scope", `with (__scope) { return (${expr}\n); }`) as (scope: object) => unknown;
}
