// EJS template files, strict. ejs copies the top-level locals into a `with` block, so an unknown top-level
// name already throws a ReferenceError; nested values are wrapped in strict proxies so `host.nmae` throws
// too. Errors name the template file, the line and the variable. Includes stay inside templates/.
import { readFile } from "node:fs/promises";
import path from "node:path";
import ejs from "ejs";
import type { Location, Vars } from "../config/model.js";
import { insideDir } from "../util/inside-dir.js";
import { TemplateError, describeFailure } from "./errors.js";
import { ExpressionEngine } from "./expressions.js";

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

/** `file:N` at the start of an ejs runtime error message gives the line. */
function lineOf(error: unknown, file: string): { line?: number; file: string } {
  if (!(error instanceof Error)) return { file };
  const m = /^(.*):(\d+)\n/.exec(error.message);
  if (!m) return { file };
  return { file: m[1] || file, line: Number(m[2]) };
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
          text = await readFile(absPath, "utf8");
        } catch (error: unknown) {
          const code = (error as NodeJS.ErrnoException).code;
          throw new TemplateError(absPath, code === "ENOENT" ? "template not found" : `cannot read template (${code ?? String(error)})`, { cause: error });
        }
        try {
          return compileText(text, absPath);
        } catch (error: unknown) {
          throw new TemplateError(absPath, `invalid template: ${describeFailure(error).detail}`, { cause: error });
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
      const { detail, variable } = describeFailure(originalMessage(error));
      throw new TemplateError(at.file, detail, { line: at.line, variable, cause: error });
    }
  }
}

const shared = new TemplateFiles();

/** Render an EJS file strictly (an undefined variable at any depth is a TemplateError with file and line). */
export function renderTemplateFile(absPath: string, scope: Vars): Promise<string> {
  return shared.render(absPath, scope);
}

/** Compile every template of a role (syntax check at load time; nothing is rendered). */
export async function checkTemplateFiles(roleDir: string, templates: readonly string[]): Promise<Array<{ location: Location; message: string }>> {
  const out: Array<{ location: Location; message: string }> = [];
  for (const rel of templates) {
    const file = path.join(roleDir, "templates", rel);
    try {
      compileText(await readFile(file, "utf8"), file);
    } catch (error: unknown) {
      out.push({ location: { file, line: 1, col: 1 }, message: `invalid EJS template: ${describeFailure(error).detail}` });
    }
  }
  return out;
}
