// Jinja and Ansible written where deploy takes JavaScript. Most of it fails anyway (`x is defined` is a
// syntax error, `group_names` an undefined variable), but with JavaScript's own message; this adds what to
// write instead, looking at the code only (not inside strings, regular expressions or comments). `total // 2`
// would not fail at all: JavaScript reads `//` as a comment and silently drops the rest of the line, so that
// is refused when the expression is compiled; a `//` that is really a comment is left alone.
// Everything here runs when an expression is compiled or has failed, never per evaluation.
import { expressionFunction, scanSource } from "./js-scan.js";

/** Ansible names an expression may use by habit, and what deploy calls them (docs/config.md). */
const ANSIBLE_NAMES: Record<string, string> = {
  inventory_hostname: "`host.name`",
  inventory_hostname_short: "`host.name.split('.')[0]`",
  group_names: "`host.groups`",
  hostvars: "`hosts` (a host's inventory vars: `hosts[name].vars`)",
  ansible_host: "`host.address`",
  ansible_port: "`host.port`",
  ansible_facts: "`facts`",
  ansible_os_family: "`facts.os.family`, a list: `facts.os.family.includes('debian')`",
  ansible_distribution: "`facts.os.id` ('debian', 'ubuntu')",
  ansible_distribution_version: "`facts.os.version`",
  ansible_distribution_major_version: "`facts.os.version.split('.')[0]`",
  ansible_distribution_release: "`facts.os.codename`",
  ansible_architecture: "`facts.arch`",
  ansible_hostname: "`facts.hostname`",
  ansible_memtotal_mb: "`facts.memoryMb`",
  ansible_processor_vcpus: "`facts.cpus`",
  ansible_all_ipv4_addresses: "`facts.addresses`",
  ansible_service_mgr: "`facts.init`",
  ansible_pkg_mgr: "`facts.packageManager`",
  True: "`true`",
  False: "`false`",
  None: "`null`",
};

/** Jinja filters written with `|`, by their usual names (a single `|` is JavaScript's bitwise or). */
const FILTER = /(?<![|])\|(?![|])\s*(length|count|default|d|join|lower|upper|int|float|string|bool|trim|first|last|unique|sort|list|map|select|reject|selectattr|to_json|to_yaml|from_json|replace|regex_replace|regex_search|basename|dirname|b64encode|b64decode|quote|min|max|sum|dict2items|items2dict|combine|ternary|mandatory)\b/;

const HABITS: Array<[RegExp, string]> = [
  [/\bis\s+not\s+defined\b/, "`x is not defined` is `!('x' in vars)` here"],
  [/\bis\s+(?!not\b)defined\b/, "`x is defined` is `'x' in vars` here (`'key' in obj` for a key of a map)"],
  [/\bis\s+(?:not\s+)?(?:none|string|number|mapping|iterable|changed|failed|succeeded|success|skipped)\b/, "Jinja tests (`is changed`, `is failed`) are properties or comparisons here: `result.changed`, `result.failed`, `x === null`"],
  [/(?:^|[\s(])not\s+[\w'"(!]/, "`not x` is `!x` here"],
  [/\s(?:and|or)\s/, "`and` / `or` are `&&` / `||` here"],
  [/\{%|%\}/, "`{% %}` blocks do not exist: a condition is one expression, and templates are EJS (`<% %>`)"],
  // Only a string on the left: `n % 2` is JavaScript's remainder.
  [/['"]\s*%\s*[(\w'"]/, "Python's `'%s' % x` formatting is a template literal here: `` `${x}` ``"],
];

/** The hints for a failed expression: Jinja-isms in its source, and an Ansible name it used. */
export function habitHints(source: string, undefinedName?: string): string[] {
  const out: string[] = [];
  const top = undefinedName?.split(/[.[]/)[0];
  if (top !== undefined) {
    const instead = ANSIBLE_NAMES[top] ?? (top.startsWith("ansible_") ? "under `facts` (`facts.os`, `facts.arch`, `facts.addresses`... see docs/config.md)" : undefined);
    if (instead) out.push(`\`${top}\` is Ansible's name; deploy's is ${instead}`);
  }
  // Strings keep their quotes and lose their text: `'a and b'` is no `and`, `'%s' % x` still has its quote.
  const code = scanSource(source).code;
  if (FILTER.test(code)) out.push(`Jinja filters are JavaScript here: \`x | length\` is \`x.length\`, \`x | join(',')\` is \`x.join(',')\`, \`x | default(d)\` is \`'x' in vars ? x : d\``);
  for (const [pattern, hint] of HABITS) if (pattern.test(code)) out.push(hint);
  return out;
}

/** The message with the hints (if any) after it. */
export function withHints(detail: string, source: string, undefinedName?: string): string {
  const hints = habitHints(source, undefinedName);
  return hints.length === 0 ? detail : `${detail}; ${hints.join("; ")}`;
}

/**
 * The words a one-word comment is made of (`x // TODO`, `// fixme: later`, `// TODO(ana)`): markers nobody
 * divides by. Any other single name after an operand (`a // b`, `total // step`) reads as floor division as
 * well as a comment, and nothing in the text tells which was meant, so it stays refused.
 */
const COMMENT_MARKER = /^(?:todo|fixme|xxx|hack|note)\b(?:\([^)]*\))?\s*:?$/i;

/**
 * Where a `//` reads as floor division (`total // 2`, `a//b`), which JavaScript takes for a comment. A `//`
 * is a comment when nothing but space comes before it on its line (or after it), when the rest of its line
 * is no code (`host.name === 'local' // only the local host`): taking that `//` for a `/` must still compile
 * for it to be division, or when it is a marker (`x // todo`). Another one-word comment after an operand
 * reads as both, and is refused: the message says how to write a comment.
 */
export function floorDivisionAt(source: string): number | undefined {
  for (const comment of scanSource(source).lineComments) {
    if (!comment.afterOperand) continue;
    const end = source.indexOf("\n", comment.at);
    const rest = source.slice(comment.at + 2, end < 0 ? undefined : end).trim();
    if (rest === "" || COMMENT_MARKER.test(rest)) continue;
    try {
      expressionFunction(`${source.slice(0, comment.at)}/ ${source.slice(comment.at + 2)}`);
      return comment.at;
    } catch {
      // Not code as a division: a comment.
    }
  }
  return undefined;
}

export const FLOOR_DIVISION =
  "`//` is a comment in JavaScript, not floor division: it drops the rest of the line; write `Math.floor(a / b)` (a comment goes on a line of its own, or in `/* */`)";

/** JavaScript's message for `'x' in "a string"` quotes both operands; this says what to write instead. */
export function inOperatorMessage(message: string): string | undefined {
  if (!message.startsWith("Cannot use 'in' operator")) return undefined;
  return "`in` looks for a key of a map (or a position of a list), and a string has none: to look for text in a string write `text.includes('x')`";
}
