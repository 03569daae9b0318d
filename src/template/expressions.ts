// `{{ expr }}` values and bare conditions. An expression is JavaScript evaluated against the scope: every
// top-level name must exist in the scope (or be a JavaScript global such as Math or JSON), and nested
// properties are strict too. Each expression source is compiled once and reused for every host.
import type { Vars } from "../config/model.js";
import { TemplateError, UndefinedVariable, describeFailure } from "./errors.js";
import { TEMPLATED_VARS } from "../config/vars.js";
import { RESERVED_NAMES } from "../config/schemas.js";
import { PROBED, strict, unwrap } from "./strict.js";
import { FLOOR_DIVISION, floorDivisionAt, inOperatorMessage, withHints } from "./ansible-habits.js";
import { refusedCondition, type ConditionSource } from "./conditions.js";
import { expressionFunction } from "./js-scan.js";

type Compiled = (scope: object) => unknown;

const EXPR = /\{\{([\s\S]*?)\}\}/g;
/** A condition written as one `{{ expr }}` (spaces around allowed): the expression inside is the test. */
const WHOLE = /^\s*\{\{([\s\S]*?)\}\}\s*$/;
/** A value that is exactly one `{{ expr }}` and nothing else yields the expression's raw value. */
const EXACT = /^\{\{([\s\S]*?)\}\}$/;

/** Compiled expressions and strict scopes. One per evaluator; also a default shared one for callers. */
export class ExpressionEngine {
  private readonly compiled = new Map<string, Compiled>();
  private readonly strictScopes = new WeakMap<object, object>();

  /** Compile once per distinct source. Throws SyntaxError for invalid JavaScript. */
  compile(expr: string): Compiled {
    let fn = this.compiled.get(expr);
    if (!fn) {
      if (floorDivisionAt(expr) !== undefined) throw new SyntaxError(FLOOR_DIVISION);
      fn = expressionFunction(expr);
      this.compiled.set(expr, fn);
    }
    return fn;
  }

  /** The scope as `with` sees it: scope names first, then JavaScript globals, else UndefinedVariable. */
  strictScope(scope: Vars): object {
    let proxy = this.strictScopes.get(scope);
    if (proxy) return proxy;
    const value = this.valueReader(scope);
    proxy = new Proxy(Object.create(null) as object, {
      has(_target, key) {
        if (typeof key === "symbol") return false;
        if (Object.hasOwn(scope, key)) return true;
        // Globals (Math, JSON, Number...) resolve normally; any other free name is an undefined variable.
        return !(key in globalThis);
      },
      get(_target, key) {
        if (typeof key === "symbol") return undefined;
        if (Object.hasOwn(scope, key)) return value(key);
        throw new UndefinedVariable(key);
      },
      set(_target, key) {
        throw new TypeError(`expressions cannot assign (\`${String(key)} = ...\`)`);
      },
    });
    this.strictScopes.set(scope, proxy);
    return proxy;
  }

  /** A top-level name's value as expressions and templates see it: strict, and vars rendered when read. */
  value(scope: Vars, key: string): unknown {
    let reader = this.readers.get(scope);
    if (!reader) this.readers.set(scope, (reader = this.valueReader(scope)));
    return reader(key);
  }

  private readonly readers = new WeakMap<object, (key: string) => unknown>();

  private valueReader(scope: Vars): (key: string) => unknown {
    const existing = this.readers.get(scope);
    if (existing) return existing;
    const varNames = (scope as Record<symbol, unknown>)[TEMPLATED_VARS] as ReadonlySet<string> | undefined;
    const cache = new Map<string, unknown>();
    const rendering: string[] = [];
    const resolve = (key: string): unknown => {
      const raw = scope[key];
      if (!varNames?.has(key) || !hasExpressions(raw)) return raw;
      if (rendering.includes(key)) {
        throw new TemplateError(`var \`${key}\``, `refers to itself (${[...rendering.slice(rendering.indexOf(key)), key].join(" -> ")})`);
      }
      rendering.push(key);
      try {
        return this.render(raw, scope, `var \`${key}\``);
      } finally {
        rendering.pop();
      }
    };
    const read = (key: string): unknown => {
      if (cache.has(key)) return cache.get(key);
      let v: unknown;
      if (key === "vars" && varNames && isMap(scope[key])) {
        // `vars.x` reads the same (rendered) value as `x`.
        const all = scope[key];
        v = new Proxy(all, {
          get(target, k, receiver) {
            if (typeof k === "symbol") return Reflect.get(target, k, receiver);
            if (varNames.has(k) && Object.hasOwn(scope, k)) return read(k);
            if (!(k in target)) {
              if (PROBED.has(k)) return undefined; // JSON.stringify(vars) asks for toJSON
              throw new UndefinedVariable(`vars.${k}`);
            }
            return strict(Reflect.get(target, k, receiver), `vars.${k}`);
          },
        });
      } else {
        v = strict(resolve(key), key);
      }
      cache.set(key, v);
      return v;
    };
    this.readers.set(scope, read);
    return read;
  }

  /** Evaluate one expression; the result is unwrapped (plain data, not strict proxies). */
  evaluate(expr: string, scope: Vars, where: string): unknown {
    const source = expr.trim();
    if (source === "") throw new TemplateError(where, "empty expression");
    let fn: Compiled;
    try {
      fn = this.compile(source);
    } catch (error: unknown) {
      throw new TemplateError(where, `invalid expression \`${source}\`: ${withHints(describeFailure(error).detail, source)}`, { cause: error });
    }
    try {
      return unwrap(fn(this.strictScope(scope)));
    } catch (error: unknown) {
      // A var rendered on the way failed: say which var, where the outer expression is.
      if (error instanceof TemplateError) throw new TemplateError(where, error.message, { variable: error.variable, cause: error });
      const { detail, variable } = describeFailure(error);
      const message = inOperatorMessage(detail) ?? detail;
      throw new TemplateError(where, withHints(`${message} in \`${source}\``, source, variable), { variable, cause: error });
    }
  }

  /**
   * A condition: a boolean, a bare expression, or one `{{ expr }}`. Its value must read the same as in
   * Ansible (see conditions.ts): a list, a map or a YAML 1.1 yes/no word is refused, not taken as true.
   */
  test(condition: string | boolean, scope: Vars, where: string): boolean {
    if (typeof condition === "boolean") return condition;
    const whole = WHOLE.exec(condition);
    const expr = whole ? whole[1]! : condition;
    const value = this.evaluate(expr, scope, where);
    if (typeof value === "boolean") return value;
    const refused = refusedCondition(value, expr.trim(), conditionSource(expr, scope));
    if (refused !== undefined) throw new TemplateError(where, withHints(refused, expr));
    return Boolean(value);
  }

  /**
   * Render `{{ }}` in strings anywhere inside a value (lists and maps walked). A string that is exactly one
   * `{{ expr }}` yields the raw value; otherwise each result is interpolated as text.
   */
  render(value: unknown, scope: Vars, where: string): unknown {
    if (typeof value === "string") return this.renderString(value, scope, where);
    if (Array.isArray(value)) return value.map((v) => this.render(v, scope, where));
    if (value !== null && typeof value === "object" && !Buffer.isBuffer(value)) {
      const out: Vars = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.render(v, scope, where);
      return out;
    }
    return value;
  }

  private renderString(text: string, scope: Vars, where: string): unknown {
    if (!text.includes("{{")) return text;
    // Only an exact match: in `"{{ body }}\n"` the newline is part of the value, so it renders as text.
    const whole = EXACT.exec(text);
    if (whole && !whole[1]!.includes("{{")) return this.defined(this.evaluate(whole[1]!, scope, where), whole[1]!, where);
    return text.replace(EXPR, (_match, expr: string) => toText(this.defined(this.evaluate(expr, scope, where), expr, where)));
  }

  private defined(value: unknown, expr: string, where: string): unknown {
    if (value === undefined) throw new TemplateError(where, `\`${expr.trim()}\` has no value (undefined)`);
    // NaN is arithmetic on something that is not a number (`'ab' * 3`, Python's `'%s' % x`): never a value to write.
    if (typeof value === "number" && Number.isNaN(value)) {
      throw new TemplateError(where, withHints(`\`${expr.trim()}\` is NaN (arithmetic on a value that is not a number; a string repeated is \`s.repeat(n)\`)`, expr));
    }
    return value;
  }
}

/** Whether a condition's first name is a var or a registered result (then its text is command output). */
function conditionSource(expr: string, scope: Vars): ConditionSource {
  const first = /^\s*([A-Za-z_$][\w$]*)/.exec(expr)?.[1];
  const varNames = (scope as Record<symbol, unknown>)[TEMPLATED_VARS] as ReadonlySet<string> | undefined;
  if (first === undefined || !Object.hasOwn(scope, first) || (RESERVED_NAMES as readonly string[]).includes(first)) return undefined;
  if (varNames === undefined || varNames.has(first)) return "var";
  return "registered";
}

function isMap(value: unknown): value is Vars {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function toText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Shared engine for the plain functions below: compiled expressions are pure, so sharing the cache is safe. */
const shared = new ExpressionEngine();

export function evaluate(expr: string, scope: Vars, where: string): unknown {
  return shared.evaluate(expr, scope, where);
}

export function renderValue(value: unknown, scope: Vars, where: string): unknown {
  return shared.render(value, scope, where);
}

export function testCondition(condition: string | boolean, scope: Vars, where: string): boolean {
  return shared.test(condition, scope, where);
}

/**
 * Syntax problems of the expressions in a value (each `{{ expr }}`), or of a bare condition: what load-time
 * checks can find without a host. Returns one message per invalid expression. `secret`: the value is a
 * secret, so a message must not quote any part of it.
 */
export function expressionSyntaxErrors(value: unknown, bare = false, secret = false): string[] {
  const out: string[] = [];
  const check = (expr: string) => {
    const source = expr.trim();
    if (source === "") {
      out.push("empty expression");
      return;
    }
    try {
      shared.compile(source);
    } catch (error: unknown) {
      out.push(secret ? "invalid expression in a secret value (not shown)" : `invalid expression \`${source}\`: ${withHints(describeFailure(error).detail, source)}`);
    }
  };
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      if (bare) {
        const whole = WHOLE.exec(v);
        check(whole ? whole[1]! : v);
      } else {
        for (const m of v.matchAll(EXPR)) check(m[1]!);
        // Without its `}}`, a `{{` would be kept as text: a file named `/etc/{{ name }.conf`.
        if (v.replace(EXPR, "").includes("{{")) out.push(secret ? "`{{` without its closing `}}` in a secret value" : `\`{{\` without its closing \`}}\` in \`${v}\``);
      }
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/** Whether a value contains `{{ }}` anywhere (rendered per host at run time). */
export function hasExpressions(value: unknown): boolean {
  if (typeof value === "string") return value.includes("{{");
  if (Array.isArray(value)) return value.some(hasExpressions);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasExpressions);
  return false;
}
