// Strict values: reading a property that does not exist, at any depth (`host.nmae`, `mysql.portt`), throws
// UndefinedVariable naming the whole path instead of yielding undefined (which would render as "").
// Only plain objects and arrays are wrapped; `'k' in obj`, array methods, spreading and JSON.stringify
// behave as on the original. `unwrap` gives back the original values so nothing strict leaks into module
// parameters (zod reads absent optional keys, which must stay undefined there).
import { UndefinedVariable } from "./errors.js";

const TARGET = Symbol("strict target");

/** Properties that code probes for without meaning a user variable (JSON, promises, test matchers). */
export const PROBED = new Set(["toJSON", "then", "asymmetricMatch", "$$typeof", "nodeType", "@@__IMMUTABLE_ITERABLE__@@", "_isMockFunction"]);

function isPlain(value: unknown): value is object {
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function childPath(parent: string, key: string, isArray: boolean): string {
  if (isArray && /^\d+$/.test(key)) return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Keys a list answers `in` for as JavaScript means it: its positions, `length`, its methods. A number past
 * the end is no position anything asks for (array methods ask below the length only): it is a user's
 * `443 in ports` meaning `includes`.
 */
function isListKey(list: readonly unknown[], key: string | symbol): boolean {
  if (typeof key === "symbol") return true;
  if (/^(?:0|[1-9]\d*)$/.test(key)) return Number(key) < list.length;
  return key in Array.prototype || PROBED.has(key);
}

function notAMemberTest(path: string): never {
  throw new TypeError(`\`in\` tests the positions (0, 1, ...) of the list \`${path}\`, not its items: write \`${path}.includes(x)\``);
}

/** Wrap a value so missing properties throw; `path` is how the user wrote it (`host`, `groups.app`). */
export function strict(value: unknown, path: string): unknown {
  if (!isPlain(value)) return value;
  if ((value as Record<symbol, unknown>)[TARGET] !== undefined) return value;
  const isArray = Array.isArray(value);
  const children = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (key === TARGET) return target;
      if (typeof key === "symbol") return Reflect.get(target, key, receiver);
      if (!(key in target)) {
        if (PROBED.has(key)) return undefined;
        throw new UndefinedVariable(childPath(path, key, isArray));
      }
      const v = Reflect.get(target, key, receiver) as unknown;
      if (!isPlain(v) || !Object.hasOwn(target, key)) return v;
      // A frozen property must be returned as is (a proxy invariant).
      const own = Object.getOwnPropertyDescriptor(target, key);
      if (own && !own.configurable && !own.writable) return v;
      // Same proxy for the same property, so `a.b === a.b` holds.
      let wrapped = children.get(key);
      if (wrapped === undefined || (wrapped as Record<symbol, unknown>)[TARGET] !== v) {
        wrapped = strict(v, childPath(path, key, isArray));
        children.set(key, wrapped);
      }
      return wrapped;
    },
    // JavaScript's `in` asks a list for a position: `host.name in groups.web` is false for every name.
    // Array methods ask only for positions, so any other key is a user's `in` meaning `includes`.
    ...(isArray ? { has: (target: object, key: string | symbol) => (isListKey(target as unknown[], key) ? Reflect.has(target, key) : notAMemberTest(path)) } : {}),
    set() {
      throw new TypeError("expressions and templates cannot change vars");
    },
    deleteProperty() {
      throw new TypeError("expressions and templates cannot change vars");
    },
  });
}

/** The original of a strict value, recursively (new arrays/objects built from strict values included). */
export function unwrap<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== "object" || depth > 100) return value;
  const target = (value as Record<symbol, unknown>)[TARGET] as T | undefined;
  if (target !== undefined) return target;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v: unknown) => {
      const u = unwrap(v, depth + 1);
      if (u !== v) changed = true;
      return u;
    });
    return (changed ? out : value) as T;
  }
  if (isPlain(value)) {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const u = unwrap(v, depth + 1);
      if (u !== v) changed = true;
      out[k] = u;
    }
    return (changed ? out : value) as T;
  }
  return value;
}
