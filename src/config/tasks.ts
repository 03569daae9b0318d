// One task (or handler) map -> Task. Every key that is not a task keyword names the module; its value is the
// module's parameters, checked with the module's own zod schema. Values containing `{{ }}` render per host
// at run time, so type errors at those paths are left for then; unknown parameter names are errors now.
import type { z } from "zod";
import { paramErrors } from "../modules/lib/param-origin.js";
import { modeSchema } from "../modules/lib/params.js";
import { radixModeMessage, writtenText } from "./mode-text.js";
import { getModule, moduleNames } from "../modules/registry.js";
import { expressionSyntaxErrors } from "../template/expressions.js";
import type { Handler, Location, Task, Vars } from "./model.js";
import type { Problems } from "./problems.js";
import { RESERVED_NAMES, TASK_KEYWORDS, asCondition, asList, handlerKeywordsSchema, taskKeywordsSchema } from "./schemas.js";
import { formatPath, type PathSegment, type SourceFile } from "./source.js";
import { locate } from "./locate.js";
import { didYouMean } from "./suggest.js";
import { hintOr } from "./ansible-hints.js";
import { describeValue, validate } from "./validate.js";

/** Modules whose parameters may be written as one string: `command: echo hi` = `command: { cmd: echo hi }`. */
const STRING_SHORTHAND: Record<string, string> = { command: "cmd", shell: "cmd" };

export function hasTemplate(value: unknown): boolean {
  return typeof value === "string" && value.includes("{{");
}

/** True when the value at `path`, or any value on the way to it, renders at run time. */
function templatedAt(value: unknown, path: readonly PropertyKey[]): boolean {
  let here = value;
  if (hasTemplate(here)) return true;
  for (const segment of path) {
    if (here === null || typeof here !== "object") return false;
    here = (here as Record<PropertyKey, unknown>)[segment];
    if (hasTemplate(here)) return true;
  }
  return false;
}

/** Report syntax errors of the `{{ }}` expressions in a value (or of a bare condition) at `path`. */
export function checkExpressions(value: unknown, source: SourceFile, path: PathSegment[], problems: Problems, bare = false, secret = false): void {
  if (value === undefined || typeof value === "boolean") return;
  for (const message of expressionSyntaxErrors(value, bare, secret)) problems.add(locate(source, path), formatPath(path), message);
}

/** A `when`-like field's syntax: each item of a list at its own position. */
export function checkConditions(value: unknown, source: SourceFile, path: PathSegment[], problems: Problems): void {
  if (Array.isArray(value)) value.forEach((item, i) => checkExpressions(item, source, [...path, i], problems, true));
  else checkExpressions(value, source, path, problems, true);
}

export interface ParsedTask {
  task: Task;
  /** Path of the module's parameters inside the file (for later checks of `src`). */
  paramsPath: PathSegment[];
  source: SourceFile;
}

function isMap(value: unknown): value is Vars {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Ansible's `apt: name=nginx state=present`: the same parameters as a map, which is how deploy reads them. */
function keyValueHint(value: unknown): string {
  if (typeof value !== "string" || !/^\s*[A-Za-z_]\w*=/.test(value)) return "";
  const pairs = value.trim().split(/\s+/).map((word) => word.split("="));
  if (!pairs.every((pair) => pair.length >= 2 && /^[A-Za-z_]\w*$/.test(pair[0]!))) return " (key=value strings are not read: write a map)";
  return ` (key=value strings are not read: write \`{ ${pairs.map(([k, ...v]) => `${k}: ${v.join("=")}`).join(", ")} }\`)`;
}

function defaultName(module: string, params: Vars): string {
  const first = Object.values(params).find((v) => typeof v === "string" || typeof v === "number" || typeof v === "boolean");
  if (first === undefined) return module;
  const text = String(first);
  return `${module}: ${text.length > 60 ? text.slice(0, 57) + "..." : text}`;
}

/** zod's messages for parameters read from YAML: a mode written `0o755` is said to be the octal number it is. */
function yamlParamErrors(source: SourceFile, paramsPath: PathSegment[]): z.core.$ZodErrorMap {
  const messages = paramErrors("yaml");
  return (issue) => {
    if (issue.code === "invalid_type" && issue.inst === modeSchema && typeof issue.input === "number") {
      const radix = radixModeMessage(issue.input, writtenText(source, [...paramsPath, ...(issue.path ?? []).filter((s): s is PathSegment => typeof s !== "symbol")]));
      if (radix !== undefined) return radix;
    }
    return messages(issue);
  };
}

/**
 * Parse a task (`kind: "task"`) or handler. `role` is the role name for role files.
 * Returns undefined when the task cannot be used (problems were added).
 */
export function parseTask(
  raw: unknown,
  source: SourceFile,
  path: PathSegment[],
  problems: Problems,
  kind: "task" | "handler",
  role?: string,
): ParsedTask | undefined {
  const location: Location = locate(source, path);
  const where = formatPath(path);
  if (!isMap(raw)) {
    problems.add(location, where, `a ${kind} must be a map with one module key (e.g. \`command: echo hi\`), got ${describeValue(raw)}`);
    return undefined;
  }
  const keywords = kind === "handler" ? TASK_KEYWORDS : TASK_KEYWORDS.filter((k) => k !== "listen");
  const candidates = Object.keys(raw).filter((k) => !keywords.includes(k));
  const modules = candidates.filter((k) => getModule(k) !== undefined);
  const known = [...keywords, ...moduleNames()];
  let ok = true;
  for (const key of candidates) {
    if (modules.includes(key)) continue;
    const full = [...path, key];
    const hint = hintOr(key, "task", () => didYouMean(key, known));
    problems.add(locate(source, full, "key"), formatPath(full), `unknown module or ${kind} keyword \`${key}\`${hint}`);
    ok = false;
  }
  if (modules.length > 1) {
    problems.add(location, where, `a ${kind} runs exactly one module; found ${modules.map((m) => `\`${m}\``).join(" and ")}`);
    return undefined;
  }
  if (modules.length === 0) {
    if (ok) problems.add(location, where, `a ${kind} needs a module key (one of: ${moduleNames().join(", ")})`);
    return undefined;
  }
  const moduleName = modules[0]!;
  const module = getModule(moduleName)!;

  const keywordValues: Vars = {};
  for (const [k, v] of Object.entries(raw)) if (k !== moduleName && keywords.includes(k)) keywordValues[k] = v;
  const schema = kind === "handler" ? handlerKeywordsSchema : taskKeywordsSchema;
  const kw = validate(schema as z.ZodType<z.infer<typeof handlerKeywordsSchema>>, keywordValues, source, problems, { base: path });

  // Parameters: a map, nothing, or the string shorthand.
  const paramsPath = [...path, moduleName];
  const rawParams = raw[moduleName];
  let params: Vars | undefined;
  const shorthand = STRING_SHORTHAND[moduleName];
  if (rawParams === null || rawParams === undefined) params = {};
  else if (typeof rawParams === "string" && shorthand) params = { [shorthand]: rawParams };
  else if (isMap(rawParams)) params = rawParams;
  else {
    const allowed = shorthand ? `a map of parameters or a command line string` : "a map of parameters";
    problems.add(locate(source, paramsPath), formatPath(paramsPath), `expected ${allowed}, got ${describeValue(rawParams)}${keyValueHint(rawParams)}`);
  }
  if (params !== undefined) {
    const p = params;
    validate(module.schema as z.ZodType<unknown>, p, source, problems, {
      base: paramsPath,
      skip: (issue) => issue.code !== "unrecognized_keys" && templatedAt(p, issue.path),
      error: yamlParamErrors(source, paramsPath),
    });
  }
  // Expression syntax is checked now; names are checked per host at run time.
  const expressions: Array<[string, unknown, boolean]> = [
    // A handler's name is what `notify` matches, as written; a task's is rendered for the report.
    ["name", kind === "task" ? kw?.name : undefined, false],
    ["when", kw?.when, true],
    ["changed_when", kw?.changed_when, true],
    ["failed_when", kw?.failed_when, true],
    ["loop", kw?.loop, false],
    ["delegate_to", kw?.delegate_to, false],
  ];
  for (const [key, value, bare] of expressions) {
    if (bare) checkConditions(value, source, [...path, key], problems);
    else checkExpressions(value, source, [...path, key], problems);
  }
  if (params) checkExpressions(params, source, paramsPath, problems);
  if (!kw || !params || !ok) return undefined;
  if (kw?.register !== undefined && (RESERVED_NAMES as readonly string[]).includes(kw.register)) {
    const at = [...path, "register"];
    problems.add(locate(source, at), formatPath(at), `\`${kw.register}\` is a reserved name in expressions (${RESERVED_NAMES.join(", ")})`);
    return undefined;
  }
  if (kind === "handler" && kw.name === undefined) {
    problems.add(location, where, "a handler needs a name: tasks notify it by name");
    return undefined;
  }
  const task: Task = {
    name: kw.name ?? defaultName(moduleName, params),
    module: moduleName,
    params,
    when: asCondition(kw.when),
    loop: kw.loop,
    register: kw.register,
    notify: asList(kw.notify),
    tags: asList(kw.tags),
    changedWhen: asCondition(kw.changed_when),
    failedWhen: asCondition(kw.failed_when),
    ignoreErrors: kw.ignore_errors ?? false,
    become: kw.become,
    delegateTo: kw.delegate_to,
    role,
    location,
  };
  if (kind === "handler") (task as Handler).listen = asList(kw.listen);
  return { task, paramsPath, source };
}
