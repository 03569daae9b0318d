// What a condition (`when`, `changed_when`, `failed_when`) may give besides true and false. In JavaScript
// every list and map is true, the empty ones too, where Jinja's are false; and a var written `no` or `off`
// is a string in YAML 1.2 (true here) where Ansible's YAML 1.1 reads a boolean false. Either would run a
// task an Ansible user means to skip, so such a value is refused with what to write instead. Ansible 2.19
// refuses every value that is not a boolean; here strings, numbers and null keep their truthiness, which is
// Jinja's too (an empty string, 0 and null are false): roles test a path var with `when: "tarball"`.

/** The words YAML 1.1 (Ansible's) reads as booleans; YAML 1.2 (deploy's) only `true` and `false`. */
const YAML11_BOOLEAN = /^(?:y|yes|n|no|on|off|true|false)$/i;

const NAME_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/;

/** Why the value of condition `expr` is refused, or undefined when its truthiness is what Ansible's is. */
export function refusedCondition(value: unknown, expr: string): string | undefined {
  const x = NAME_PATH.test(expr) ? expr : `(${expr})`;
  const gave = `\`${expr}\` gave`;
  const need = "a condition must be true or false";
  if (Array.isArray(value)) {
    return `${gave} a list (${value.length} item${value.length === 1 ? "" : "s"}): ${need}, and every list is true in JavaScript, an empty one too; write \`${x}.length > 0\``;
  }
  if (value !== null && typeof value === "object") {
    return `${gave} a map: ${need}, and every map is true in JavaScript, an empty one too; write \`Object.keys(${x}).length > 0\`, or \`'key' in ${x}\``;
  }
  if (typeof value === "string" && YAML11_BOOLEAN.test(value.trim())) {
    return (
      `${gave} the string ${JSON.stringify(value)}: ${need}, and a non-empty string is true; ` +
      `YAML reads only an unquoted true or false as a boolean (yes/no/on/off are strings): write true or false in the YAML, or compare: \`${x} === 'yes'\``
    );
  }
  if (typeof value === "function") return `${gave} a function: ${need}; call it (\`${x}(...)\`)`;
  if (value === undefined) return `\`${expr}\` has no value (undefined): ${need}`;
  if (typeof value === "number" && Number.isNaN(value)) return `${gave} NaN (arithmetic on a value that is not a number): ${need}`;
  return undefined;
}
