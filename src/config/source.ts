// One YAML file read with positions, so every later check can point at `file:line:col`.
// Syntax problems (tabs, duplicate keys, keys that are lists or maps such as an unquoted `{{ x }}`, binary
// data, an empty file, unresolved aliases) become located Problems here; the caller gets `undefined` as the
// value and simply skips the file's other checks.
import { Alias, LineCounter, isAlias, isCollection, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument, visit } from "yaml";
import type { CollectionTag, Document, Node, Pair, ParsedNode, YAMLError, YAMLMap } from "yaml";
import type { Location } from "./model.js";
import { isMergeKey, nodeOffset } from "./locate.js";
import type { Problems } from "./problems.js";
import { readFailureReason, readInput } from "../util/read-input.js";
import { invalidUtf8Offset, lineAndColumn } from "../util/utf8.js";

export type PathSegment = string | number;

export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** The file's value as plain data (merge keys and aliases resolved). */
  value: unknown;
  /** Values written with the `!secret` tag: redacted from every report. */
  secrets: string[];
}

/** `password: !secret hunter2` marks a value secret; the value itself stays an ordinary string. */
const SECRET_TAG = { tag: "!secret", resolve: (value: string) => value };

/** `!secret` on a list or a map is an error in the user's words (the library would say "Unresolved tag"). */
const SECRET_ON_COLLECTION: CollectionTag[] = (["map", "seq"] as const).map((collection) => ({
  tag: "!secret",
  collection,
  resolve(value, onError) {
    onError(`!secret applies to a scalar value (a string or number), not a ${collection === "seq" ? "list" : "map"}`);
    return value;
  },
}));

/** The custom tags of every YAML text deploy reads (files and `-e '{...}'`). */
export const SECRET_TAGS = [SECRET_TAG, ...SECRET_ON_COLLECTION];

/** The values written with the `!secret` tag. */
export function taggedSecrets(doc: Document.Parsed): string[] {
  const secrets: string[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (node.tag === SECRET_TAG.tag && node.value !== null && node.value !== undefined) secrets.push(String(node.value));
    },
  });
  return secrets;
}

/** A problem found in a parsed document, before its file is known (`-e` arguments share these checks). */
export interface YamlIssue {
  line: number;
  col: number;
  path: string;
  message: string;
}


/** Dotted path for messages: `hosts.web-01.port`, `[0].tasks[2].command`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}

/** First byte that makes the file binary rather than text: NUL/control characters or invalid UTF-8. */
function binaryOffset(bytes: Buffer): number | undefined {
  let first: number | undefined;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) {
      first = i;
      break;
    }
  }
  return invalidUtf8Offset(first === undefined ? bytes : bytes.subarray(0, first)) ?? first;
}

function firstLine(message: string): string {
  return message.replace(/ at line \d+, column \d+:[\s\S]*$/, "").split("\n")[0] ?? message;
}

/** A library message, reworded where it speaks to programmers (API names, tag resolution) rather than users. */
export function yamlMessage(error: YAMLError, text: string): string {
  if (error.code === "MULTIPLE_DOCS") {
    // parseDocument stops at the second document; count them all only on this error path.
    return `only one YAML document is allowed, found ${parseAllDocuments(text).length} (the second starts here)`;
  }
  const tag = /^Unresolved tag: (\S+)/.exec(error.message);
  if (error.code === "TAG_RESOLVE_FAILED" && tag?.[1] === "!vault") {
    return "Ansible's inline `!vault` value is not read: keep it in a vault file (`deploy vault encrypt`) listed in the inventory's `settings.vars_files` or given with `-e @file`";
  }
  if (error.code === "TAG_RESOLVE_FAILED" && tag) return `unknown tag ${tag[1]} (the tag deploy knows is !secret)`;
  return firstLine(error.message);
}

/**
 * A syntax error after an unquoted `{{` that starts a value (`a: {{ f('x', y) }}`, `- {{ dir }}/b`) is that
 * mistake; the parser's own message ("Missing , or : between flow map items") would not say so.
 */
function unquotedTemplate(lines: readonly string[], at: { line: number; col: number }): { at: { line: number; col: number }; message: string } | undefined {
  const line = lines[at.line - 1] ?? "";
  const start = line.indexOf("{{");
  // Only where a value starts: after indentation, `- ` or `key: `, with no quote or comment before it.
  if (start < 0 || start >= at.col - 1 || !/^(?:\s*|[^'"#]*[:-]\s+)$/.test(line.slice(0, start))) return undefined;
  const value = line.slice(start).replace(/\s+#.*$/, "").trimEnd();
  return { at: { line: at.line, col: start + 1 }, message: `a value starting with {{ must be quoted: ${quoted(value)}` };
}

/**
 * The syntax problems worth showing. Duplicate keys are independent mistakes and all reported; other
 * syntax errors cascade (one stray tab yields four "unexpected token" errors), so only the first is kept,
 * and a tab in the indentation at or before it is named as the cause.
 */
function syntaxIssues(doc: Document.Parsed, text: string): Array<{ at: { line: number; col: number }; message: string }> {
  const out: Array<{ at: { line: number; col: number }; message: string }> = [];
  const at = (e: { linePos?: [{ line: number; col: number }, ...unknown[]] }) => e.linePos?.[0] ?? { line: 1, col: 1 };
  const duplicates = doc.errors.filter((e) => e.code === "DUPLICATE_KEY");
  const first = doc.errors.find((e) => e.code !== "DUPLICATE_KEY");
  for (const e of duplicates) out.push({ at: at(e), message: firstLine(e.message) });
  if (first) {
    const firstAt = at(first);
    const lines = text.split("\n");
    const tabLine = lines.findIndex((l) => /^ *\t/.test(l));
    if (first.code !== "TAB_AS_INDENT" && tabLine >= 0 && tabLine + 1 <= firstAt.line) {
      out.push({ at: { line: tabLine + 1, col: (/^ */.exec(lines[tabLine]!)?.[0].length ?? 0) + 1 }, message: "Tabs are not allowed as indentation (use spaces)" });
    } else {
      out.push(unquotedTemplate(lines, firstAt) ?? { at: firstAt, message: yamlMessage(first, text) });
    }
  }
  for (const w of doc.warnings) out.push({ at: at(w), message: yamlMessage(w, text) });
  return out;
}

/**
 * Parse YAML text. `what` names the expected content for the empty-file message ("an inventory map").
 * Returns undefined when the file cannot be used (problems were added).
 */
export function parseSource(file: string, bytes: Buffer, what: string, problems: Problems): SourceFile | undefined {
  const bad = binaryOffset(bytes);
  if (bad !== undefined) {
    const at = lineAndColumn(bytes, bad);
    problems.add({ file, line: at.line, col: at.col }, "", `not a YAML text file (binary data at byte ${bad})`);
    return undefined;
  }
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const lines = new LineCounter();
  // uniqueKeys is checked below in one pass: yaml's own check compares each key with every earlier key of
  // its map, which is quadratic and takes seconds on a 10,000-host `hosts:` map.
  const doc = parseYaml(text, lines, { uniqueKeys: false, merge: true, customTags: SECRET_TAGS });
  for (const issue of syntaxIssues(doc, text)) problems.add({ file, ...issue.at }, "", issue.message);
  if (doc.errors.length > 0) return undefined;
  const keys = [...duplicateKeys(doc, lines), ...collectionKeys(doc, text, lines)];
  for (const k of keys) problems.add({ file, line: k.line, col: k.col }, k.path, k.message);
  if (keys.length > 0) return undefined;
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    problems.add({ file, line: 1, col: 1 }, "", `file is empty: expected ${what}`);
    return undefined;
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 1000 });
  } catch (error: unknown) {
    const alias = firstBrokenAlias(doc);
    const at = alias?.range ? lines.linePos(alias.range[0]) : { line: 1, col: 1 };
    const message = error instanceof Error ? error.message : String(error);
    problems.add({ file, line: at.line, col: at.col }, "", message);
    return undefined;
  }
  return { file, doc, lines, value, secrets: taggedSecrets(doc) };
}

/**
 * parseDocument with positions and readable errors. Its toJS must never print a Node warning on stderr (it
 * does for a key that is a list or a map): `collectionKeys` reports those first, and "error" keeps the library
 * silent should one slip through.
 */
export function parseYaml(text: string, lines: LineCounter, options: Parameters<typeof parseDocument>[1] = {}): Document.Parsed {
  return parseDocument(text, { ...options, lineCounter: lines, prettyErrors: true, logLevel: "error" });
}

/**
 * Map keys that are lists or maps: a JS object cannot hold them. The usual cause is an unquoted `{{ x }}`,
 * which YAML reads as a flow map whose only key is the map `{ x }`; that one is reported at the value, with
 * the quoted form to write. Aliases are followed as keys only: an anchor's content is checked where it is.
 */
export function collectionKeys(doc: Document.Parsed, text: string, lines: LineCounter): YamlIssue[] {
  const out: YamlIssue[] = [];
  const check = (node: unknown, path: PathSegment[]): void => {
    if (isSeq(node)) node.items.forEach((item, i) => check(item, [...path, i]));
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
      if (isCollection(key)) out.push(collectionKeyIssue(node, pair, key, path, text, lines));
      else check(pair.value, [...path, isScalar(key) ? String(key.value ?? "") : ""]);
    }
  };
  check(doc.contents, []);
  return out;
}

function collectionKeyIssue(map: YAMLMap, pair: Pair, key: Node, path: PathSegment[], text: string, lines: LineCounter): YamlIssue {
  const template = templateText(map, pair, text);
  const at = lines.linePos(nodeOffset((template === undefined ? pair.key : map) as Node) ?? 0);
  const message = template !== undefined ? `a value starting with {{ must be quoted: ${quoted(template)}` : `a key must be a string or a number, not a ${isSeq(key) ? "list" : "map"}`;
  return { line: at.line, col: at.col, path: formatPath(path), message };
}

/** `{{ x }}` as written, when `map` has that shape: a flow map whose first key is a flow map, all values empty. */
function templateText(map: YAMLMap, pair: Pair, text: string): string | undefined {
  const empty = (value: unknown) => value === null || (isScalar(value) && value.value === null);
  const key = pair.key;
  if (!map.flow || map.items[0] !== pair || !empty(pair.value) || !isMap(key) || !key.flow) return undefined;
  if (!key.items.every((p) => empty(p.value))) return undefined;
  const range = (map as ParsedNode).range;
  return range ? text.slice(range[0], range[1]).replace(/\s+/g, " ") : undefined;
}

/** YAML quoting that keeps the text as written: double quotes would turn `\` into an escape. */
function quoted(text: string): string {
  return /["\\]/.test(text) ? `'${text.replace(/'/g, "''")}'` : `"${text}"`;
}

/**
 * Keys written twice in one map (a host defined twice...), each reported at its second occurrence; and the
 * one key no map here can hold.
 */
function duplicateKeys(doc: Document.Parsed, lines: LineCounter): YamlIssue[] {
  const out: YamlIssue[] = [];
  visit(doc, {
    Map(_key, map, trail) {
      const seen = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || isMergeKey(pair.key)) continue;
        const name = String(pair.key.value);
        const offset = (pair.key as ParsedNode).range?.[0] ?? 0;
        if (name === "__proto__") {
          // Assigned to an object, this name replaces its prototype: the entry would vanish unseen.
          const at = lines.linePos(offset);
          out.push({ line: at.line, col: at.col, path: keyPath(trail, map, name), message: "`__proto__` cannot be a name (JavaScript reserves it)" });
          continue;
        }
        const first = seen.get(name);
        if (first === undefined) {
          seen.set(name, offset);
          continue;
        }
        const at = lines.linePos(offset);
        const firstLine = lines.linePos(first).line;
        out.push({ line: at.line, col: at.col, path: keyPath(trail, map, name), message: `duplicate key \`${name}\` (first defined on line ${firstLine})` });
      }
    },
  });
  return out;
}

/** Dotted path of a key from the ancestors `visit` passes (pairs give their key, sequences an index). */
function keyPath(trail: readonly unknown[], node: unknown, name: string): string {
  const segments: PathSegment[] = [];
  for (let i = 0; i < trail.length; i++) {
    const here = trail[i];
    if (isPair(here) && isScalar(here.key)) segments.push(String(here.key.value));
    else if (isSeq(here)) {
      const child = i + 1 < trail.length ? trail[i + 1] : node;
      const index = here.items.indexOf(child as never);
      if (index >= 0) segments.push(index);
    }
  }
  return formatPath([...segments, name]);
}

function firstBrokenAlias(doc: Document.Parsed): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Read and parse a file; a missing or unreadable file is a problem at `from` (the reference to it). */
export async function readSource(
  file: string,
  what: string,
  problems: Problems,
  from?: { location: Location; path: string },
): Promise<SourceFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readInput(file);
  } catch (error: unknown) {
    const reason = readFailureReason(error);
    const location = from?.location ?? { file, line: 1, col: 1 };
    problems.add(location, from?.path ?? "", from ? `${file}: ${reason}` : reason);
    return undefined;
  }
  return parseSource(file, bytes, what, problems);
}
