// Jinja and Ansible written where deploy takes JavaScript. Most of it fails anyway (`x is defined` is a
// syntax error, `group_names` an undefined variable), but with JavaScript's own message; this adds what to
// write instead. `//` alone would not fail at all: JavaScript reads it as a comment and silently drops the
// rest of the expression, so it is refused when the expression is compiled.
// Everything here runs when an expression is compiled or has failed, never per evaluation.

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
  [/\s%\s*[(\w'"]/, "Python's `'%s' % x` formatting is a template literal here: `` `${x}` ``"],
];

/** The hints for a failed expression: Jinja-isms in its source, and an Ansible name it used. */
export function habitHints(source: string, undefinedName?: string): string[] {
  const out: string[] = [];
  const top = undefinedName?.split(/[.[]/)[0];
  if (top !== undefined) {
    const instead = ANSIBLE_NAMES[top] ?? (top.startsWith("ansible_") ? "under `facts` (`facts.os`, `facts.arch`, `facts.addresses`... see docs/config.md)" : undefined);
    if (instead) out.push(`\`${top}\` is Ansible's name; deploy's is ${instead}`);
  }
  const filter = FILTER.exec(source);
  if (filter) out.push(`Jinja filters are JavaScript here: \`x | length\` is \`x.length\`, \`x | join(',')\` is \`x.join(',')\`, \`x | default(d)\` is \`'x' in vars ? x : d\``);
  for (const [pattern, hint] of HABITS) if (pattern.test(source)) out.push(hint);
  return out;
}

/** The message with the hints (if any) after it. */
export function withHints(detail: string, source: string, undefinedName?: string): string {
  const hints = habitHints(source, undefinedName);
  return hints.length === 0 ? detail : `${detail}; ${hints.join("; ")}`;
}

/**
 * Where `//` appears outside a string, template literal or escape: JavaScript would read the rest as a
 * comment (`total // 2` gives `total`). URLs in quotes are strings and fine.
 */
export function floorDivisionAt(source: string): number | undefined {
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === "\\") {
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === "`") {
      quote = c;
    } else if (c === "/" && source[i + 1] === "/") {
      return i;
    }
  }
  return undefined;
}

export const FLOOR_DIVISION = "`//` is a comment in JavaScript, not floor division: it drops the rest of the expression; write `Math.floor(a / b)`";

/** JavaScript's message for `'x' in "a string"` quotes both operands; this says what to write instead. */
export function inOperatorMessage(message: string): string | undefined {
  if (!message.startsWith("Cannot use 'in' operator")) return undefined;
  return "`in` looks for a key of a map (or a position of a list), and a string has none: to look for text in a string write `text.includes('x')`";
}
