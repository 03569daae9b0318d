// An EJS template's text compiled to a function, and why one does not compile. Output is config files: a
// number that is NaN (`<%- port * 2 %>` with a port that is not a number) is refused where it is written,
// as `{{ }}` refuses it, instead of writing the text "NaN" into a file. The literal text "NaN" is text.
import path from "node:path";
import { existsSync } from "node:fs";
import { Script } from "node:vm";
import ejs from "ejs";
import type { Location, Vars } from "../config/model.js";
import { insideDir } from "../util/inside-dir.js";
import { describeFailure } from "./errors.js";
import { NotUtf8Error } from "./template-text.js";

export type Render = (locals: Vars) => string;

/** The name of the error a NaN written out throws; the generated code cannot reach a class of ours. */
export const OUTPUT_NAN = "OutputNaN";

// ejs's own output function, and the same refusing a NaN number. `<%-` hands it the value as it is;
// text and `<%=` (escaped first) hand it strings.
const EJS_APPEND = "function __append(s) { if (s !== undefined && s !== null) __output += s }";
const CHECKED_APPEND =
  `function __append(s) { if (typeof s === "number" && s !== s) { var e = new Error("NaN"); e.name = ${JSON.stringify(OUTPUT_NAN)}; throw e; } ` +
  "if (s !== undefined && s !== null) __output += s }";

function outputNaN(): Error {
  const error = new Error("NaN");
  error.name = OUTPUT_NAN;
  return error;
}

/** `<%=` escapes before appending: the NaN is checked before it becomes the string "NaN". */
function escapeChecked(value: unknown): string {
  if (typeof value === "number" && Number.isNaN(value)) throw outputNaN();
  return ejs.escapeXML(value as string);
}

/** The templates/ directory a template lives in (includes may not leave it). */
export function templatesRoot(file: string): string {
  const parts = file.split(path.sep);
  const i = parts.lastIndexOf("templates");
  return i > 0 ? parts.slice(0, i + 1).join(path.sep) : path.dirname(file);
}

/**
 * Compile a template. Its `include(...)` is the caller's, passed as the local `include` (the `with` block
 * ejs wraps the code in finds locals first), so included templates are compiled and checked the same way.
 */
export function compileText(text: string, file: string): Render {
  const template = new ejs.Template(text, { filename: file, async: false, compileDebug: true, escape: escapeChecked });
  // ejs generates its source on the first compile and keeps it; compiled again, the source is used as it is.
  template.compile();
  const source = template.source;
  if (!source.includes(EJS_APPEND)) throw new Error("ejs's generated code is not what deploy expects (its output function changed): check the ejs version");
  (template as { source: string }).source = source.replace(EJS_APPEND, CHECKED_APPEND);
  return template.compile() as unknown as Render;
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

/** The file an `include(name)` in `file` names: beside it, `.ejs` added to a name without an extension, as ejs does. */
export function includePath(file: string, name: string): string {
  return path.resolve(path.dirname(file), path.extname(name) ? name : `${name}.ejs`);
}

/** Why an include may not be read (outside templates/, through a link), or undefined. */
export function includeOutside(file: string, full: string): string | undefined {
  const root = templatesRoot(file);
  try {
    insideDir(root, "", path.relative(root, full));
    return undefined;
  } catch (error: unknown) {
    return `include ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The names `include('part')` calls give as a literal, and where each call is in the text. */
export function literalIncludes(text: string): Array<{ name: string; index: number }> {
  return [...text.matchAll(/\binclude\(\s*(['"])([^'"\n]+)\1/g)].map((m) => ({ name: m[2]!, index: m.index }));
}

/**
 * An include named by a literal (`include('password.ejs')`) is resolved only when the template renders, on
 * every host: a missing one, or one outside templates/, is found now instead.
 */
export function includeProblems(text: string, file: string): Array<{ location: Location; message: string }> {
  const out: Array<{ location: Location; message: string }> = [];
  for (const { name, index } of literalIncludes(text)) {
    const full = includePath(file, name);
    const location = { file, line: text.slice(0, index).split("\n").length, col: 1 };
    const outside = includeOutside(file, full);
    if (outside !== undefined) out.push({ location, message: outside });
    else if (!existsSync(full)) out.push({ location, message: `include '${name}' not found` });
  }
  return out;
}

/** What a failed read of a template says (not "invalid template": the text was never seen). */
export function readFailure(error: unknown): string {
  if (error instanceof NotUtf8Error) return error.message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "template not found";
  if (code === "EISDIR") return "the template is a directory";
  if (code === "ELOOP") return "cannot read template: a loop of symbolic links";
  if (code === "EACCES") return "cannot read template: permission denied";
  return `cannot read template (${code ?? String(error)})`;
}

/**
 * The problems of a template's text found without rendering it: it does not compile, or it includes by
 * name a file that is missing or outside templates/.
 */
export function templateTextProblems(text: string, file: string): Array<{ location: Location; message: string }> {
  try {
    compileText(text, file);
  } catch (error: unknown) {
    const failure = compileFailure(text, file, error);
    return [{ location: { file, line: failure.line ?? 1, col: 1 }, message: `invalid EJS template: ${failure.message}` }];
  }
  return includeProblems(text, file);
}
