// zod issues -> located Problems. Each issue's path is walked through the YAML document to find the line:
// unknown keys point at the key (with a "did you mean" hint from the schema's own key list), missing keys
// at the parent that should hold them, everything else at the offending value.
import type { z } from "zod";
import type { Problems } from "./problems.js";
import { formatPath, type PathSegment, type SourceFile } from "./source.js";
import { locate } from "./locate.js";
import { didYouMean } from "./suggest.js";
import { hintOr, type HintPlace } from "./ansible-hints.js";

type Issue = z.core.$ZodIssue;

export interface ValidateOptions {
  /** Path of `value` inside the document (when validating a part of a file). */
  base?: readonly PathSegment[];
  /** Return true to drop an issue (e.g. a type error on a `{{ }}` value that renders at run time). */
  skip?: (issue: Issue) => boolean;
  /** Extra words for messages about unknown keys at the top of `value` (e.g. module names in a task). */
  extraKeys?: readonly string[];
  /** zod's per-parse error map: messages that know the value was read from YAML. */
  error?: z.core.$ZodErrorMap;
  /** Where an unknown key at `path` was written, for an Ansible habit's hint (ansible-hints.ts). */
  hintPlace?: (path: readonly PathSegment[]) => HintPlace | undefined;
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Wrappers that stand for one inner schema (optional, default, pipe, lazy...). */
const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** The schema a wrapper stands for; undefined when the schema is not a wrapper. */
function unwrapped(def: Def): z.ZodType | undefined {
  if (WRAPPERS.has(def.type)) return def.innerType;
  if (def.type === "pipe") return def.in;
  if (def.type === "lazy") return def.getter?.();
  return undefined;
}

/** The object schemas a (possibly wrapped) schema can be, for listing known keys. */
function objectShapes(schema: z.ZodType | undefined, depth = 0): Record<string, z.ZodType>[] {
  if (!schema || depth > 30) return [];
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return def.shape ? [def.shape] : [];
    case "union":
      return (def.options ?? []).flatMap((o) => objectShapes(o, depth + 1));
    case "intersection":
      return [...objectShapes(def.left, depth + 1), ...objectShapes(def.right, depth + 1)];
    default: {
      const inner = unwrapped(def);
      return inner ? objectShapes(inner, depth + 1) : [];
    }
  }
}

/** Follow one path segment into a schema (object key, array element, record value). */
function child(schema: z.ZodType | undefined, segment: PathSegment, depth = 0): z.ZodType | undefined {
  if (!schema || depth > 30) return undefined;
  const def = defOf(schema);
  switch (def.type) {
    case "object":
      return def.shape?.[String(segment)];
    case "array":
      return def.element;
    case "record":
      return def.valueType;
    case "union":
    case "intersection":
      for (const option of def.options ?? [def.left, def.right]) {
        const found = child(option, segment, depth + 1);
        if (found) return found;
      }
      return undefined;
    default: {
      const inner = unwrapped(def);
      return inner ? child(inner, segment, depth + 1) : undefined;
    }
  }
}

export function knownKeys(schema: z.ZodType, path: readonly PathSegment[]): string[] {
  let here: z.ZodType | undefined = schema;
  for (const segment of path) here = child(here, segment);
  return objectShapes(here).flatMap((shape) => Object.keys(shape));
}

/** The schema at `path` with its wrappers (optional, default...) taken off: which kind of value goes there. */
export function schemaAt(schema: z.ZodType, path: readonly PathSegment[]): z.ZodType | undefined {
  let here: z.ZodType | undefined = schema;
  for (const segment of path) here = child(here, segment);
  for (let depth = 0; here && depth < 30; depth++) {
    const inner = unwrapped(defOf(here));
    if (!inner) return here;
    here = inner;
  }
  return here;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let here = value;
  for (const segment of path) {
    if (here === null || typeof here !== "object") return undefined;
    here = (here as Record<PropertyKey, unknown>)[segment];
  }
  return here;
}

/** A short, human description of a wrong value: `a number (644)`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return "a list";
  if (Buffer.isBuffer(value)) return "binary data";
  switch (typeof value) {
    case "string":
      return `a string ("${value.length > 40 ? value.slice(0, 40) + "…" : value}")`;
    case "number":
      return `a number (${value})`;
    case "boolean":
      return `a boolean (${value})`;
    case "object":
      return "a map";
    default:
      return typeof value;
  }
}

const ARTICLE: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "a boolean (true/false)",
  array: "a list",
  object: "a map",
  record: "a map",
};

function typeWord(expected: string): string {
  return ARTICLE[expected] ?? expected;
}

function segments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((s) => (typeof s === "number" ? s : String(s)));
}

function sizeMessage(issue: Extract<Issue, { code: "too_big" | "too_small" }>): string {
  const big = issue.code === "too_big";
  const limit = Number(big ? (issue as { maximum: number | bigint }).maximum : (issue as { minimum: number | bigint }).minimum);
  const inclusive = issue.inclusive !== false;
  const bound = big ? (inclusive ? "at most" : "less than") : inclusive ? "at least" : "more than";
  switch (issue.origin) {
    case "string":
      return !big && limit === 1 && inclusive ? "must not be empty" : `must have ${bound} ${limit} characters`;
    case "array":
    case "set":
      return !big && limit === 1 && inclusive ? "must not be an empty list" : `must have ${bound} ${limit} items`;
    default:
      return !big && limit === 0 && !inclusive ? "must be greater than 0" : `must be ${bound} ${limit}`;
  }
}

/** Reduce a union failure to something a user can act on. */
function unionIssues(issue: Extract<Issue, { code: "invalid_union" }>): Issue[] | string {
  const branches = issue.errors;
  const typeOnly = (list: Issue[]) => list.length > 0 && list.every((i) => i.code === "invalid_type" && i.path.length === 0);
  if (branches.length > 0 && branches.every(typeOnly)) {
    const expected = [...new Set(branches.flatMap((b) => b.map((i) => (i.code === "invalid_type" ? typeWord(i.expected) : ""))))];
    return `expected ${expected.join(" or ")}`;
  }
  const deeper = branches.find((b) => !typeOnly(b));
  return deeper ? deeper.map((i) => ({ ...i, path: [...issue.path, ...i.path] })) : issue.message;
}

/**
 * Validate `value` with `schema`; report every issue as a located Problem. Returns the parsed data,
 * or undefined when anything was wrong.
 */
export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
  source: SourceFile,
  problems: Problems,
  options: ValidateOptions = {},
): T | undefined {
  const result = schema.safeParse(value, options.error ? { error: options.error } : undefined);
  if (result.success) return result.data;
  const base = options.base ?? [];
  const pending: Issue[] = [...result.error.issues];
  while (pending.length > 0) {
    const issue = pending.shift()!;
    if (options.skip?.(issue)) continue;
    const path = segments(issue.path);
    if (issue.code === "unrecognized_keys") {
      const known = [...knownKeys(schema, path), ...(path.length === 0 ? (options.extraKeys ?? []) : [])];
      for (const key of issue.keys) {
        const full = [...base, ...path, key];
        const place = options.hintPlace?.(path);
        const hint = place ? hintOr(key, place, () => didYouMean(key, known)) : didYouMean(key, known);
        problems.add(locate(source, full, "key"), formatPath(full), `unknown key \`${key}\`${hint}`);
      }
      continue;
    }
    if (issue.code === "invalid_union") {
      // A union's own message (the schema's `error`) says more than the list of types it takes.
      if (!issue.message.startsWith("Invalid input")) {
        const full = [...base, ...path];
        problems.add(locate(source, full), formatPath(full), issue.message);
        continue;
      }
      const reduced = unionIssues(issue);
      if (typeof reduced !== "string") {
        pending.unshift(...reduced);
        continue;
      }
      const got = valueAt(value, issue.path);
      const full = [...base, ...path];
      problems.add(locate(source, full), formatPath(full), `${reduced}, got ${describeValue(got)}`);
      continue;
    }
    const full = [...base, ...path];
    const got = valueAt(value, issue.path);
    let message = issue.message;
    if (issue.code === "invalid_type" && message.startsWith("Invalid input")) {
      message = got === undefined ? "missing (required)" : `expected ${typeWord(issue.expected)}, got ${describeValue(got)}`;
    } else if ((issue.code === "too_big" || issue.code === "too_small") && /^Too (big|small)/.test(message)) {
      message = sizeMessage(issue);
    } else if (issue.code === "invalid_value" && message.startsWith("Invalid option")) {
      const options = issue.values.map((v) => String(v));
      const hint = typeof got === "string" ? didYouMean(got, options) : "";
      message = `must be one of: ${options.join(", ")}; got ${describeValue(got)}${hint}`;
    } else if (message.startsWith("Invalid input: expected")) {
      message = message.replace(/^Invalid input: /, "");
    }
    problems.add(locate(source, full), formatPath(full), message);
  }
  return undefined;
}
