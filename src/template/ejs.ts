// EJS template files, strict. ejs copies the top-level locals into a `with` block, so an unknown top-level
// name already throws a ReferenceError; nested values are wrapped in strict proxies so `host.nmae` throws
// too. Errors name the template file, the line and the variable. Includes stay inside templates/.
// A template is read and compiled when it first renders; one a task names literally was checked at load
// already, one an expression names (`src: "{{ site }}.conf.ejs"`) and the files it includes are checked
// here: EJS syntax and Jinja statements fail the task, at the template's line.
import { existsSync } from "node:fs";
import type { Vars } from "../config/model.js";
import { TemplateError, describeFailure } from "./errors.js";
import { ExpressionEngine } from "./expressions.js";
import { inOperatorMessage, withHints } from "./ansible-habits.js";
import { OUTPUT_NAN, compileFailure, compileText, includeOutside, includePath, readFailure, type Render } from "./ejs-compile.js";
import { jinjaStatement } from "./jinja-text.js";
import { NotUtf8Error, readTemplateTextSync } from "./template-text.js";

interface Compiled {
  render: Render;
  text: string;
}

/** `file:N` at the start of an ejs runtime error message gives the line. */
function lineOf(error: unknown, file: string): { line?: number; file: string; includedFrom?: string } {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== "string") return { file };
  // One paragraph per template the error went through, the including one first: the last is where it is.
  const places = [...message.matchAll(/(?:^|\n\n)([^\n]*):(\d+)\n/g)].map((m) => ({ file: m[1] || file, line: Number(m[2]) }));
  const at = places.at(-1);
  if (!at) return { file };
  const outer = places.length > 1 ? places[0] : undefined;
  return { ...at, includedFrom: outer ? `${outer.file}:${outer.line}` : undefined };
}

/** The last paragraph of an ejs message is the original error's message. */
function originalMessage(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const parts = error.message.split("\n\n");
  if (parts.length < 2) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
  Object.assign(copy, error);
  copy.message = parts[parts.length - 1]!;
  return copy;
}

/**
 * A stand-in for a var that could not be rendered (say it uses `item` outside a loop): ejs copies every
 * local up front, so the error is kept and raised only if the template actually uses the var.
 */
function poisoned(error: unknown): unknown {
  const fail = (): never => {
    throw error;
  };
  return new Proxy(function poisonedVar() {}, { get: fail, has: fail, apply: fail, ownKeys: fail, getPrototypeOf: fail });
}

/** Locals for ejs: every top-level name, vars rendered, nested values strict. */
export function strictLocals(scope: Vars, engine: ExpressionEngine): Vars {
  const out: Vars = {};
  for (const k of Object.keys(scope)) {
    try {
      out[k] = engine.value(scope, k);
    } catch (error: unknown) {
      out[k] = poisoned(error);
    }
  }
  return out;
}

/** Compiles each template file once per engine. */
export class TemplateFiles {
  private readonly cache = new Map<string, Compiled>();

  constructor(private readonly engine: ExpressionEngine = new ExpressionEngine()) {}

  /** Read and compiled synchronously: an `include(...)` runs inside a template's code. A failure is not remembered (the file may be fixed in a long-lived process). */
  private compiled(absPath: string): Compiled {
    const cached = this.cache.get(absPath);
    if (cached) return cached;
    let text: string;
    try {
      text = readTemplateTextSync(absPath);
    } catch (error: unknown) {
      throw new TemplateError(absPath, readFailure(error), { line: error instanceof NotUtf8Error ? error.line : undefined, cause: error });
    }
    let render: Render;
    try {
      render = compileText(text, absPath);
    } catch (error: unknown) {
      const failure = compileFailure(text, absPath, error);
      throw new TemplateError(absPath, `invalid template: ${failure.message}`, { line: failure.line, cause: error });
    }
    const jinja = jinjaStatement(text);
    if (jinja) throw new TemplateError(absPath, jinja.message, { line: jinja.line });
    const entry = { render, text };
    this.cache.set(absPath, entry);
    return entry;
  }

  /** The `include` a template's code calls: the included file compiled here (and so checked here), with the includer's locals. */
  private includeFrom(file: string, locals: Vars): (name: unknown, data?: unknown) => string {
    return (name, data) => {
      if (typeof name !== "string") throw new TypeError(`include takes a file name, got ${typeof name}`);
      const full = includePath(file, name);
      const outside = includeOutside(file, full);
      if (outside !== undefined) throw new Error(outside);
      if (!existsSync(full)) throw new Error(`include '${name}' not found`);
      const { render } = this.compiledForInclude(full);
      const sub: Vars = { ...locals, ...(data !== null && typeof data === "object" ? (data as Vars) : {}) };
      sub["include"] = this.includeFrom(full, sub);
      return render(sub);
    };
  }

  /** A failure to compile an included file, thrown as the message ejs's rethrow puts its place before. */
  private compiledForInclude(full: string): Compiled {
    try {
      return this.compiled(full);
    } catch (error: unknown) {
      if (!(error instanceof TemplateError)) throw error;
      const place = new Error(`${error.detail}`, { cause: error });
      // Where in the included file: the same paragraph shape as ejs's, which lineOf reads.
      if (error.line !== undefined) place.message = `${full}:${error.line}\n\n${error.detail}`;
      throw place;
    }
  }

  async render(absPath: string, scope: Vars): Promise<string> {
    const { render } = this.compiled(absPath);
    const locals = strictLocals(scope, this.engine);
    locals["include"] = this.includeFrom(absPath, locals);
    try {
      return render(locals);
    } catch (error: unknown) {
      const at = lineOf(error, absPath);
      const via = at.includedFrom ? ` (included from ${at.includedFrom})` : "";
      if (error instanceof Error && error.name === OUTPUT_NAN) {
        throw new TemplateError(at.file, `${this.nanMessage(at.file, at.line)}${via}`, { line: at.line, cause: error });
      }
      const { detail, variable } = describeFailure(originalMessage(thrownByTemplate(error)));
      // Ansible's names by habit (`inventory_hostname`): the same hints as in expressions.
      throw new TemplateError(at.file, withHints(`${inOperatorMessage(detail) ?? detail}${via}`, "", variable), { line: at.line, variable, cause: error });
    }
  }

  /** The output tags of the line that wrote NaN, as the template writes them. */
  private nanMessage(file: string, line: number | undefined): string {
    const text = this.cache.get(file)?.text ?? "";
    const lineText = line === undefined ? "" : (text.split("\n")[line - 1] ?? "");
    const tags = [...lineText.matchAll(/<%[-=][\s\S]*?[-_]?%>/g)].map((m) => `\`${m[0]}\``);
    const what = tags.length === 1 ? tags[0]! : tags.length > 1 ? `one of ${tags.join(", ")}` : "an output tag";
    return `${what} wrote NaN (arithmetic on a value that is not a number; a string repeated is \`s.repeat(n)\`): a config file never gets the text NaN from a number`;
  }
}

/**
 * What a template's own `throw` threw. ejs adds `path` and a `message` holding the line to whatever was
 * thrown, an object included (then shown without them), and fails doing so on a string or a number.
 */
function thrownByTemplate(error: unknown): unknown {
  if (error instanceof Error) {
    const primitive = /^Cannot create property 'path' on (?:string|number|boolean) '(.*)'$/s.exec(error.message);
    return primitive ? primitive[1] : error;
  }
  if (typeof error !== "object" || error === null) return error;
  const { path: _path, message: _message, ...thrown } = error as Record<string, unknown>;
  return thrown;
}

const shared = new TemplateFiles();

/** Render an EJS file strictly (an undefined variable at any depth is a TemplateError with file and line). */
export function renderTemplateFile(absPath: string, scope: Vars): Promise<string> {
  return shared.render(absPath, scope);
}
