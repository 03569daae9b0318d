// EJS template files, strict. ejs copies the top-level locals into a `with` block, so an unknown top-level
// name already throws a ReferenceError; nested values are wrapped in strict proxies so `host.nmae` throws
// too. Errors name the template file, the line and the variable. Includes stay inside templates/.
import { existsSync } from "node:fs";
import path from "node:path";
import { Script } from "node:vm";
import ejs from "ejs";
import type { Location, Vars } from "../config/model.js";
import { insideDir } from "../util/inside-dir.js";
import { TemplateError, describeFailure } from "./errors.js";
import { ExpressionEngine } from "./expressions.js";
import { inOperatorMessage, withHints } from "./ansible-habits.js";
import { NotUtf8Error, readTemplateText } from "./template-text.js";

type Render = (locals: Vars) => string;

/** The templates/ directory a template lives in (includes may not leave it). */
function templatesRoot(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("templates");
  return i > 0 ? parts.slice(0, i + 1).join(path.sep) : path.dirname(file);
}

function compileText(text: string, file: string): Render {
  const root = templatesRoot(file);
  return ejs.compile(text, {
    filename: file,
    async: false,
    compileDebug: true,
    // Output is config files, not HTML: `<%=` would still escape, `<%-` writes raw text.
    // ejs passes no resolved path when the file does not exist; then judge the path as written.
    includer: (original: string, parsed: string | undefined) => {
      const resolved = path.resolve(parsed ?? path.resolve(path.dirname(file), original));
      // The same containment as a role's files: no `..`, and no symbolic link to elsewhere.
      try {
        insideDir(root, "", path.relative(root, resolved));
      } catch (error: unknown) {
        throw new Error(`include ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      }
      if (parsed === undefined) throw new Error(`include '${original}' not found`);
      return { filename: resolved };
    },
  }) as Render;
}

/**
 * Why a template does not compile, and on which line. ejs's own message has no line ("Unexpected token
 * ')' in FILE while compiling ejs"), but the JavaScript it generates marks each template line with
 * `__line = N`: parsing that source again gives the line of the error, then the mark before it gives the
 * template's line.
 */
export function compileFailure(text: string, file: string, error: unknown): { line?: number; message: string } {
  const fallback = { message: describeFailure(error).detail.replace(/ in \S+ while compiling ejs$/, "") };
  const unclosed = unclosedTagLine(text);
  if (unclosed !== undefined) return { line: unclosed, message: "a `<%` without its closing `%>`" };
  const template = new ejs.Template(text, { filename: file, compileDebug: true });
  try {
    template.compile();
    return fallback;
  } catch {
    // Expected: the same failure; `template.source` is what was generated before it.
  }
  if (!template.source) return fallback;
  const lines = `function template(locals) {\n${template.source}\n}`.split("\n");
  try {
    new Script(lines.join("\n"), { filename: "template-source" });
    return fallback;
  } catch (parseError: unknown) {
    const at = Number(/template-source:(\d+)/.exec((parseError as Error).stack ?? "")?.[1]);
    for (let i = Math.min(at || lines.length, lines.length) - 1; i >= 0; i--) {
      const marks = [...lines[i]!.matchAll(/__line = (\d+)/g)];
      if (marks.length > 0) return { line: Number(marks.at(-1)![1]), message: scriptMessage(parseError as Error) };
    }
    return { message: scriptMessage(parseError as Error) };
  }
}

/** The line of the first `<%` that no `%>` closes. */
function unclosedTagLine(text: string): number | undefined {
  let from = 0;
  for (let open = text.indexOf("<%", from); open >= 0; open = text.indexOf("<%", from)) {
    const close = text.indexOf("%>", open + 2);
    if (close < 0) return text.slice(0, open).split("\n").length;
    from = close + 2;
  }
  return undefined;
}

function scriptMessage(error: Error): string {
  // The parser only finds out at the end of the template; the line it gives is the last one.
  if (error.message === "Unexpected end of input") return "a `{` or `(` opened in a <% %> block is never closed";
  return error.message;
}

/**
 * An include named by a literal (`include('password.ejs')`) is resolved only when the template renders, on
 * every host: a missing one, or one outside templates/, is found now instead.
 */
function includeProblems(text: string, file: string): Array<{ location: Location; message: string }> {
  const out: Array<{ location: Location; message: string }> = [];
  const root = templatesRoot(file);
  for (const m of text.matchAll(/\binclude\(\s*(['"])([^'"\n]+)\1/g)) {
    const name = m[2]!;
    // ejs adds `.ejs` to a name without an extension.
    const full = path.resolve(path.dirname(file), path.extname(name) ? name : `${name}.ejs`);
    const location = { file, line: text.slice(0, m.index).split("\n").length, col: 1 };
    try {
      insideDir(root, "", path.relative(root, full));
    } catch (error: unknown) {
      out.push({ location, message: `include ${error instanceof Error ? error.message : String(error)}` });
      continue;
    }
    if (!existsSync(full)) out.push({ location, message: `include '${name}' not found` });
  }
  return out;
}

/** What a failed read of a template says (not "invalid template": the text was never seen). */
function readFailure(error: unknown): string {
  if (error instanceof NotUtf8Error) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "template not found";
  if (code === "EISDIR") return "the template is a directory";
  if (code === "ELOOP") return "cannot read template: a loop of symbolic links";
  if (code === "EACCES") return "cannot read template: permission denied";
  return `cannot read template (${code ?? String(error)})`;
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
  private readonly cache = new Map<string, Promise<Render>>();

  constructor(private readonly engine: ExpressionEngine = new ExpressionEngine()) {}

  private compiled(absPath: string): Promise<Render> {
    let entry = this.cache.get(absPath);
    if (!entry) {
      entry = (async () => {
        let text: string;
        try {
          text = await readTemplateText(absPath);
        } catch (error: unknown) {
          throw new TemplateError(absPath, readFailure(error), { line: error instanceof NotUtf8Error ? error.line : undefined, cause: error });
        }
        try {
          return compileText(text, absPath);
        } catch (error: unknown) {
          const failure = compileFailure(text, absPath, error);
          throw new TemplateError(absPath, `invalid template: ${failure.message}`, { line: failure.line, cause: error });
        }
      })();
      this.cache.set(absPath, entry);
      // A failed read must not be remembered (the file may appear later in a long-lived process).
      entry.catch(() => this.cache.delete(absPath));
    }
    return entry;
  }

  async render(absPath: string, scope: Vars): Promise<string> {
    const render = await this.compiled(absPath);
    try {
      return render(strictLocals(scope, this.engine));
    } catch (error: unknown) {
      const at = lineOf(error, absPath);
      const { detail, variable } = describeFailure(originalMessage(thrownByTemplate(error)));
      const via = at.includedFrom ? ` (included from ${at.includedFrom})` : "";
      // Ansible's names by habit (`inventory_hostname`): the same hints as in expressions.
      throw new TemplateError(at.file, withHints(`${inOperatorMessage(detail) ?? detail}${via}`, "", variable), { line: at.line, variable, cause: error });
    }
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

/**
 * Compile every template under `dir`/templates/, `dir` being a role's or the project's (syntax check at load
 * time; nothing is rendered).
 */
export async function checkTemplateFiles(dir: string, templates: readonly string[]): Promise<Array<{ location: Location; message: string }>> {
  const out: Array<{ location: Location; message: string }> = [];
  for (const rel of templates) {
    const file = path.join(dir, "templates", rel);
    try {
      // One linked out of its directory is never read here; the task that names it is refused (checkFileRefs).
      insideDir(dir, "templates", rel);
    } catch {
      continue;
    }
    let text: string;
    try {
      text = await readTemplateText(file);
    } catch (error: unknown) {
      const at = error instanceof NotUtf8Error ? error : { line: 1, col: 1 };
      out.push({ location: { file, line: at.line, col: at.col }, message: readFailure(error) });
      continue;
    }
    try {
      compileText(text, file);
    } catch (error: unknown) {
      const failure = compileFailure(text, file, error);
      out.push({ location: { file, line: failure.line ?? 1, col: 1 }, message: `invalid EJS template: ${failure.message}` });
      continue;
    }
    out.push(...includeProblems(text, file));
  }
  return out;
}
