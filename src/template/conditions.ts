// What a condition (`when`, `changed_when`, `failed_when`) may give besides true and false. In JavaScript
// every list and map is true, the empty ones too, where Jinja's are false; and a var written `no` or `off`
// is a string in YAML 1.2 (true here) where Ansible's YAML 1.1 reads a boolean false. Either would run a
// task an Ansible user means to skip, so such a value is refused with what to write instead. Ansible 2.19
// refuses every value that is not a boolean; here strings, numbers and null keep their truthiness, which is
// Jinja's too (an empty string, 0 and null are false): roles test a path var with `when: "tarball"`.
//
// A name or path (`packages`, `out.stdout_lines`) holding a list or map is Ansible's `when: packages`: it is
// refused even with items, before the day it is empty. A value the expression computes is JavaScript
// written on purpose and is refused only where it reads otherwise than meant: an empty list or map. So
// `host.name.match(/^lo/)` and `re.exec(s)` (null, or a list of at least one item) test as they always did,
// and `.filter(...)` fails only when it finds nothing, which is when it would have been wrongly true.
// Undefined is the same: `list.find(...)` and `cfg?.enabled` give it for "none", so it is false, as in
// JavaScript; a name or path cannot be undefined (the strict scope refuses a missing one), but one whose
// value is undefined is refused with the test to write.

/** The words YAML 1.1 (Ansible's) reads as booleans; YAML 1.2 (deploy's) only `true` and `false`. */
const YAML11_BOOLEAN = /^(?:y|yes|n|no|on|off|true|false)$/i;

const AFFIRMATIVE: Record<string, string> = { y: "y", n: "y", yes: "yes", no: "yes", on: "on", off: "on", true: "true", false: "true" };

const NAME_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/;

/** Where the value of a condition came from, when its first name tells: a var, or a registered result. */
export type ConditionSource = "var" | "registered" | undefined;

/** Why the value of condition `expr` is refused, or undefined when its truthiness is what Ansible's is. */
export function refusedCondition(value: unknown, expr: string, source?: ConditionSource): string | undefined {
  const path = NAME_PATH.test(expr);
  const x = path ? expr : `(${expr})`;
  const gave = `\`${expr}\` gave`;
  const need = "a condition must be true or false";
  if (Array.isArray(value)) {
    if (!path && value.length > 0) return undefined;
    return `${gave} a list (${value.length} item${value.length === 1 ? "" : "s"}): ${need}, and every list is true in JavaScript, an empty one too; write \`${x}.length > 0\``;
  }
  if (value !== null && typeof value === "object") {
    if (!path && Object.keys(value).length > 0) return undefined;
    return `${gave} a map: ${need}, and every map is true in JavaScript, an empty one too; write \`Object.keys(${x}).length > 0\`, or \`'key' in ${x}\``;
  }
  if (typeof value === "string" && YAML11_BOOLEAN.test(value.trim())) return `${gave} the string ${JSON.stringify(value)}: ${need}, and a non-empty string is true; ${yesNoFix(value, expr, x, source)}`;
  if (typeof value === "function") return `${gave} a function: ${need}; call it (\`${x}(...)\`)`;
  if (value === undefined && path) return `\`${expr}\` has no value (undefined): ${need}; write \`${expr} !== undefined\``;
  if (typeof value === "number" && Number.isNaN(value)) return `${gave} NaN (arithmetic on a value that is not a number): ${need}`;
  return undefined;
}

/** The fix for a yes/no word, said for where it came from: command output is compared, a var written as a boolean. */
function yesNoFix(value: string, expr: string, x: string, source: ConditionSource): string {
  // Compared with the word for true, as the bare condition meant: `=== 'no'` would read the other way round.
  const word = value.trim();
  const yes = AFFIRMATIVE[word.toLowerCase()] ?? "yes";
  const cased = word === word.toUpperCase() ? yes.toUpperCase() : word[0] === word[0]!.toUpperCase() ? yes[0]!.toUpperCase() + yes.slice(1) : yes;
  const compare = `\`${word === value ? x : `${x}.trim()`} === '${cased}'\``;
  if (source === "registered") return `a command's output is text, never a boolean: compare: ${compare}`;
  const name = source === "var" && /^[A-Za-z_]\w*$/.test(expr) ? expr : "NAME";
  return (
    "YAML reads only an unquoted true or false as a boolean (yes/no/on/off are strings), and so does -e: " +
    `write true or false (in the YAML, or \`-e ${name}=true\`), or compare: ${compare}`
  );
}
