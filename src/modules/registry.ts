// Every module the engine knows, by the name tasks use. One import and one entry per module file.
import type { Module } from "./types.js";

// Modules are heterogeneous in their parameter types; the registry erases them, the schema restores them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyModule = Module<any, any>;

const modules: AnyModule[] = [];

const byName = new Map<string, AnyModule>(modules.map((m) => [m.name, m]));

export function getModule(name: string): AnyModule | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return [...byName.keys()].sort();
}
