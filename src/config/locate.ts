// Where a path of a parsed file is, as `file:line:col`: the value or the key it leads to, looking through
// merge keys (`<<: *defaults`) and aliases as YAML's own reading of the file does.
import { isAlias, isMap, isPair, isScalar, isSeq } from "yaml";
import type { Node, Pair, ParsedNode } from "yaml";
import type { Location } from "./model.js";
import type { PathSegment, SourceFile } from "./source.js";

/** Where a path leads inside the document: the value node, and the key node when reached through a map. */
export interface Located {
  node?: Node;
  key?: Node;
}

/** `<<` keys (with `merge: true` the parser gives them a symbol value). */
export function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === "<<" || typeof key.value === "symbol");
}

function resolveNode(node: unknown, source: SourceFile): unknown {
  return isAlias(node) ? node.resolve(source.doc) : node;
}

/** Find a key in a map node, looking through `<<` merge keys as YAML's merge does. */
function findPair(map: unknown, key: string, source: SourceFile, depth = 0): Pair | undefined {
  const resolved = resolveNode(map, source);
  if (!isMap(resolved) || depth > 20) return undefined;
  for (const pair of resolved.items) {
    if (isMergeKey(pair.key)) continue;
    const k = isScalar(pair.key) ? pair.key.value : pair.key;
    if (String(k) === key) return pair;
  }
  for (const pair of resolved.items) {
    if (!isMergeKey(pair.key)) continue;
    const sources = resolveNode(pair.value, source);
    const list = isSeq(sources) ? sources.items : [sources];
    for (const merged of list) {
      const found = findPair(merged, key, source, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Walk `path` from the document root; stops at the deepest node that exists. */
export function walk(source: SourceFile, path: readonly PathSegment[]): { located: Located; depth: number } {
  let node: unknown = source.doc.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    const here = resolveNode(node, source);
    let next: unknown;
    let nextKey: Node | undefined;
    if (isSeq(here) && typeof segment === "number") {
      next = here.items[segment];
    } else if (isMap(here)) {
      const pair = findPair(here, String(segment), source);
      if (pair) {
        next = pair.value ?? pair.key;
        nextKey = isPair(pair) ? (pair.key as Node) : undefined;
      }
    }
    if (next === undefined || next === null) break;
    node = next;
    key = nextKey;
    depth++;
  }
  return { located: { node: node as Node | undefined, key }, depth };
}

export function nodeOffset(node: Node | undefined): number | undefined {
  const range = (node as ParsedNode | undefined)?.range;
  return range ? range[0] : undefined;
}

export function locationOfOffset(source: SourceFile, offset: number | undefined): Location {
  if (offset === undefined) return { file: source.file, line: 1, col: 1 };
  const { line, col } = source.lines.linePos(offset);
  return { file: source.file, line, col };
}

/**
 * Location for a path: its value node, or (`at: "key"`) the key naming it. A path that does not fully
 * exist (a missing key) points at the deepest existing parent, which is where the user must add it.
 */
export function locate(source: SourceFile, path: readonly PathSegment[], at: "value" | "key" = "value"): Location {
  const { located, depth } = walk(source, path);
  const complete = depth === path.length;
  const preferKey = (at === "key" || !complete) && located.key !== undefined;
  const node = preferKey ? located.key : located.node;
  return locationOfOffset(source, nodeOffset(node));
}

/**
 * Locations of every key of the map at `path`, in one pass (a per-key `locate` would rescan the map:
 * quadratic on a 10,000-host inventory).
 */
export function keyLocations(source: SourceFile, path: readonly PathSegment[]): Map<string, Location> {
  const out = new Map<string, Location>();
  const { located, depth } = walk(source, path);
  if (depth !== path.length) return out;
  const map = resolveNode(located.node, source);
  if (!isMap(map)) return out;
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key : undefined;
    if (key && !isMergeKey(key)) out.set(String(key.value), locationOfOffset(source, nodeOffset(key)));
  }
  return out;
}

/** Locations of the items of the list at `path`. */
export function itemLocations(source: SourceFile, path: readonly PathSegment[]): Location[] {
  const { located, depth } = walk(source, path);
  if (depth !== path.length) return [];
  const seq = resolveNode(located.node, source);
  if (!isSeq(seq)) return [];
  return seq.items.map((item) => locationOfOffset(source, nodeOffset(item as Node | undefined)));
}
