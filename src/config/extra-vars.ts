// `-e` arguments: `key=value` pairs (`-e 'a=1 msg="hi there"'`), `@vars.yaml` (may be vault-encrypted) or a
// JSON/YAML map `{"k": 1}`. Later arguments win. A `key=value` value stays a string unless it is plainly
// JSON (a whole number, true/false/null, a list or a map) or quoted (then the string written):
// `version=1.10` must not become the number 1.1.
// `key=!secret VALUE` and `{key: !secret VALUE}` mark the value secret, as the tag does in a file.
import path from "node:path";
import { LineCounter } from "yaml";
import type { Location, Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { extraVarHint } from "./ansible-hints.js";
import { RESERVED_NAMES } from "./schemas.js";
import { collectionKeys, parseYaml, SECRET_TAGS, taggedSecrets, yamlMessage } from "./source.js";
import { expressionSyntaxErrors } from "../template/expressions.js";
import { describeValue } from "./validate.js";
import { KeyValueError, keyValueWords, type KeyValueWord } from "./key-value.js";
import { collectSecrets, loadVarsFile, type PasswordProvider } from "./vars-files.js";

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_JSON = /^(?:-?(?:0|[1-9][0-9]*)|true|false|null|".*"|\[.*\]|\{.*\})$/s;

function where(index: number, at = { line: 1, col: 1 }): Location {
  return { file: `-e[${index + 1}]`, line: at.line, col: at.col };
}

function valueOf(text: string): unknown {
  if (!PLAIN_JSON.test(text)) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isMap(value: unknown): value is Vars {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export interface ExtraVarsContext {
  cwd: string;
  problems: Problems;
  secrets: Set<string>;
  password?: PasswordProvider;
}

/**
 * Reserved names, and Ansible's connection vars: `-e ansible_user=admin` would be an ordinary var that
 * changes nothing about the connection, so the run would log in as before, silently.
 */
function checkNames(vars: Vars, at: Location, problems: Problems): Vars {
  for (const name of Object.keys(vars)) {
    const ansible = extraVarHint(name);
    if (ansible !== undefined) problems.add(at, name, `\`${name}\` given with -e does nothing: ${ansible}`);
    if (name === "__proto__") problems.add(at, name, "`__proto__` cannot be a name (JavaScript reserves it)");
    if ((RESERVED_NAMES as readonly string[]).includes(name)) {
      problems.add(at, name, `\`${name}\` is a reserved name in expressions (${RESERVED_NAMES.join(", ")})`);
    }
  }
  return vars;
}

/**
 * The `{{ }}` syntax of values given on the command line (a vars file's are checked as it loads); a value
 * holding one of `secrets` is not quoted in the message.
 */
function checkValues(vars: Vars, at: Location, problems: Problems, secrets: readonly string[] = []): Vars {
  for (const [name, value] of Object.entries(vars)) {
    const leaves = new Set<string>();
    collectSecrets(value, leaves);
    const secret = secrets.some((s) => leaves.has(s));
    for (const message of expressionSyntaxErrors(value, false, secret)) problems.add(at, name, message);
  }
  return vars;
}

/**
 * `-e '{"k": 1}'`: YAML's flow map, so the mistakes a vars file can hold are reported the same way, and a
 * value tagged `!secret` is a secret as in a file.
 */
function parseMap(text: string, index: number, ctx: ExtraVarsContext): Vars {
  const { problems } = ctx;
  const lines = new LineCounter();
  const doc = parseYaml(text, lines, { uniqueKeys: true, customTags: SECRET_TAGS });
  // Before any message: a problem elsewhere in the map must not print a secret in it.
  const secrets = taggedSecrets(doc);
  for (const secret of secrets) ctx.secrets.add(secret);
  // Warnings are unknown tags (`!vault`): the value would silently be the text after the tag.
  const error = doc.errors[0] ?? doc.warnings[0];
  if (error) {
    problems.add(where(index, error.linePos?.[0]), "", `not a valid JSON/YAML map: ${yamlMessage(error, text)}`);
    return {};
  }
  const keys = collectionKeys(doc, text, lines);
  for (const k of keys) problems.add(where(index, k), k.path, k.message);
  if (keys.length > 0) return {};
  const value: unknown = doc.toJS();
  if (!isMap(value)) {
    problems.add(where(index), "", `expected a map, got ${describeValue(value)}`);
    return {};
  }
  return checkValues(checkNames(value, where(index), problems), where(index), problems, secrets);
}

/**
 * `-e 'password=!secret VALUE'` is what `{password: !secret VALUE}` is: a secret. Anything else starting
 * with the tag is refused rather than kept as the literal text (which would become, say, the database
 * password); a literal is still possible quoted as JSON: `-e 'k="!secret x"'`. Messages never show the value.
 */
function secretValue(key: string, secret: string | undefined, at: Location, ctx: ExtraVarsContext): Vars {
  if (secret === undefined || secret === "") {
    const message = secret === ""
      ? `\`!secret\` needs a value: -e '${key}=!secret VALUE'`
      : `a value starting with \`!secret\` must be \`!secret VALUE\` (a space after the tag); for that literal text, quote it as JSON: -e '${key}="..."'`;
    ctx.problems.add(at, key, message);
    return {};
  }
  ctx.secrets.add(secret);
  return checkValues({ [key]: secret }, at, ctx.problems, [secret]);
}

async function parseOne(arg: string, index: number, ctx: ExtraVarsContext): Promise<Vars> {
  const { problems } = ctx;
  const text = arg.trim();
  if (text.startsWith("@")) {
    if (text === "@") {
      problems.add(where(index), "", "`@` needs a file name: -e @vars.yaml");
      return {};
    }
    const file = path.resolve(ctx.cwd, text.slice(1));
    const loaded = await loadVarsFile(file, { location: where(index), path: "", written: text.slice(1) }, ctx);
    return loaded ? checkNames(loaded, where(index), problems) : {};
  }
  if (text.startsWith("{")) return parseMap(text, index, ctx);
  return parsePairs(arg, index, ctx);
}

/**
 * `-e 'a=1 msg="hello world"'`: every pair sets its var, as ansible-playbook does (one var holding
 * `1 msg=...` would quietly be wrong). A word without `=` is refused, and an argument holding `!secret`
 * anywhere is never quoted in a message, since a word of it may be the secret.
 */
function parsePairs(arg: string, index: number, ctx: ExtraVarsContext): Vars {
  const { problems } = ctx;
  const quotable = !arg.includes("!secret");
  const shown = (text: string) => (quotable ? `, got \`${text}\`` : "");
  const at = (offset: number) => where(index, { line: 1, col: offset + 1 });
  let words: KeyValueWord[];
  try {
    words = keyValueWords(arg);
  } catch (error: unknown) {
    if (!(error instanceof KeyValueError)) throw error;
    problems.add(at(error.at), "", `${error.message}${quotable ? (error.example ?? "") : ""}`);
    return {};
  }
  if (words.length === 0) {
    problems.add(where(index), "", `expected key=value, @file.yaml or a JSON map${shown(arg)}`);
    return {};
  }
  const vars: Vars = {};
  for (const [n, word] of words.entries()) {
    const { key } = word;
    if (key === undefined || key === "") {
      const message =
        n === 0 || key === ""
          ? `expected key=value, @file.yaml or a JSON map${shown(arg.slice(word.at).split(/\s/)[0] ?? "")}`
          : `expected another key=value${shown(word.value)}: the pairs of one -e are separated by spaces, so a value with spaces is quoted: -e 'msg="hello world"'`;
      problems.add(at(word.at), "", message);
      continue;
    }
    Object.assign(vars, pairValue(key, word, at(word.at), ctx));
  }
  return vars;
}

function pairValue(key: string, word: KeyValueWord, at: Location, ctx: ExtraVarsContext): Vars {
  const { problems } = ctx;
  if (!VAR_NAME.test(key)) {
    problems.add(at, key, "a var name uses letters, digits and '_' and does not start with a digit");
    return {};
  }
  checkNames({ [key]: undefined }, at, problems);
  // `!secretX`: no space after the tag.
  if (word.secret !== undefined || (!word.quoted && word.value.startsWith("!secret"))) return secretValue(key, word.secret, at, ctx);
  // A quoted value is the string written (`n="2"`), as JSON's quotes made it before.
  return checkValues({ [key]: word.quoted ? word.value : valueOf(word.value) }, at, problems);
}

export async function parseExtraVars(args: readonly string[], ctx: ExtraVarsContext): Promise<Vars> {
  let vars: Vars = {};
  for (const [i, arg] of args.entries()) vars = { ...vars, ...(await parseOne(arg, i, ctx)) };
  return vars;
}
